"""The Dockerfile, compose.yaml and systemd units name only what exists.

Docker cannot run on the development machines, so these checks read the files: every
process they start is a real `python app.py` command, every HUB_* variable is a setting
the hub reads (with a value it accepts), and the start order puts the release step
(`db upgrade`) before everything that refuses an out-of-date schema."""

from __future__ import annotations

import json
import re
import shlex
from graphlib import TopologicalSorter
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from hub.cli import cli
from hub.config import Settings
from notifications.letter import FONT_CANDIDATES

ROOT = Path(__file__).resolve().parents[2]
CONFIG = (ROOT / "hub" / "config.py").read_text(encoding="utf-8")
SETTINGS = set(re.findall(r'"(HUB_[A-Z_]+)"', CONFIG)) | {
    f"{name}_FILE" for name in re.findall(r'env_secret\(env, "(HUB_[A-Z_]+)"', CONFIG)}
COMPOSE: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
SERVICES: dict[str, Any] = COMPOSE["services"]
HUB_SERVICES = {name for name, service in SERVICES.items() if "build" in service}


def _dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    joined = re.sub(r"\\\n", " ", "\n".join(lines))
    return [(m[1].upper(), m[2].strip())
            for m in re.finditer(r"^(\w+)\s+(.*)$", joined, flags=re.MULTILINE)]


def _runs_help(args: list[str]) -> None:
    """`python app.py ARGS --help` exits 0: the command and its options exist."""
    result = CliRunner().invoke(cli, [*args, "--help"])
    assert result.exit_code == 0, f"python app.py {' '.join(args)}: {result.output}"


def _interpolated(value: object) -> str:
    """Compose's ${NAME:-default} with nothing set: the default."""
    return re.sub(r"\$\{[A-Z_]+(?::?-([^}]*))?\}", lambda m: m[1] or "", str(value))


@pytest.mark.parametrize("name", sorted(HUB_SERVICES))
def test_every_compose_process_is_a_real_command(name: str) -> None:
    command = SERVICES[name]["command"]
    assert isinstance(command, list)
    _runs_help(command)


@pytest.mark.parametrize("name", sorted(HUB_SERVICES))
def test_compose_sets_only_real_settings_with_values_the_hub_accepts(name: str) -> None:
    env = {key: _interpolated(value) for key, value in SERVICES[name]["environment"].items()}
    assert set(env) - SETTINGS == set()
    settings = Settings.from_env(env)
    assert settings.database_url.startswith("postgresql://")


def test_compose_starts_after_the_release_step_in_a_sane_order() -> None:
    graph = {name: set(service.get("depends_on", {})) for name, service in SERVICES.items()}
    assert all(needed <= set(SERVICES) for needed in graph.values())
    order = list(TopologicalSorter(graph).static_order())  # raises on a cycle
    assert order.index("postgres") < order.index("release")
    assert {"web", "worker", "scheduler", "postgres", "redis", "rabbitmq", "release"} <= set(
        SERVICES)
    assert SERVICES["worker"]["command"] == ["worker"]  # the queue worker
    assert SERVICES["release"]["command"] == ["db", "upgrade"]
    assert SERVICES["release"]["restart"] == "no"
    for name in HUB_SERVICES - {"release"}:
        assert SERVICES[name]["depends_on"]["release"] == {
            "condition": "service_completed_successfully"}
    for service in SERVICES.values():
        for needed, how in service.get("depends_on", {}).items():
            if how["condition"] == "service_healthy":
                assert SERVICES[needed]["healthcheck"]["test"], needed
    # the image's health check probes the web port: other processes switch it off
    assert "healthcheck" not in SERVICES["web"]
    for name in HUB_SERVICES - {"web"}:
        assert SERVICES[name]["healthcheck"] == {"disable": True}
    web_port = SERVICES["web"]["environment"]["HUB_WEB_BIND"].rsplit(":", 1)[1]
    assert SERVICES["web"]["ports"] == [f"127.0.0.1:{web_port}:{web_port}"]


def test_dockerfile_runs_the_hub_as_a_non_root_user_with_the_letter_font() -> None:
    steps = _dockerfile()
    froms = [args for op, args in steps if op == "FROM"]
    assert froms[-1] == "python:3.11-slim"
    final = steps[max(i for i, (op, _) in enumerate(steps) if op == "FROM"):]
    users = [args for op, args in final if op == "USER"]
    assert users
    assert users[-1] not in ("root", "0")
    runs = " ".join(args for op, args in final if op == "RUN")
    assert "fonts-dejavu-core" in runs  # ships /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf
    assert "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf" in FONT_CANDIDATES
    assert "-r /app/requirements.txt" in runs
    assert "build-essential" not in runs  # the compiler stays in the build stage
    for op, args in steps:
        if op == "COPY" and "--from" not in args:
            source = args.split()[0]
            assert (ROOT / source).exists(), source
    env = dict(re.findall(r"(HUB_[A-Z_]+)=(\S+)", " ".join(a for op, a in final if op == "ENV")))
    assert set(env) - SETTINGS == set()
    Settings.from_env(env)


def test_dockerfile_entrypoint_command_and_health_check_exist() -> None:
    final = dict(_dockerfile())  # the last of each instruction wins, as in Docker
    assert json.loads(final["ENTRYPOINT"]) == ["python", "app.py"]
    _runs_help(json.loads(final["CMD"]))
    health = final["HEALTHCHECK"]
    probe = re.search(r"http://127\.0\.0\.1:(\d+)(/\w+)", health)
    assert probe is not None
    assert probe[2] == "/healthz"
    assert '@app.get("/healthz")' in (ROOT / "hub" / "web" / "__init__.py").read_text()
    bind = re.search(r"HUB_WEB_BIND=(\S+)", " ".join(a for op, a in _dockerfile() if op == "ENV"))
    assert bind is not None
    assert bind[1].endswith(f":{probe[1]}")


def test_dockerignore_keeps_local_state_and_secrets_out_of_the_image() -> None:
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert {".git", ".venv", "var", ".env*", "*.env"} <= set(ignored)


@pytest.mark.parametrize("unit", ["hub-release", "hub-web", "hub-scheduler", "hub-worker"])
def test_systemd_units_start_real_commands(unit: str) -> None:
    text = (ROOT / "docs" / "systemd" / f"{unit}.service").read_text(encoding="utf-8")
    start = re.search(r"^ExecStart=(.*)$", text, flags=re.MULTILINE)
    assert start is not None
    words = shlex.split(start[1])
    assert words[1] == "app.py"
    _runs_help(words[2:])
    assert re.search(r"^User=hub$", text, flags=re.MULTILINE)
    assert "EnvironmentFile=/etc/collections-hub/hub.env" in text
    if unit != "hub-release":
        assert "Requires=hub-release.service" in text
        assert "After=hub-release.service" in text


def test_systemd_environment_example_names_real_settings() -> None:
    text = (ROOT / "docs" / "systemd" / "hub.env.example").read_text(encoding="utf-8")
    names = set(re.findall(r"^(HUB_[A-Z_]+)=", text, flags=re.MULTILINE))
    assert names
    assert names - SETTINGS == set()
