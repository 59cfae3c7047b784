"""One JSON error envelope for every error the web app returns:

    {"error": {"code": "not_found", "message": "...", "details": {...}}}

A browser asking for a page (Accept: text/html, outside /api/) gets the same
status and message as an HTML page in the site's layout instead.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask
from flask import Response
from flask import jsonify
from flask import render_template
from flask import request
from werkzeug.exceptions import HTTPException
from werkzeug.exceptions import RequestEntityTooLarge

from hub.domain.errors import NotFound
from hub.domain.errors import UserError
from hub.i18n import in_language
from hub.web.translations import reader_language
from hub.web.translations import refusal

log = logging.getLogger(__name__)

_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
          405: "method_not_allowed", 409: "conflict", 413: "too_large",
          415: "unsupported_media_type", 422: "unprocessable", 429: "too_many_requests",
          500: "internal_error", 503: "unavailable"}


class ApiError(Exception):
    """An error with its HTTP status, a stable machine code and a readable message."""

    def __init__(self, status: int, code: str, message: str,
                 details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details or {}


def bad_parameter(name: str, value: str, expected: str) -> ApiError:
    return ApiError(400, "bad_parameter", f"query parameter {name!r}: expected {expected}, "
                    f"got {value!r}", {"parameter": name, "value": value, "expected": expected})


def _wants_html() -> bool:
    if request.path.startswith(("/api/", "/healthz")):
        return False
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "text/html" and request.accept_mimetypes["text/html"] > 0


def error_response(status: int, code: str, message: str,
                   details: dict[str, Any] | None = None) -> Response:
    details = details or {}
    if _wants_html():
        try:
            page = render_template("error.html", status=status, code=code, message=message)
        except Exception:  # an error page must never fail
            log.exception("cannot render the error page")
            page = f"<!doctype html><title>{status}</title><p>{status}</p>"
        response = Response(page, status=status, mimetype="text/html")
    else:
        response = jsonify({"error": {"code": code, "message": message, "details": details}})
        response.status_code = status
    if "retry_after" in details:
        response.headers["Retry-After"] = str(details["retry_after"])
    return response


def register_error_handlers(app: Flask) -> None:
    # The UI (a later issue) may render HTML for its own pages; the API and /healthz
    # always answer in this envelope.

    @app.errorhandler(ApiError)
    def api_error(error: ApiError) -> Response:
        return error_response(error.status, error.code,  # a Text: in the reader's language
                              in_language(error.message, reader_language()), error.details)

    @app.errorhandler(NotFound)
    def not_found(error: NotFound) -> Response:
        return error_response(404, "not_found", refusal(error))

    @app.errorhandler(UserError)
    def user_error(error: UserError) -> Response:
        return error_response(400, "bad_request", refusal(error))

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(_error: RequestEntityTooLarge) -> Response:
        """A body over MAX_CONTENT_LENGTH is never read, so nothing of it was saved. The
        limit named is the request's own (the onboarding page's open-items file may be
        larger than other requests)."""
        limit = request.max_content_length
        at_most = f": at most {-(-limit // 1024):,} KB" if isinstance(limit, int) else ""
        return error_response(413, "too_large", f"the request is too large{at_most}; "
                              "nothing of it was saved", {"max_bytes": limit})

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Response:
        status = error.code or 500
        details: dict[str, Any] = {}
        valid_methods = getattr(error, "valid_methods", None)
        if valid_methods:
            details["allowed_methods"] = sorted(valid_methods)
        response = error_response(status, _CODES.get(status, "http_error"),
                                  error.description or error.name, details)
        if valid_methods:
            response.headers["Allow"] = ", ".join(sorted(valid_methods))
        return response

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> Response:
        log.exception("unhandled error", exc_info=error)
        return error_response(500, "internal_error",
                              "the server hit an unexpected error; it has been logged")
