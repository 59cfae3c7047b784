"""Finance's rule files: YAML -> checks -> durable_rules + shadow -> decisions.

Public API (everything else in this package is internal):

    load_policy(path, *, known_templates=None) -> CompiledPolicy   (a hub.ports.Policy)
    compile_text(text, file, *, known_templates=None) -> CompiledPolicy
    check_file(path, known_templates=None) -> list[RuleProblem]
    check_text(text, file, *, known_templates=None) -> list[RuleProblem]
    DEFAULT_POLICY: the default rule file (rules/policies/default.yaml)

Loading never half-succeeds: any error raises RuleFileError naming file, line and rule.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from hub.domain.decisions import RuleProblem
from hub.domain.errors import RuleFileError

if TYPE_CHECKING:
    from rules.policy import CompiledPolicy

DEFAULT_POLICY = Path(__file__).resolve().parent / "policies" / "default.yaml"


class RuleFileRefused(RuleFileError):
    """RuleFileError with every problem found (errors and warnings)."""

    def __init__(self, problems: list[RuleProblem]) -> None:
        errors = [p for p in problems if p.severity == "error"]
        lines = "\n".join(f"  {p}" for p in errors)
        super().__init__(f"the rule file cannot go live ({len(errors)} "
                         f"problem{'s' if len(errors) != 1 else ''}):\n{lines}")
        self.problems = problems


def _build(text: str, file: str, *, known_templates: frozenset[str] | None, isolation: str,
           timeout: float, today: date | None) -> tuple[CompiledPolicy | None,
                                                      list[RuleProblem]]:
    from rules.compiler import compile_rules  # noqa: PLC0415
    from rules.gate import self_test  # noqa: PLC0415
    from rules.parser import parse_rule_text  # noqa: PLC0415
    from rules.policy import CompiledPolicy  # noqa: PLC0415
    from rules.rates import stale_tables  # noqa: PLC0415
    from rules.reader import Problems  # noqa: PLC0415

    rule_file, found = parse_rule_text(text, file, known_templates=known_templates)
    problems = Problems(file)
    problems.items.extend(found)
    if rule_file is None:
        return None, problems.sorted()
    compiled = compile_rules(rule_file, problems)
    if compiled is None:
        return None, problems.sorted()
    policy = CompiledPolicy(rule_file, compiled, isolation=isolation, timeout=timeout)
    self_test(policy, problems)
    schemes = {rule_file.fees.default, *rule_file.fees.by_country.values()}
    for warning in stale_tables(schemes, today or date.today(),  # noqa: DTZ011
                                rule_file.fees.rates_folder):
        problems.warning(rule_file.lines.get("fees"), "fees", warning)
    return (None if problems.errors else policy), problems.sorted()


def check_text(text: str, file: str, *, known_templates: frozenset[str] | None = None,
               isolation: str = "fork", today: date | None = None) -> list[RuleProblem]:
    """Every problem in the text (schema, meaning, engine limits, activation gate)."""
    return _build(text, file, known_templates=known_templates, isolation=isolation,
                  timeout=60.0, today=today)[1]


def check_file(path: Path, known_templates: frozenset[str] | None = None) -> list[RuleProblem]:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return [RuleProblem(str(path), None, None, f"cannot read the file: {exc}")]
    return check_text(text, Path(path).name, known_templates=known_templates)


def compile_text(text: str, file: str, *, known_templates: frozenset[str] | None = None,
                 isolation: str = "fork", timeout: float = 60.0) -> CompiledPolicy:
    """The policy, or RuleFileRefused (a RuleFileError) listing every error."""
    policy, problems = _build(text, file, known_templates=known_templates,
                              isolation=isolation, timeout=timeout, today=None)
    if policy is None:
        raise RuleFileRefused(problems)
    return policy


def load_policy(path: Path, *, known_templates: frozenset[str] | None = None,
                isolation: str = "fork", timeout: float = 60.0) -> CompiledPolicy:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RuleFileError(f"{path}: cannot read the rule file: {exc}") from None
    return compile_text(text, Path(path).name, known_templates=known_templates,
                        isolation=isolation, timeout=timeout)
