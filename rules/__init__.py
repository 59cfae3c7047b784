"""Finance's rule files: YAML -> checks -> durable_rules + shadow -> decisions.

Public API (everything else in this package is internal):

    load_policy(path, *, known_templates=None) -> CompiledPolicy   (a hub.ports.Policy)
    compile_text(text, file, *, known_templates=None) -> CompiledPolicy
    check_file(path, known_templates=None) -> list[RuleProblem]
    check_text(text, file, *, known_templates=None) -> list[RuleProblem]
    read_rule_file(path) -> str   (the size limit checked before reading)
    experiments_in(text, file) -> list[str]   (each experiment in one line)
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
    from rules.parser import parse_rule_text  # noqa: PLC0415
    from rules.reader import Problems  # noqa: PLC0415

    rule_file, found = parse_rule_text(text, file, known_templates=known_templates)
    problems = Problems(file)
    problems.items.extend(found)
    if rule_file is None:  # refused before the engine is even loaded
        return None, problems.sorted()
    from rules.compiler import compile_rules  # noqa: PLC0415
    from rules.gate import self_test  # noqa: PLC0415
    from rules.policy import CompiledPolicy  # noqa: PLC0415
    from rules.rates import stale_tables  # noqa: PLC0415

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


def _read(path: Path) -> str | RuleProblem:
    from hub.safe_yaml import YamlLimitError  # noqa: PLC0415
    from hub.safe_yaml import not_utf8  # noqa: PLC0415
    from hub.safe_yaml import read_limited  # noqa: PLC0415
    from rules.source import RULE_FILE_LIMITS  # noqa: PLC0415

    name = Path(path).name
    try:
        return read_limited(Path(path), RULE_FILE_LIMITS)
    except YamlLimitError as exc:
        return RuleProblem(name, exc.line, None, exc.message)
    except UnicodeDecodeError as exc:
        line, message = not_utf8(exc)
        return RuleProblem(name, line, None, message)
    except OSError as exc:
        return RuleProblem(str(path), None, None,
                           f"cannot read the rule file ({exc.strerror or exc})")


def read_rule_file(path: Path) -> str:
    """The text of a rule file; RuleFileRefused (naming the file, and the line where that
    helps) when it cannot be read, is not UTF-8 or is larger than the size limit, which is
    checked before reading."""
    found = _read(path)
    if isinstance(found, RuleProblem):
        raise RuleFileRefused([found])
    return found


def check_file(path: Path, known_templates: frozenset[str] | None = None) -> list[RuleProblem]:
    found = _read(path)
    if isinstance(found, RuleProblem):
        return [found]
    return check_text(found, Path(path).name, known_templates=known_templates)


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
    text = read_rule_file(path)
    return compile_text(text, Path(path).name, known_templates=known_templates,
                        isolation=isolation, timeout=timeout)


def people_named(text: str, file: str) -> list[tuple[int | None, str, str]]:
    """(line, where, e-mail) of everyone a rule file names: team members and persons named
    by `assign:` or `escalate:`. The hub checks them against its users (`rules check`
    warns about the unknown ones: their work would go to the department manager)."""
    from rules.parser import parse_rule_text  # noqa: PLC0415

    rule_file, _ = parse_rule_text(text, file)
    if rule_file is None:
        return []
    found = [(rule_file.lines.get("teams"), f'team "{name}"', email)
             for name, members in rule_file.teams.items() for email in members]
    specs = [(step.name, spec) for ladder in rule_file.ladders.values()
             for step in ladder.steps for spec in step.actions]
    specs += [(event.name, spec) for event in rule_file.events for spec in event.actions]
    for rule, spec in specs:
        who = str(spec.params.get("assign") or spec.params.get("target") or "")
        if "@" in who:
            found.append((spec.line, rule, who))
    return found


def experiments_in(text: str, file: str) -> list[str]:
    """Each experiment of a rule file in one line, for `rules check`: its step, variants
    and shares, and the variant the others are compared with."""
    from rules.parser import parse_rule_text  # noqa: PLC0415

    rule_file, _ = parse_rule_text(text, file)
    if rule_file is None:
        return []
    return [f'experiment {e.name}: step "{e.step}" of ladder "{e.ladder}", variants '
            + ", ".join(f"{v.name} {v.share.normalize():f}%" + (" (skips the step)"
                                                                  if v.skip else "")
                        for v in e.variants)
            + f"; compared with {e.control}" for e in rule_file.experiments]
