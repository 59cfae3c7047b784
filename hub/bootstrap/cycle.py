"""Composition of the daily cycle: the rule file in force, the phase hooks the adapters
provide (through `Hub.cycle_hooks()`), the clock and the settings. Used by the `cycle`
command and the scheduler; imports adapters only when called."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from datetime import timedelta
from typing import TYPE_CHECKING

from hub.ports import CycleHook
from hub.ports import HookReport
from hub.ports import Policy
from hub.services.cycle.daily import PHASES
from hub.services.cycle.daily import Cycle
from hub.services.cycle.daily import CycleOptions

if TYPE_CHECKING:
    from hub.bootstrap.root import Hub
    from hub.queue import CeleryQueue


def load_policy(hub: Hub) -> Policy:
    """The rules for a cycle: `Hub.reload_rules()` (the activated rule-file version, after
    activating HUB_RULES_FILE when it changed: only the cycle and the scheduler do that)."""
    return hub.reload_rules().policy


def cycle_hooks(hub: Hub) -> dict[str, Sequence[CycleHook]]:
    """The phases' hooks; with a task queue (HUB_BROKER_URL) the sheet phases run on a
    queue worker and the notify phase's dispatchers on several at once."""
    hooks: dict[str, list[CycleHook]] = hub.cycle_hooks()
    queue = hub.task_queue
    if queue is not None:
        for phase in ("read_back", "write_out"):
            if hooks.get(phase):
                hooks[phase] = [QueuedHook(phase, queue)]
        hooks["notify"] = [hub.notify_hook(queue)]
    found: dict[str, list[CycleHook]] = {phase: list(hooks.get(phase, ())) for phase in PHASES}
    # the case files of the accounts the decisions handed over, made in this process (for
    # the creditor the cycle runs for) before the sheets are written and anything is sent
    from hub.services.handover.files import CaseFileHook  # noqa: PLC0415

    found["write_out"].insert(0, CaseFileHook(hub.engine, hub.case_files()))
    return dict(found)


class QueuedHook:
    """A cycle phase run by a queue worker (its hooks as wired there), waited for."""

    def __init__(self, phase: str, queue: CeleryQueue) -> None:
        self.phase = phase
        self.queue = queue
        self.name = f"{phase} (on a queue worker)"

    def run(self, as_of: date, *, dry_run: bool) -> HookReport:
        reports = self.queue.run_hook(self.phase, as_of, dry_run=dry_run)
        if len(reports) == 1:
            return reports[0]
        counts: dict[str, int] = {}
        for report in reports:
            for key, value in report.counts.items():
                counts[key] = counts.get(key, 0) + value
        return HookReport(name=self.name, done=any(r.done for r in reports), counts=counts,
                          errors=tuple(e for r in reports for e in r.errors),
                          message="; ".join(r.message for r in reports if r.message))


def build_cycle(hub: Hub, policy: Policy | None = None) -> Cycle:
    """The cycle; with a task queue (HUB_BROKER_URL), evaluate + apply are spread over its
    workers in partitions."""
    policy = policy or load_policy(hub)
    return Cycle(hub.engine, policy, now=hub.clock.now, hooks=cycle_hooks(hub),
                 queue=hub.task_queue)


def cycle_options(hub: Hub, *, as_of: date | None = None, dry_run: bool = False,
                  actor: str = "cli", wait_seconds: float | None = None,
                  full: bool = False) -> CycleOptions:
    settings = hub.settings
    return CycleOptions(
        as_of=as_of or hub.clock.today(), dry_run=dry_run, actor=actor,
        wait_seconds=settings.cycle_wait_seconds if wait_seconds is None else wait_seconds,
        lock_ttl=timedelta(minutes=settings.cycle_lock_minutes),
        enforcement=settings.enforcement, full=full,
        full_every_days=settings.cycle_full_every_days,
        batch_size=settings.cycle_partition_accounts)
