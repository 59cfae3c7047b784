"""The rules part of the composition root (the Hub in root.py calls it): the rule-file
compiler from rules/, the message template names it checks against, the rule-file service."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from hub.config import Settings
from hub.domain.campaigns import Fragment
from hub.domain.clock import Clock
from hub.domain.decisions import AccountFacts
from hub.domain.decisions import RuleProblem
from hub.domain.errors import UserError
from hub.ports import Policy
from hub.services.cycle.rule_files import RuleFiles

if TYPE_CHECKING:
    from notifications.template_check import TemplateProblem
    from rules.explain import Explanation
    from rules.policy import CompiledPolicy


def known_templates(folder: Path | None = None) -> frozenset[str] | None:
    """Message templates available in every language, shipped or in finance's templates
    folder (HUB_TEMPLATES_DIR); None when none are installed (then they are not checked)."""
    from notifications.templates import known_templates as installed  # noqa: PLC0415

    return installed(folder) or None


COMPILED_KEPT = 8
CHECK_SECONDS = 30.0  # a rule-file check from the web: at most this long...
CHECK_MEMORY = 512 * 1024 * 1024  # ...and this much memory beyond the web server's own
_COMPILED: dict[tuple[str, str, frozenset[str] | None], CompiledPolicy] = {}


class RulesCompiler:
    """hub.ports.PolicyCompiler over rules/: checks, compiles and self-tests rule files."""

    def __init__(self, templates: frozenset[str] | None) -> None:
        self.templates = templates
        self.check_seconds = CHECK_SECONDS
        self.check_memory = CHECK_MEMORY

    def read(self, path: Path) -> str:
        """The rule file's text; RuleFileError before reading when it is too large."""
        from rules import read_rule_file  # noqa: PLC0415

        return read_rule_file(path)

    def compile(self, text: str, file_name: str) -> CompiledPolicy:
        """Compiled once per content in this process (checks and the activation gate take
        a second), however many Hubs ask."""
        from rules import compile_text  # noqa: PLC0415

        key = (hashlib.sha256(text.encode("utf-8")).hexdigest(), file_name, self.templates)
        if key not in _COMPILED:
            if len(_COMPILED) >= COMPILED_KEPT:
                _COMPILED.pop(next(iter(_COMPILED)))
            _COMPILED[key] = compile_text(text, file_name, known_templates=self.templates)
        return _COMPILED[key]

    def merge(self, text: str, fragments: Sequence[Fragment]) -> str:
        from rules.campaigns import merge  # noqa: PLC0415

        return merge(text, fragments)

    def check(self, text: str, file_name: str) -> list[RuleProblem]:
        from rules import check_text  # noqa: PLC0415

        return check_text(text, file_name, known_templates=self.templates)

    def check_limited(self, text: str, file_name: str) -> list[RuleProblem]:
        """`check` in a child process with a time and a memory limit (hub/limited.py), for
        text from the web: a check past them is one error, and the server carries on."""
        from hub.limited import LimitExceeded  # noqa: PLC0415
        from hub.limited import run_limited  # noqa: PLC0415

        try:
            return run_limited(self.check, text, file_name, seconds=self.check_seconds,
                               memory_bytes=self.check_memory)
        except LimitExceeded as exc:
            return [RuleProblem(file_name, None, None,
                                f"the file could not be checked: {exc.message}; it cannot "
                                "go live")]


def rules_path(settings: Settings) -> Path:
    from rules import DEFAULT_POLICY  # noqa: PLC0415

    return settings.rules_file or DEFAULT_POLICY


def build_rule_files(settings: Settings, engine: Engine, clock: Clock) -> RuleFiles:
    return RuleFiles(engine, RulesCompiler(known_templates(settings.templates_dir)),
                     now=clock.now)


# --- what the `rules` and `templates` commands use of rules/ and the template checks;
# each loads its adapter only when called (the rule engine takes a moment to load) ---


def check_rule_file(path: Path, templates_dir: Path | None
                    ) -> list[RuleProblem | TemplateProblem]:
    """The rule file's problems, and those of finance's templates folder when there is one
    (the templates the file's steps send are part of going live)."""
    from rules import check_file  # noqa: PLC0415

    problems: list[RuleProblem | TemplateProblem] = [
        *check_file(path, known_templates(templates_dir))]
    if templates_dir is not None:
        problems += check_templates(templates_dir)
    return problems


def check_templates(folder: Path) -> list[TemplateProblem]:
    from notifications.template_check import check_folder  # noqa: PLC0415

    return check_folder(folder)


def people_named(text: str, file_name: str) -> list[tuple[int | None, str, str]]:
    from rules import people_named as named  # noqa: PLC0415

    return named(text, file_name)


def experiments_in(text: str, file_name: str) -> list[str]:
    from rules import experiments_in as described  # noqa: PLC0415

    return described(text, file_name)


def read_rule_file(path: Path) -> str:
    from rules import read_rule_file as read  # noqa: PLC0415

    return read(path)


class Explainer:
    """Why a compiled rule file decides what it does for one account (`rules explain`);
    UserError for a policy that is not a compiled rule file."""

    def __init__(self, policy: Policy) -> None:
        from rules.policy import CompiledPolicy  # noqa: PLC0415

        if not isinstance(policy, CompiledPolicy):
            raise UserError("the rules in force cannot explain themselves")
        self.policy = policy
        self.file_name = policy.file_name

    def explain(self, facts: AccountFacts) -> Explanation:
        from rules.explain import explain  # noqa: PLC0415

        return explain(self.policy, facts)
