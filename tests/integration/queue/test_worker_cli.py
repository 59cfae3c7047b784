"""`python app.py worker` on the embedded default says why it has nothing to do, and the
queue's settings refuse values the broker could not take."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from hub.cli import cli
from hub.config import ConfigError
from hub.config import Settings


def test_a_worker_without_a_broker_says_the_embedded_default_needs_none(
        tmp_path: Path) -> None:
    env = {"HUB_VAR_DIR": str(tmp_path / "var"), "HUB_BROKER_URL": "", "HUB_PROGRESS": "0"}
    assert CliRunner().invoke(cli, ["db", "upgrade"], env=env).exit_code == 0
    result = CliRunner().invoke(cli, ["worker"], env=env)
    assert result.exit_code == 2
    assert "HUB_BROKER_URL is not set" in result.stderr
    assert "need no worker" in result.stderr


def test_the_queue_name_and_partition_size_are_checked() -> None:
    settings = Settings.from_env({"HUB_QUEUE_NAME": "collections-eu.prod",
                                  "HUB_CYCLE_PARTITION_ACCOUNTS": "2000"})
    assert settings.observe.queue_name == "collections-eu.prod"
    assert settings.cycle_partition_accounts == 2000
    assert Settings.from_env({}).observe.queue_name == "hub"
    with pytest.raises(ConfigError, match="HUB_QUEUE_NAME must be letters, digits"):
        Settings.from_env({"HUB_QUEUE_NAME": "hub queue"})
    with pytest.raises(ConfigError, match="HUB_CYCLE_PARTITION_ACCOUNTS must be at least 1"):
        Settings.from_env({"HUB_CYCLE_PARTITION_ACCOUNTS": "0"})
