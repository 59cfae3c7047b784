"""Authentication seam for the JSON API.

Every /api/v1 request passes through `authenticate_api_request` before its view.
Token authentication arrives in a later issue: it will read the
`Authorization: Bearer ...` header here, put the caller on `flask.g`, and raise
`ApiError(401, "unauthorized", ...)` when the token is missing or wrong. Until
then the API is open, which is why `python app.py serve` binds to 127.0.0.1.
"""

from __future__ import annotations


def authenticate_api_request() -> None:
    """Allow the request (no sign-in yet): returning nothing lets the view run."""
