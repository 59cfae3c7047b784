"""Collections Hub entry point.

`python app.py COMMAND` runs the command line; WSGI servers load `app:create_app()`.
The web app is imported only when a server asks for `create_app`, so a command does not
pay for Flask and every page module at start (issue 16).
"""

from __future__ import annotations

from typing import Any

__all__ = ["create_app"]  # noqa: F822 (provided lazily by __getattr__)


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from hub.web import create_app  # noqa: PLC0415

        return create_app
    raise AttributeError(name)


if __name__ == "__main__":
    from hub.cli import cli

    cli()
