"""Collections Hub entry point.

`python app.py COMMAND` runs the command line; WSGI servers load `app:create_app()`.
"""

from __future__ import annotations

from hub.web import create_app

__all__ = ["create_app"]

if __name__ == "__main__":
    from hub.cli import cli

    cli()
