"""Composition of the daily cycle: the rule file in force, the phase hooks the adapters
provide (through `Hub.cycle_hooks()`), the clock and the settings. Used by the `cycle`
command and the scheduler; imports adapters only when called."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from datetime import timedelta
from typing import TYPE_CHECKING

from hub.ports import CycleHook
from hub.ports import Policy
from hub.services.cycle import PHASES
from hub.services.cycle import Cycle
from hub.services.cycle import CycleOptions

if TYPE_CHECKING:
    from hub.bootstrap import Hub


def load_policy(hub: Hub) -> Policy:
    """The rules for a cycle: `Hub.reload_rules()` (the activated rule-file version, after
    activating HUB_RULES_FILE when it changed: only the cycle and the scheduler do that)."""
    return hub.reload_rules().policy


def cycle_hooks(hub: Hub) -> dict[str, Sequence[CycleHook]]:
    hooks: dict[str, list[CycleHook]] = hub.cycle_hooks()
    return {phase: list(hooks.get(phase, ())) for phase in PHASES}


def build_cycle(hub: Hub, policy: Policy | None = None) -> Cycle:
    policy = policy or load_policy(hub)
    return Cycle(hub.engine, policy, now=hub.clock.now, hooks=cycle_hooks(hub))


def cycle_options(hub: Hub, *, as_of: date | None = None, dry_run: bool = False,
                  actor: str = "cli", wait_seconds: float | None = None,
                  full: bool = False) -> CycleOptions:
    settings = hub.settings
    return CycleOptions(
        as_of=as_of or hub.clock.today(), dry_run=dry_run, actor=actor,
        wait_seconds=settings.cycle_wait_seconds if wait_seconds is None else wait_seconds,
        lock_ttl=timedelta(minutes=settings.cycle_lock_minutes),
        enforcement=settings.enforcement, full=full,
        full_every_days=settings.cycle_full_every_days)
