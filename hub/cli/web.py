"""`serve`: the web app on Flask's development server, for local use."""

from __future__ import annotations

import click


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Interface to listen on. Beyond this machine, serve it with a WSGI server "
                   "behind HTTPS and set HUB_PUBLIC_URL.")
@click.option("--port", type=click.IntRange(1, 65535), default=5000, show_default=True)
@click.pass_context
def serve_command(ctx: click.Context, host: str, port: int) -> None:
    """Run the web app (sign-in, worklist, reports, rule editor), the debtor portal and the
    JSON API (/api/v1, /healthz) on the development server.

    For production, point a WSGI server at `app:create_app()`.
    """
    from hub.cli import get_hub  # noqa: PLC0415
    from hub.web import create_app  # noqa: PLC0415

    app = create_app(get_hub(ctx))
    click.echo(f"serving on http://{host}:{port}/ (API: /api/v1/openapi.json); "
               "Ctrl+C stops")
    app.run(host=host, port=port, debug=False, use_reloader=False)


def register(cli: click.Group) -> None:
    cli.add_command(serve_command)
