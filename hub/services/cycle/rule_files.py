"""Rule files in force: activate, reload when the file changed, history, diff, rollback,
validate and simulate. Used by the cycle (`Hub.reload_rules()`), `python app.py rules ...`
and the web rule editor.

Reading the rules never changes them: `in_force` (behind `Hub.policy()`, used by every page,
the portal and the API) only reads the version in force. Only `policy_from_file` (the cycle
and the scheduler) and `activate` / `rollback` (the rule editor, `rules activate`) store and
activate a version.

A file that fails its checks never replaces the rules in force: the refusal is stored with
its problems (once per file content) and reported, and the previous version stays active.
"""

from __future__ import annotations

import difflib
import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine

from hub.domain.campaigns import Fragment
from hub.domain.decisions import Decision
from hub.domain.decisions import RuleProblem
from hub.domain.decisions import describe_decision
from hub.domain.errors import NotFound
from hub.domain.errors import RuleFileError
from hub.i18n import lazy_gettext
from hub.ledger import campaigns as campaign_ledger
from hub.ledger import rule_versions
from hub.ledger.rule_versions import RuleVersion
from hub.ports import Policy
from hub.ports import PolicyCompiler
from hub.services.cycle.account_facts import load_account_facts

log = logging.getLogger(__name__)


@dataclass
class PolicyStatus:
    """The rules in force after looking at the rule file."""

    policy: Policy
    version: RuleVersion | None  # None: the file was used as is (no ledger yet)
    reloaded: bool = False  # the file changed and its new content went live
    pending: bool = False  # the file on disk differs from the version in force: next cycle
    problems: list[RuleProblem] = field(default_factory=list)  # why a change was refused

    @property
    def refused(self) -> bool:
        return any(p.severity == "error" for p in self.problems)


@dataclass(frozen=True, slots=True)
class SimulationRow:
    customer_code: str
    change: str  # new | gone | changed
    rule: str
    in_force: str  # the decision under the rules in force, in words ("" when none)
    candidate: str  # the decision under the new file ("" when none)


MERGED = " + campaigns"  # the name of finance's file with the campaigns on top


def merged_name(file_name: str) -> str:
    """Lines and sources of the rules in force with campaigns count in the merged text."""
    return f"{file_name}{MERGED}"


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class RuleFiles:
    def __init__(self, engine: Engine, compiler: PolicyCompiler, now: Callable[[], datetime]
                 ) -> None:
        self.engine = engine
        self.compiler = compiler
        self.now = now
        self._compiled: dict[str, Policy] = {}
        self._refusals: dict[str, list[RuleProblem]] = {}
        self._merged: dict[tuple[str, tuple[tuple[int, int], ...]], str] = {}

    # --- compiling (cached by content) ---------------------------------------------------

    def _policy(self, text: str, file_name: str) -> Policy:
        key = sha256(text)
        if key not in self._compiled:
            self._compiled[key] = self.compiler.compile(text, file_name)
        return self._compiled[key]

    def validate(self, text: str, file_name: str = "rules.yaml", *,
                 limited: bool = False) -> list[RuleProblem]:
        """Every problem in `text`. `limited`: checked in a child process with a time and
        memory limit (text pasted in the web), so no file can stall the caller."""
        if limited:
            return self.compiler.check_limited(text, file_name)
        return self.compiler.check(text, file_name)

    # --- versions ------------------------------------------------------------------------

    def active(self) -> RuleVersion | None:
        with self.engine.connect() as connection:
            return rule_versions.active(connection)

    def history(self, limit: int = 100) -> list[RuleVersion]:
        with self.engine.connect() as connection:
            return rule_versions.history(connection, limit)

    def version(self, number: int) -> RuleVersion:
        with self.engine.connect() as connection:
            found = rule_versions.get(connection, number)
        if found is None:
            raise NotFound(lazy_gettext("there is no rule file version %(number)s", number=number))
        return found

    def activate(self, text: str, actor: str, *, file_name: str = "rules.yaml",
                 source: str = "web", note: str | None = None) -> RuleVersion:
        """Check, compile and store `text` as the rules in force. Raises RuleFileError
        (the refusal is stored) when it cannot go live."""
        try:
            self._policy(text, file_name)
        except RuleFileError as exc:
            self._refuse(text, file_name, source, actor, str(exc))
            raise
        with self.engine.begin() as connection:
            stored = rule_versions.store(connection, file_name=file_name, sha256=sha256(text),
                                         text=text, status="active", source=source,
                                         actor=actor, created_at=self.now(), note=note)
        log.info("rule file %s activated as version %d by %s", file_name, stored.version, actor)
        return stored

    def refuse(self, text: str, actor: str, problems: list[RuleProblem], *,
               file_name: str = "rules.yaml", source: str = "web") -> None:
        """Store `text` as refused, with its errors, without compiling it (they were found
        by a limited check)."""
        errors = [f"  {p}" for p in problems if p.severity == "error"]
        self._refuse(text, file_name, source, actor,
                     f"the rule file cannot go live ({len(errors)} "
                     f"problem{'s' if len(errors) != 1 else ''}):\n" + "\n".join(errors))

    def _refuse(self, text: str, file_name: str, source: str, actor: str, why: str) -> None:
        with self.engine.begin() as connection:
            rule_versions.store(connection, file_name=file_name, sha256=sha256(text), text=text,
                                status="refused", source=source, actor=actor,
                                created_at=self.now(), note=why)

    def rollback(self, version: int, actor: str) -> RuleVersion:
        """Put an earlier version back in force (stored as a new version)."""
        earlier = self.version(version)
        return self.activate(earlier.text, actor, file_name=earlier.file_name,
                             source="rollback", note=f"rollback to version {version}")

    def diff(self, old: int, new: int | None = None) -> str:
        """A unified diff from version `old` to version `new` (default: the one in force)."""
        before = self.version(old)
        after = self.version(new) if new is not None else self.active()
        if after is None:
            raise NotFound(lazy_gettext("no rule file is in force yet"))
        return "".join(difflib.unified_diff(
            before.text.splitlines(keepends=True), after.text.splitlines(keepends=True),
            fromfile=f"version {before.version}", tofile=f"version {after.version}"))

    # --- the rules in force --------------------------------------------------------------

    def in_force(self, path: Path) -> PolicyStatus:
        """The rules in force, read only: never stores nor activates anything, whatever the
        file on disk says (`pending` tells that it changed; the next cycle loads it). Only on a
        ledger where no version was ever activated is the file recorded as version 1 (it is
        what is in force); a broken file then raises RuleFileError: nothing is safe to run."""
        current = self.active()
        if current is None:  # a new ledger: the file is what is in force; record it once
            return self.policy_from_file(path)
        status = self._status(current)
        try:
            digest = sha256(self.compiler.read(path))
        except (RuleFileError, OSError):
            return status  # the cycle reports an unreadable file; reading is not the place
        with self.engine.connect() as connection:
            seen = rule_versions.latest_from_file(connection, path.name)
        status.pending = digest != current.sha256 and (seen is None or seen.sha256 != digest)
        return status

    def policy_from_file(self, path: Path, actor: str = "rule file") -> PolicyStatus:
        """For the cycle and the scheduler only: the rules in force, reloading `path` when its
        content changed since last seen.

        A changed file that fails its checks is refused (stored once, reported in the
        status) and the previous version stays in force. With no previous version at all,
        the RuleFileError is raised: there is nothing safe to run."""
        try:
            text = self.compiler.read(path)  # a file past the size limit is not read at all
        except RuleFileError as exc:
            return self._keep(exc, list(getattr(exc, "problems", [])))
        file_name = path.name
        with self.engine.connect() as connection:
            seen = rule_versions.latest_from_file(connection, file_name)
            current = rule_versions.active(connection)
        digest = sha256(text)
        if seen is not None and seen.sha256 == digest and current is not None:
            if seen.status == "refused":
                log.warning("rule file %s was refused (version %d), version %d stays in "
                            "force", file_name, seen.version, current.version)
                return self._status(current, problems=self._problems(text, file_name))
            return self._status(current)
        try:
            stored = self.activate(text, actor, file_name=file_name, source="file")
        except RuleFileError as exc:
            return self._keep(exc, self._problems(text, file_name))
        return self._status(stored, reloaded=current is not None)

    def _problems(self, text: str, file_name: str) -> list[RuleProblem]:
        key = sha256(text)
        if key not in self._refusals:  # checked once per content, not on every call
            self._refusals[key] = [p for p in self.validate(text, file_name)
                                   if p.severity == "error"]
        return self._refusals[key]

    def _keep(self, error: RuleFileError, problems: list[RuleProblem]) -> PolicyStatus:
        current = self.active()
        if current is None:
            raise error
        log.warning("rule file refused, version %d stays in force: %s", current.version, error)
        status = self._status(current)
        status.problems = problems or [RuleProblem(current.file_name, None, None, str(error))]
        return status

    def by_digest(self, digest: str | None) -> Policy:
        """The compiled rules a cycle run recorded (its policy_version, a sha256): what a
        queue worker evaluates its partition with, whatever was activated since."""
        with self.engine.connect() as connection:
            found = rule_versions.by_sha256(connection, digest) if digest else None
        if found is None:
            current = self.active()  # the version in force with the campaigns on top
            merged = self._status(current).policy if current is not None else None
            if merged is not None and merged.version == digest:
                return merged
            raise NotFound(lazy_gettext("no activated rule file version has the digest "
                                        "%(digest)s: the cycle's rules are not in this ledger",
                                        digest=digest))
        return self._policy(found.text, found.file_name)

    def _status(self, version: RuleVersion, *, reloaded: bool = False,
                problems: list[RuleProblem] | None = None) -> PolicyStatus:
        policy = self._with_campaigns(version)
        return PolicyStatus(policy, version, reloaded=reloaded, problems=problems or [])

    # --- campaigns: named overrides on top of the version in force -----------------------

    def with_campaigns_text(self, text: str, fragments: list[Fragment]
                            ) -> str:
        """`text` (finance's rule file) with the campaigns' fragments on top."""
        return self.compiler.merge(text, fragments)

    def _with_campaigns(self, version: RuleVersion) -> Policy:
        """The version's rules with the campaigns that are not stopped on top. A merge
        that cannot go live (finance's new file refuses a campaign's step) keeps
        finance's file alone in force, logged: a campaign never stops the rules."""
        with self.engine.connect() as connection:
            live = campaign_ledger.live(connection)
        if not live:
            return self._policy(version.text, version.file_name)
        key = (version.sha256, tuple((c.id, c.version) for c in live))
        try:
            if key not in self._merged:
                self._merged[key] = self.compiler.merge(version.text,
                                                        [c.fragment for c in live])
            return self._policy(self._merged[key], merged_name(version.file_name))
        except RuleFileError as exc:
            log.warning("the campaigns %s cannot run on rule file version %d, which stays "
                        "in force alone: %s", ", ".join(c.name for c in live),
                        version.version, exc)
            return self._policy(version.text, version.file_name)

    # --- simulation ----------------------------------------------------------------------

    def simulate(self, text: str, as_of: date, *, in_force: Policy,
                 file_name: str = "rules.yaml",
                 customer_codes: list[str] | None = None) -> list[SimulationRow]:
        """The decisions that would differ on `as_of` if `text` went live."""
        candidate = self._policy(text, file_name)
        rows: list[SimulationRow] = []
        with self.engine.connect() as connection:
            batch = []
            uses = any(getattr(p, "uses_predictions", False) for p in (in_force, candidate))
            for facts in load_account_facts(connection, as_of=as_of,
                                            customer_codes=customer_codes, predictions=uses):
                batch.append(facts)
                if len(batch) >= 2000:
                    rows += _differences(in_force.evaluate(batch), candidate.evaluate(batch))
                    batch = []
            if batch:
                rows += _differences(in_force.evaluate(batch), candidate.evaluate(batch))
        return rows


def _differences(before: list[Decision], after: list[Decision]) -> list[SimulationRow]:
    old = {(d.customer_code, d.rule): d for d in before}
    new = {(d.customer_code, d.rule): d for d in after}
    rows = []
    for key in sorted(old.keys() | new.keys()):
        was, will = old.get(key), new.get(key)
        shown_was = describe_decision(was) if was else ""
        shown_will = describe_decision(will) if will else ""
        if shown_was == shown_will:
            continue
        change = "new" if was is None else "gone" if will is None else "changed"
        rows.append(SimulationRow(key[0], change, key[1], shown_was, shown_will))
    return rows
