"""The production WSGI servers behind `python app.py serve`.

gunicorn on Linux and macOS: a master process that restarts crashed workers, several
worker processes (HUB_WEB_WORKERS) with threads each (HUB_WEB_THREADS). gunicorn cannot
run on Windows (it needs fork), so there waitress serves, with threads in one process.
Each gunicorn worker builds its own app after the fork (`app:create_app()`), so no
database connection is shared between processes.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask

# The access log names the worker (pid) that served each request, and how long it took.
ACCESS_LOG_FORMAT = '%(h)s "%(r)s" %(s)s %(B)s %(M)sms pid=%(p)s "%(a)s"'


@dataclass(frozen=True)
class ServerOptions:
    bind: str  # HOST:PORT or unix:PATH
    workers: int
    threads: int
    timeout_seconds: int


def server_name(platform: str = sys.platform) -> str:
    """Which server `serve` runs on this platform."""
    return "waitress" if platform == "win32" else "gunicorn"


def run(factory: Callable[[], Flask], options: ServerOptions,
        platform: str = sys.platform) -> None:
    """Serve the app `factory` builds until stopped (SIGTERM or Ctrl+C)."""
    if server_name(platform) == "waitress":
        _run_waitress(factory(), options)
    else:
        _run_gunicorn(factory, options)


def _run_gunicorn(factory: Callable[[], Flask], options: ServerOptions) -> None:
    from gunicorn.app.base import BaseApplication  # noqa: PLC0415

    class HubApplication(BaseApplication):  # type: ignore[misc]  # gunicorn is untyped
        """gunicorn configured from the hub's settings, not from its command line."""

        def load_config(self) -> None:
            settings: dict[str, Any] = {
                "bind": [options.bind],
                "workers": options.workers,
                "threads": options.threads,
                "worker_class": "gthread" if options.threads > 1 else "sync",
                "timeout": options.timeout_seconds,
                "graceful_timeout": 30,
                "accesslog": "-",
                "errorlog": "-",
                "access_log_format": ACCESS_LOG_FORMAT,
                "proc_name": "collections-hub",
                "preload_app": False,  # each worker opens its own database pool
                "control_socket_disable": True,  # two hubs on one machine must not share one
                "child_exit": _worker_gone,  # a dead worker's live gauges leave /metrics
            }
            for key, value in settings.items():
                self.cfg.set(key, value)

        def load(self) -> Flask:
            return worker_app(factory)

    HubApplication(prog="python app.py serve").run()


def worker_app(factory: Callable[[], Flask]) -> Flask:
    """The app of one gunicorn worker, built after the fork. Its objects (the app, the
    modules, the compiled templates and statements) live as long as the worker: frozen,
    the garbage collector never walks them again, which cut the CPU of a worklist or
    account page by 25-35% at 100k customers (docs/performance.md). Not in `create_app`:
    the tests build hundreds of apps in one process, and frozen ones are never freed."""
    app = factory()
    gc.collect()  # what building the app left behind is freed, not frozen for good
    gc.freeze()
    return app


def _worker_gone(_server: Any, worker: Any) -> None:
    from hub.observe.metrics import mark_process_dead  # noqa: PLC0415

    mark_process_dead(int(worker.pid))


def _run_waitress(app: Flask, options: ServerOptions) -> None:
    import waitress  # noqa: PLC0415  # only on Windows, where gunicorn cannot run

    if options.bind.startswith("unix:"):
        waitress.serve(app, unix_socket=options.bind[len("unix:"):],
                       threads=options.threads * options.workers)
    else:
        waitress.serve(app, listen=options.bind, threads=options.threads * options.workers,
                       channel_timeout=options.timeout_seconds)
