"""`python tests/integration/cycle/killable_cycle.py cycle ...`: the real `app.py` command
line, with apply rounds of 5 accounts and a long pause inside the third round (after its
decisions are written, before they are committed), so a test can SIGKILL a cycle in the
middle of apply. It prints PAUSED when it gets there."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

import hub.cli.cycle as cycle_command
import hub.services.cycle.daily as cycle_service
from hub.cli import cli

real_apply = cycle_service.apply_decisions
real_options = cycle_command.cycle_options
rounds: list[int] = []


def slow_apply(*args: Any, **kwargs: Any) -> Any:
    rounds.append(1)
    result = real_apply(*args, **kwargs)
    if len(rounds) == 3:
        print("PAUSED", flush=True)
        time.sleep(600)
    return result


def small_rounds(*args: Any, **kwargs: Any) -> Any:
    options = real_options(*args, **kwargs)
    options.batch_size = 5
    return options


cycle_service.apply_decisions = slow_apply  # type: ignore[assignment]
cycle_command.cycle_options = small_rounds  # type: ignore[assignment]

if __name__ == "__main__":
    cli()
