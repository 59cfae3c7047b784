"""Interleaved rounds for the `bench/` scripts (issue 16).

On a shared machine an absolute figure moves by 2x between runs, so every goal is a ratio
against a reference measured in the same run: each round runs every contender once, in
turn, and the script prints min and median of each and the ratio of the two.
"""

from __future__ import annotations

import compileall
import os
import statistics
from collections.abc import Callable
from collections.abc import Mapping


def interleave(rounds: int,
               contenders: Mapping[str, Callable[[], float]]) -> dict[str, list[float]]:
    """Run each contender once per round, in turn; each returns its own measure
    (seconds, CPU seconds, rows a second...)."""
    found: dict[str, list[float]] = {name: [] for name in contenders}
    for number in range(rounds):
        for name, measure in contenders.items():
            found[name].append(measure())
        print(f"  round {number + 1}/{rounds}: " + ", ".join(
            f"{name} {values[-1]:,.3g}" for name, values in found.items()), flush=True)
    return found


def ratio_line(what: str, hub: list[float], reference: list[float], unit: str,
               goal: str) -> str:
    """`hub / reference` for the min and the median of each (a rate: higher is better for
    the hub; a time: lower is better; `goal` says which, e.g. '>= 0.6' or '<= 2')."""
    hub_min, hub_med = min(hub), statistics.median(hub)
    ref_min, ref_med = min(reference), statistics.median(reference)
    return (f"{what}: hub min {hub_min:,.4g} median {hub_med:,.4g} {unit}; reference min "
            f"{ref_min:,.4g} median {ref_med:,.4g} {unit}; ratio hub/reference "
            f"min {_ratio(hub_min, ref_min)} median {_ratio(hub_med, ref_med)} (goal {goal})")


def _ratio(hub: float, reference: float) -> str:
    return f"{hub / reference:.2f}" if reference else "n/a"


def load_line() -> str:
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    return f"load average {load} on {os.cpu_count()} CPUs"


def compile_tree(root: os.PathLike[str] | str) -> str:
    """Write the bytecode of the hub's own modules under `root`, as an installed hub has it
    (the Docker image compiles it at build time): a whole-process bench must not time
    compiling sources from scratch in a checkout run with PYTHONDONTWRITEBYTECODE."""
    for part in ("app.py", "hub", "rules", "sync", "notifications"):
        path = os.path.join(root, part)
        if os.path.isdir(path):
            compileall.compile_dir(path, quiet=1)
        else:
            compileall.compile_file(path, quiet=1)
    return "bytecode compiled first, as installed"
