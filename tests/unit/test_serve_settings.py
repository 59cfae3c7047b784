"""The web server's settings: strict parsing, and the development server kept local."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from hub.cli import cli
from hub.config import ConfigError
from hub.config import Settings
from hub.web.server import server_name


def test_web_settings_are_read_and_checked() -> None:
    settings = Settings.from_env({"HUB_WEB_BIND": "0.0.0.0:8000", "HUB_WEB_WORKERS": "8",
                                  "HUB_WEB_THREADS": "2", "HUB_TRUSTED_PROXIES": "1"})
    assert (settings.web_bind, settings.web_workers, settings.web_threads,
            settings.trusted_proxies) == ("0.0.0.0:8000", 8, 2, 1)
    defaults = Settings.from_env({})
    assert (defaults.web_bind, defaults.trusted_proxies) == ("127.0.0.1:5000", 0)
    assert Settings.from_env({"HUB_WEB_BIND": "unix:/run/hub.sock"}).web_bind \
        == "unix:/run/hub.sock"
    with pytest.raises(ConfigError, match=r"HUB_WEB_BIND must look like 127\.0\.0\.1:5000"):
        Settings.from_env({"HUB_WEB_BIND": "8000"})
    with pytest.raises(ConfigError, match="HUB_WEB_WORKERS must be at least 1"):
        Settings.from_env({"HUB_WEB_WORKERS": "0"})


def test_gunicorn_everywhere_but_windows() -> None:
    assert server_name("linux") == "gunicorn"
    assert server_name("darwin") == "gunicorn"
    assert server_name("win32") == "waitress"


def test_the_development_server_stays_on_this_machine(tmp_path: object) -> None:
    result = CliRunner().invoke(cli, ["serve", "--debug", "--bind", "0.0.0.0:5000"],
                                env={"HUB_VAR_DIR": str(tmp_path), "HUB_DATABASE_URL": ""})
    assert result.exit_code == 2
    assert "--debug listens on this machine only" in result.output
    bad = CliRunner().invoke(cli, ["serve", "--bind", "localhost"],
                             env={"HUB_VAR_DIR": str(tmp_path), "HUB_DATABASE_URL": ""})
    assert bad.exit_code == 2
    assert "--bind must look like" in bad.output


def test_each_gunicorn_worker_freezes_its_app_once_loaded(monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    """gunicorn's worker loads the app (`load`, after the fork) and then freezes what it
    built (docs/performance.md); the master builds none."""
    import gc

    from flask import Flask
    from gunicorn.app.base import BaseApplication

    from hub.web.server import ServerOptions
    from hub.web.server import run

    steps: list[str] = []
    started: list[BaseApplication] = []

    def factory() -> Flask:
        steps.append("app built")
        return Flask("worker")

    monkeypatch.setattr(gc, "freeze", lambda: steps.append("frozen"))
    monkeypatch.setattr(BaseApplication, "run",
                        lambda self: started.append(self))  # noqa: PLW0108 - a method
    run(factory, ServerOptions(bind="127.0.0.1:0", workers=2, threads=1,
                               timeout_seconds=30), platform="linux")
    (application,) = started
    assert application.cfg.preload_app is False  # loaded in each worker, after the fork
    assert steps == []  # the master builds no app
    app = application.load()  # what each worker does once forked
    assert isinstance(app, Flask)
    assert steps == ["app built", "frozen"]
