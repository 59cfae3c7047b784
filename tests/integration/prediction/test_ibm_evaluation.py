"""The time-split evaluation on the IBM late-payment file, imported with its preset: the
report prints AUC, Brier score and accuracy with intervals beside both baselines, and its
verdict follows the intervals (whatever the figures are)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from hub.bootstrap import Hub
from hub.cli import cli

pytestmark = pytest.mark.shared_data
NUMBER = r"-?\d\.\d{3}"
INTERVAL = rf"({NUMBER}) \[({NUMBER}), ({NUMBER})\]"


def test_the_ibm_file_is_evaluated_on_a_time_split_beside_both_baselines(
        hub: Hub, shared_data: Path, tmp_path: Path) -> None:
    source = tmp_path / "ibm-late-payment-histories.csv"
    shutil.copy(shared_data / "ar" / "ibm-late-payment-histories.csv", source)
    env = {"HUB_DATABASE_URL": hub.settings.database_url,
           "HUB_VAR_DIR": str(hub.settings.var_dir), "HUB_PROGRESS": "false"}
    runner = CliRunner()
    imported = runner.invoke(cli, ["import", "invoices", str(source),
                                   "--preset", "ibm-late-payment"], env=env)
    assert imported.exit_code == 0, imported.output
    result = runner.invoke(cli, ["model", "evaluate", "--bootstrap", "40"], env=env)
    assert result.exit_code == 0, result.output
    out = result.output
    split = re.search(r"time split at (\S+): learnt from (\d+) invoices .* tested on (\d+) ",
                      out)
    assert split, out
    assert int(split.group(2)) + int(split.group(3)) <= 2466
    rows = {}
    for label in ("model", "baseline: own past late share", "baseline: pays like last time"):
        line = next(line for line in out.splitlines() if line.startswith(label))
        found = re.findall(INTERVAL, line)
        assert len(found) == 4, line  # AUC, Brier, accuracy, class accuracy
        for value, low, high in found:
            assert float(low) <= float(value) <= float(high)
        rows[label] = float(found[0][0])
    gain = re.search(rf"AUC gain over own past late share: {INTERVAL}", out)
    assert gain, out
    assert float(gain.group(1)) == pytest.approx(
        rows["model"] - rows["baseline: own past late share"], abs=0.002)
    beats = "verdict: the model beats both baselines" in out
    assert beats == (float(gain.group(2)) > 0 and "NOT" not in out)
    if not beats:
        assert "the hub falls back to each customer's own history" in out
