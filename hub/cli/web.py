"""`serve`: the web app on a production WSGI server (gunicorn; waitress on Windows), or on
Flask's development server with `--debug`."""

from __future__ import annotations

import click

LOOPBACK = ("127.0.0.1", "localhost", "::1")


@click.command("serve")
@click.option("--bind", default=None, metavar="HOST:PORT",
              help="Where to listen (HOST:PORT or unix:PATH). Default: HUB_WEB_BIND "
                   "(127.0.0.1:5000).")
@click.option("--workers", type=click.IntRange(1, 256), default=None,
              help="Worker processes. Default: HUB_WEB_WORKERS (2).")
@click.option("--threads", type=click.IntRange(1, 256), default=None,
              help="Threads per worker. Default: HUB_WEB_THREADS (4).")
@click.option("--debug", is_flag=True,
              help="Flask's development server instead (one process, tracebacks in the "
                   "browser): never beyond your own machine.")
@click.pass_context
def serve_command(ctx: click.Context, bind: str | None, workers: int | None,
                  threads: int | None, debug: bool) -> None:
    """Run the web app (sign-in, worklist, reports, rule editor), the debtor portal and the
    JSON API (/api/v1, /healthz) on gunicorn (waitress on Windows).

    Refuses to start on a database at another schema revision than the code's: run
    `python app.py db upgrade` first. Behind a reverse proxy set HUB_TRUSTED_PROXIES
    and HUB_PUBLIC_URL.
    """
    from hub.cli.context import get_hub  # noqa: PLC0415
    from hub.config import Settings  # noqa: PLC0415
    from hub.config import parse_bind  # noqa: PLC0415
    from hub.web import create_app  # noqa: PLC0415
    from hub.web.server import ServerOptions  # noqa: PLC0415
    from hub.web.server import run  # noqa: PLC0415
    from hub.web.server import server_name  # noqa: PLC0415

    settings = Settings.from_env()
    options = ServerOptions(bind=parse_bind(bind, "--bind") if bind else settings.web_bind,
                            workers=workers or settings.web_workers,
                            threads=threads or settings.web_threads,
                            timeout_seconds=settings.web_timeout_seconds)
    host, _, port = options.bind.rpartition(":")
    if debug and (options.bind.startswith("unix:") or host.strip("[]") not in LOOPBACK):
        raise click.UsageError(f"--debug listens on this machine only (127.0.0.1:PORT), "
                               f"not {options.bind}: the development server's "
                               "debugger runs code for whoever reaches it")
    hub = get_hub(ctx, schema="long-running")  # says why and exits 2 when out of date
    if debug:
        click.echo(f"development server on http://{options.bind}/ (--debug: not for "
                   "production); Ctrl+C stops")
        create_app(hub).run(host=host.strip("[]"), port=int(port), debug=True,
                            use_reloader=False)
        return
    hub.engine.dispose()  # the workers open their own connections after the fork
    click.echo(f"serving on {options.bind} with {server_name()}: {options.workers} "
               f"worker(s) x {options.threads} thread(s) (API: /api/v1/openapi.json); "
               "SIGTERM or Ctrl+C stops")
    run(create_app, options)


def register(cli: click.Group) -> None:
    cli.add_command(serve_command)
