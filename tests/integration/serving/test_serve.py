"""`python app.py serve` runs the real gunicorn; web workers never migrate.

The server test starts the command exactly as an operator would, in a subprocess, and
reads gunicorn's access log (it names the worker pid of every request)."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from hub.cli import cli
from hub.ledger.db import SchemaOutOfDate
from hub.ledger.db import current_revision
from hub.ledger.db import head_revision
from hub.ledger.db import make_engine
from hub.ledger.db import upgrade
from hub.web import create_app

ROOT = Path(__file__).resolve().parents[3]
pytestmark = [pytest.mark.skipif(sys.platform == "win32", reason="gunicorn needs fork"),
              pytest.mark.timeout(120)]  # a server that never stops must not hang the suite


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _env(var_dir: Path, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("HUB_")}
    env.update(HUB_VAR_DIR=str(var_dir), HUB_PROGRESS="0", NO_PROXY="127.0.0.1,localhost",
               no_proxy="127.0.0.1,localhost", **extra)
    return env


def _get(url: str) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.read()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], str, Path]]:
    """`python app.py serve` with 2 sync workers, after the release step (`db upgrade`)."""
    env = _env(tmp_path / "var")
    released = subprocess.run([sys.executable, "app.py", "db", "upgrade"], cwd=ROOT, env=env,
                              capture_output=True, text=True, check=False)
    assert released.returncode == 0, released.stderr
    port = _free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "app.py", "serve", "--bind", f"127.0.0.1:{port}",
             "--workers", "2", "--threads", "1"], cwd=ROOT, env=env, stdout=out,
            stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                _get(f"{base}/healthz")
                break
            except OSError:
                assert process.poll() is None, log.read_text()
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.2)
        yield process, base, log
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def _worker_pids(log: Path) -> set[int]:
    return {int(pid) for pid in re.findall(r'"GET /\S* HTTP/1\.1" 200 .* pid=<(\d+)>',
                                           log.read_text())}


def _parent(pid: int) -> int:
    stat = Path(f"/proc/{pid}/stat").read_text()
    return int(stat.rsplit(")", 1)[1].split()[1])


def test_serve_runs_gunicorn_with_two_workers_and_stops_cleanly(
        server: tuple[subprocess.Popen[bytes], str, Path]) -> None:
    process, base, log = server
    status, body = _get(f"{base}/healthz")
    assert (status, b'"status":"ok"' in body) == (200, True)
    status, body = _get(f"{base}/signin")
    assert status == 200
    assert b"<form" in body
    deadline = time.monotonic() + 30
    with ThreadPoolExecutor(8) as pool:  # concurrent requests keep both workers busy
        while len(_worker_pids(log)) < 2 and time.monotonic() < deadline:
            assert all(s == 200 for s, _ in pool.map(_get, [f"{base}/healthz"] * 16))
    workers = _worker_pids(log)
    assert len(workers) == 2, log.read_text()
    if Path("/proc").is_dir():
        assert {_parent(pid) for pid in workers} == {process.pid}  # gunicorn's own workers
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=40) == 0
    text = log.read_text()
    assert "Starting gunicorn" in text
    assert "Shutting down: Master" in text
    assert "Traceback" not in text


@pytest.fixture
def behind(tmp_path: Path) -> tuple[Path, str]:
    """A SQLite ledger one migration behind the code."""
    var = tmp_path / "var"
    url = f"sqlite:///{var / 'hub.db'}"
    engine = make_engine(url)
    upgrade(engine, "0011")
    engine.dispose()
    return var, url


def test_serve_refuses_a_database_behind_the_code(behind: tuple[Path, str]) -> None:
    var, url = behind
    result = CliRunner().invoke(cli, ["serve", "--workers", "2"], env=_env(var))
    assert result.exit_code == 2
    assert (f"is at revision 0011, the code needs {head_revision()}: "
            "run `python app.py db upgrade`") in result.stderr
    result = CliRunner().invoke(cli, ["scheduler", "--list"], env=_env(var))
    assert result.exit_code == 2
    assert "run `python app.py db upgrade`" in result.stderr
    engine = make_engine(url)
    assert current_revision(engine) == "0011"  # nobody migrated behind the operator's back
    engine.dispose()


def test_a_wsgi_worker_loading_create_app_never_migrates(
        behind: tuple[Path, str], monkeypatch: pytest.MonkeyPatch) -> None:
    var, url = behind
    monkeypatch.setenv("HUB_VAR_DIR", str(var))
    monkeypatch.delenv("HUB_DATABASE_URL", raising=False)
    with pytest.raises(SchemaOutOfDate, match="is at revision 0011"):
        create_app()
    engine = make_engine(url)
    assert current_revision(engine) == "0011"
    engine.dispose()


def test_db_upgrade_is_the_release_step(behind: tuple[Path, str]) -> None:
    var, url = behind
    status = CliRunner().invoke(cli, ["db", "status"], env=_env(var))
    assert "revision: 0011" in status.stdout
    assert "run `python app.py db upgrade`" in status.stdout
    result = CliRunner().invoke(cli, ["db", "upgrade"], env=_env(var))
    assert result.exit_code == 0
    assert f"upgraded from revision 0011 to {head_revision()}" in result.stdout
    engine = make_engine(url)
    assert current_revision(engine) == head_revision()
    engine.dispose()
    assert CliRunner().invoke(cli, ["scheduler", "--list"], env=_env(var)).exit_code == 0


def test_on_postgresql_one_shot_commands_refuse_too(
        postgres_url: str | None, tmp_path: Path) -> None:
    """Only the embedded SQLite default upgrades itself from any command; on PostgreSQL
    (several machines) the release step alone changes the schema."""
    if postgres_url is None:
        pytest.skip("PostgreSQL not configured (set HUB_TEST_POSTGRES_URL)")
    base = os.environ["HUB_TEST_POSTGRES_URL"]
    schema = f"hub_behind_{os.getpid()}"
    admin = make_engine(base)
    with admin.begin() as connection:
        connection.execute(sa.text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        connection.execute(sa.text(f"CREATE SCHEMA {schema}"))
    url = f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"
    try:
        engine = make_engine(url)
        upgrade(engine, "0011")
        engine.dispose()
        env = _env(tmp_path / "var", HUB_DATABASE_URL=url)
        result = CliRunner().invoke(cli, ["cycle", "runs"], env=env)
        assert result.exit_code == 2
        assert "is at revision 0011" in result.stderr
        assert CliRunner().invoke(cli, ["db", "upgrade"], env=env).exit_code == 0
        assert CliRunner().invoke(cli, ["cycle", "runs"], env=env).exit_code == 0
    finally:
        with admin.begin() as connection:
            connection.execute(sa.text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        admin.dispose()
