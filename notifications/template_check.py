"""Check finance's templates folder (HUB_TEMPLATES_DIR) the way a rule file is checked,
before a debtor gets a message from it: every problem with its file and line.

- a folder that is not one of the hub's languages, a file that is not `<name>.j2`;
- Jinja syntax errors and unknown filters;
- blocks the hub does not read (a misspelt `subjet` would leave the subject empty) and a
  missing `subject` or `text`;
- variables the hub does not give that template (they would stop the message at send
  time): what the shipped template of that name uses, plus the account's facts every
  debtor message gets;
- a new template name that is missing in some language (a reader of that language would
  get no message).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from jinja2 import TemplateSyntaxError
from jinja2 import meta
from jinja2 import nodes

from notifications.templates import DEBTOR_TEMPLATES
from notifications.templates import FOLDER
from notifications.templates import LANGUAGES
from notifications.templates import environment
from notifications.templates import shipped_names

BLOCKS = ("subject", "text", "sms")
LAYOUT = "_email.html.j2"
# what every debtor message is given (hub.services.notify.compose): the account's facts,
# its overdue items and totals, the cycle's step, and the sender
DEBTOR_CONTEXT = frozenset({
    "sender", "hub_url", "hub_link", "portal_link", "customer_name", "customer_code",
    "contact_name", "items", "count", "total", "oldest_due", "days_overdue", "step", "ladder",
    "rule", "as_of", "invoices", "currency", "language"})
STEP_TEMPLATES = ("reminder-1", "reminder-2", "final-notice", "pre-legal")


@dataclass(frozen=True)
class TemplateProblem:
    file: str  # relative to the folder checked, e.g. de/reminder-1.j2
    line: int | None
    message: str
    severity: str = "error"  # error | warning

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file} line {self.line}"
        prefix = "warning: " if self.severity == "warning" else ""
        return f"{where}: {prefix}{self.message}"


def _variables(source: str) -> set[str]:
    env = environment()
    return set(meta.find_undeclared_variables(env.parse(source))) - set(env.globals)


@cache
def _shipped_variables(name: str) -> frozenset[str]:
    """Variables the shipped template `name` uses (the same file in every language)."""
    path = FOLDER / f"{name}.j2"
    return frozenset(_variables(path.read_text(encoding="utf-8")) if path.is_file() else ())


def _base_name(name: str, shipped: set[str]) -> str | None:
    """The shipped template `name` is, or is a letter variant of (`reminder-2-b2c`)."""
    if name in shipped:
        return name
    return next((base for base in sorted(shipped, key=len, reverse=True)
                 if name.startswith(f"{base}-")), None)


@cache
def _part_variables() -> frozenset[str]:
    """Variables the shipped parts (`_owed.j2`, included by the notices) use."""
    parts = {path.stem for path in FOLDER.glob("_*.j2") if not path.stem.endswith(".html")}
    return frozenset().union(*(_shipped_variables(part) for part in parts))


def known_variables(name: str) -> frozenset[str]:
    """What the hub gives template `name` (or a part the notices include) when it renders
    it."""
    if name.startswith("_"):
        return DEBTOR_CONTEXT | _part_variables() | frozenset().union(
            *(_shipped_variables(step) for step in STEP_TEMPLATES))
    base = _base_name(name, shipped_names())
    if base is not None and base not in DEBTOR_TEMPLATES:  # a colleague's message
        return _shipped_variables(base) | {"sender", "hub_url", "hub_link"}
    used = _shipped_variables(base) if base else \
        frozenset().union(*(_shipped_variables(step) for step in STEP_TEMPLATES))
    return DEBTOR_CONTEXT | used | _part_variables()


def _line_of(tree: nodes.Template, variable: str) -> int | None:
    return next((node.lineno for node in tree.find_all(nodes.Name)
                 if node.name == variable and node.ctx == "load"), None)


def _hint(word: str, choices: frozenset[str] | tuple[str, ...]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f' (did you mean "{close[0]}"?)' if close else ""


def _check_file(folder: Path, path: Path, name: str) -> list[TemplateProblem]:
    label = str(path.relative_to(folder))
    try:
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return [TemplateProblem(label, None, f"cannot be read as UTF-8 text: {exc}")]
    env = environment()
    try:
        tree = env.parse(source)
        env.compile(tree)  # unknown filters and tests show here
    except TemplateSyntaxError as exc:
        return [TemplateProblem(label, exc.lineno, f"Jinja syntax error: {exc.message}")]
    problems: list[TemplateProblem] = []
    blocks = {block.name: block.lineno for block in tree.find_all(nodes.Block)}
    for block, line in blocks.items():
        if block not in BLOCKS:
            problems.append(TemplateProblem(
                label, line, f'block "{block}" is not read by the hub{_hint(block, BLOCKS)}; '
                             f'use {", ".join(BLOCKS)}'))
    for block in ("subject", "text") if not name.startswith("_") else ():  # a part: none
        if block not in blocks:
            problems.append(TemplateProblem(label, 1, f'has no "{block}" block'))
    known = known_variables(name)
    for variable in sorted(meta.find_undeclared_variables(tree) - known - set(env.globals)):
        problems.append(TemplateProblem(
            label, _line_of(tree, variable),
            f'"{variable}" is not given to {name}{_hint(variable, known)}; '
            f'known: {", ".join(sorted(known))}'))
    return problems


def check_shipped() -> list[TemplateProblem]:
    """Every problem in the shipped templates (one file per name, all languages)."""
    problems: list[TemplateProblem] = []
    for path in sorted(FOLDER.glob("*.j2")):
        if path.name != LAYOUT:
            problems += _check_file(FOLDER, path, path.stem)
    return problems


def check_folder(folder: Path) -> list[TemplateProblem]:
    """Every problem in finance's templates folder, in file and line order."""
    if not folder.is_dir():
        return [TemplateProblem(str(folder), None, "no such folder")]
    problems: list[TemplateProblem] = []
    names: dict[str, set[str]] = {}
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith((".", "_")):  # the e-mail layout, caches, notes
            continue
        if not entry.is_dir() and entry.suffix != ".j2":
            problems.append(TemplateProblem(entry.name, None, "ignored: not a template",
                                            "warning"))
            continue
        if not entry.is_dir() or entry.name not in LANGUAGES:
            problems.append(TemplateProblem(
                entry.name, None, f"not a language folder; use {', '.join(LANGUAGES)} "
                                  f"(one folder per language, e.g. de/reminder-1.j2)"))
            continue
        for path in sorted(entry.iterdir()):
            if path.suffix != ".j2" or not path.is_file():
                problems.append(TemplateProblem(
                    str(path.relative_to(folder)), None,
                    "ignored: templates are files named <name>.j2", "warning"))
                continue
            if not path.stem.startswith("_"):  # parts are included, not sent on their own
                names.setdefault(path.stem, set()).add(entry.name)
            problems += _check_file(folder, path, path.stem)
    shipped = shipped_names()
    for name, languages in sorted(names.items()):
        missing = [language for language in LANGUAGES if language not in languages]
        base = _base_name(name, shipped)
        if missing and base is None:
            problems.append(TemplateProblem(
                f"{sorted(languages)[0]}/{name}.j2", None,
                f'"{name}" is a new template but has no {", ".join(missing)} version: '
                f'a customer reading {", ".join(missing)} would get no message; add '
                f'{", ".join(f"{language}/{name}.j2" for language in missing)}'))
    return sorted(problems, key=lambda p: (p.file, p.line or 0))
