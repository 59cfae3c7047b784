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
    import gc

    # Start-up builds ~60,000 objects that live as long as the process (modules, classes,
    # tables); the collector would walk them again and again while they are made. It is
    # turned back on, with those objects frozen, once the command's module is loaded
    # (`hub.cli.HubGroup.get_command`).
    gc.disable()
    from hub.cli import cli

    cli()
