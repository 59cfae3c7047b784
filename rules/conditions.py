"""The condition language finance writes in `when:` and `pause_when:`, and its two
compilations: durable_rules JSON (the engine) and a Python predicate (the shadow).

    customer.kind == "B2C" and account.overdue_balance >= 10000
    customer.country in [DE, AT, CH] or customer.score < 40
    promise.open

Fields come from a fixed catalogue (FIELDS); there is no arithmetic, no "exists" test and no
field named id, so nothing written here can reach the engine's hangs. A missing value (no
credit limit, say) makes every comparison on it false, in the engine and in the shadow.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from decimal import InvalidOperation
from typing import Any

from rules.fields import BOOL
from rules.fields import FIELDS
from rules.fields import NUMBER
from rules.fields import Field

ALWAYS = "always"  # every engine fact carries always=1, so `true` has a test to match


class ConditionError(ValueError):
    """A condition finance wrote cannot be understood; the message says why."""


@dataclass(frozen=True, slots=True)
class Compare:
    field: Field
    op: str  # == != > >= < <=
    value: Any  # str | bool | float


@dataclass(frozen=True, slots=True)
class AllOf:
    items: tuple[Condition, ...]


@dataclass(frozen=True, slots=True)
class AnyOf:
    items: tuple[Condition, ...]


@dataclass(frozen=True, slots=True)
class Const:
    value: bool


Condition = Compare | AllOf | AnyOf | Const

_TOKEN = re.compile(r"""\s*(?:(?P<num>-?\d+(?:\.\d+)?)|(?P<str>"[^"]*"|'[^']*')|
    (?P<op>==|!=|>=|<=|>|<|=)|(?P<punct>[\[\](),])|(?P<word>[A-Za-z_][A-Za-z0-9_.\-@]*))""",
                    re.VERBOSE)
_OPS = {"==": operator.eq, "!=": operator.ne, ">": operator.gt, ">=": operator.ge,
        "<": operator.lt, "<=": operator.le}
_ENGINE_OPS = {"!=": "$neq", ">": "$gt", ">=": "$gte", "<": "$lt", "<=": "$lte"}


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens, position = [], 0
    text = text.rstrip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise ConditionError(f"cannot read {text[position:].strip()!r} in {text!r}")
        kind = match.lastgroup or ""
        tokens.append((kind, match.group(kind)))
        position = match.end()
    return tokens


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokens(text)
        self.position = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise ConditionError(f"{self.text!r} ends too early")
        self.position += 1
        return token

    def at_word(self, word: str) -> bool:
        token = self.peek()
        return token is not None and token[0] == "word" and token[1].lower() == word

    def parse(self) -> Condition:
        condition = self.either()
        left = self.peek()
        if left is not None and left[1] == ",":
            raise ConditionError(f"unexpected ',' in {self.text!r}: write numbers like "
                                 f"1000.00, without thousands separators")
        if left is not None:
            raise ConditionError(f"unexpected {left[1]!r} in {self.text!r}"
                                 " (join conditions with and / or)")
        return condition

    def either(self) -> Condition:
        items = [self.both()]
        while self.at_word("or"):
            self.take()
            items.append(self.both())
        return items[0] if len(items) == 1 else AnyOf(tuple(items))

    def both(self) -> Condition:
        items = [self.atom()]
        while self.at_word("and"):
            self.take()
            items.append(self.atom())
        return items[0] if len(items) == 1 else AllOf(tuple(items))

    def atom(self) -> Condition:
        kind, value = self.take()
        if value == "(":
            inner = self.either()
            closing = self.peek()
            if closing is None or closing[1] != ")":
                raise ConditionError(f"a bracket is not closed in {self.text!r}")
            self.take()
            return inner
        if kind == "word" and value.lower() in ("true", "false"):
            return Const(value.lower() == "true")
        if kind != "word" or value not in FIELDS:
            raise ConditionError(_unknown_field(value))
        field = FIELDS[value]
        token = self.peek()
        if token is not None and token[0] == "word" \
                and token[1].lower() not in ("and", "or", "in", "not"):
            raise ConditionError(f"unexpected {token[1]!r} after {field.name} in "
                                 f"{self.text!r} (join conditions with and / or)")
        if token is None or (token[0] == "word" and token[1].lower() in ("and", "or")) \
                or token[1] == ")":
            if field.type != BOOL:
                raise ConditionError(f"{field.name} is a {field.type}: compare it, e.g. "
                                     f"{field.name} >= 10")
            return Compare(field, "==", True)
        if self.at_word("in") or self.at_word("not"):
            negate = self.take()[1].lower() == "not"
            if negate and self.take()[1].lower() != "in":
                raise ConditionError(f"write 'not in' in {self.text!r}")
            values = self.values(field)
            if negate:
                return AllOf(tuple(Compare(field, "!=", v) for v in values))
            return AnyOf(tuple(Compare(field, "==", v) for v in values))
        kind, op = self.take()
        if kind != "op":
            raise ConditionError(f"expected ==, !=, >, >=, < or <= after {field.name}, "
                                 f"got {op!r}")
        op = "==" if op == "=" else op
        if field.type != NUMBER and op not in ("==", "!="):
            raise ConditionError(f"{field.name} is {field.type}: only == and != apply")
        return Compare(field, op, self.value(field))

    def values(self, field: Field) -> list[Any]:
        if self.take()[1] != "[":
            raise ConditionError(f"'in' needs a list such as [DE, AT] after {field.name}")
        values = [self.value(field)]
        while self.peek() is not None and self.peek()[1] == ",":  # type: ignore[index]
            self.take()
            values.append(self.value(field))
        if self.take()[1] != "]":
            raise ConditionError(f"the list after {field.name} is not closed with ]")
        return values

    def value(self, field: Field) -> Any:
        kind, raw = self.take()
        if kind == "str":
            raw = raw[1:-1]
        elif kind not in ("num", "word"):
            raise ConditionError(f"expected a value after {field.name}, got {raw!r}")
        return coerce(field, raw)


def _unknown_field(name: str) -> str:
    from difflib import get_close_matches  # noqa: PLC0415

    close = get_close_matches(name, list(FIELDS), n=1)
    hint = f' (did you mean "{close[0]}"?)' if close else ""
    return f'"{name}" is not a field the rules know{hint}; see the field list in docs/rules.md'


def coerce(field: Field, raw: Any) -> Any:
    """A value written for `field`, typed as the engine will see it."""
    if field.type == NUMBER:
        if isinstance(raw, bool):
            raise ConditionError(f"{field.name} needs a number, got {raw!r}")
        try:
            return float(Decimal(str(raw)))
        except InvalidOperation:
            raise ConditionError(f"{field.name} needs a number, got {str(raw)!r} (write "
                                 f"numbers without quotes, currency or thousands separators)"
                                 ) from None
    if field.type == BOOL:
        text = str(raw).lower()
        if text not in ("true", "false"):
            raise ConditionError(f"{field.name} is yes/no: compare it with true or false")
        return text == "true"
    text = str(raw)
    if field.choices and text not in field.choices:
        raise ConditionError(f"{field.name} is one of {', '.join(field.choices)}, "
                             f"got {text!r}")
    return text


def parse_condition(text: Any) -> Condition:
    """Read one condition (a YAML true/false is allowed too)."""
    if isinstance(text, bool):
        return Const(text)
    if not isinstance(text, str) or not text.strip():
        raise ConditionError("a condition must be text such as customer.kind == \"B2C\"")
    return _Parser(text).parse()


def to_engine(condition: Condition) -> dict[str, Any]:
    """durable_rules pattern JSON for the condition."""
    if isinstance(condition, Const):
        return {ALWAYS: 1 if condition.value else 0}
    if isinstance(condition, AllOf):
        return {"$and": [to_engine(item) for item in condition.items]}
    if isinstance(condition, AnyOf):
        return {"$or": [to_engine(item) for item in condition.items]}
    name = condition.field.engine_name
    if condition.op == "==":
        return {name: condition.value}
    return {_ENGINE_OPS[condition.op]: {name: condition.value}}


Predicate = Callable[[dict[str, Any]], bool]


def to_shadow(condition: Condition) -> Predicate:
    """The same condition as a Python predicate over the engine's fact dict."""
    if isinstance(condition, Const):
        constant = condition.value
        return lambda _fact: constant
    if isinstance(condition, (AllOf, AnyOf)):
        parts = [to_shadow(item) for item in condition.items]
        combine = all if isinstance(condition, AllOf) else any
        return lambda fact: combine(part(fact) for part in parts)
    name, value, compare = condition.field.engine_name, condition.value, _OPS[condition.op]

    def test(fact: dict[str, Any]) -> bool:
        seen = fact.get(name)
        return seen is not None and bool(compare(seen, value))

    return test


def shadow_of_rules(rules: Sequence[tuple[str, Condition]]
                    ) -> Callable[[dict[str, Any]], frozenset[str]]:
    """All the rules' shadows as one generated Python function: fact -> the ids of the
    rules that match. The same tests as to_shadow (a missing value makes every comparison
    on it false), each field read once per fact instead of once per test through nested
    closures (the shadow runs for every account of every cycle). The generated text holds
    only names and operators: field names, values and rule ids are bound as constants."""
    constants: dict[str, Any] = {}
    fields: dict[str, str] = {}

    def constant(value: Any) -> str:
        name = f"k{len(constants)}"
        constants[name] = value
        return name

    def expression(condition: Condition) -> str:
        if isinstance(condition, Const):
            return "True" if condition.value else "False"
        if isinstance(condition, (AllOf, AnyOf)):
            if not condition.items:
                return "True" if isinstance(condition, AllOf) else "False"
            joiner = " and " if isinstance(condition, AllOf) else " or "
            return "(" + joiner.join(expression(item) for item in condition.items) + ")"
        name = condition.field.engine_name
        if name not in fields:
            fields[name] = f"f{len(fields)}"
        seen = fields[name]
        return f"({seen} is not None and {seen} {condition.op} {constant(condition.value)})"

    tests = [f"    if {expression(condition)}:\n        found.append({constant(rule_id)})"
             for rule_id, condition in rules]
    reads = [f"    {variable} = get({constant(name)})" for name, variable in fields.items()]
    source = "\n".join(["def shadow(fact):", "    get = fact.get", *reads, "    found = []",
                        *tests, "    return frozenset(found)"])
    namespace: dict[str, Any] = dict(constants)
    exec(compile(source, "<rules shadow>", "exec"), namespace)  # noqa: S102 - see docstring
    made: Callable[[dict[str, Any]], frozenset[str]] = namespace["shadow"]
    return made


def comparisons(condition: Condition) -> set[tuple[str, str, Any]]:
    """The distinct tests in a condition (the engine allows 64 true at once per fact)."""
    if isinstance(condition, Compare):
        return {(condition.field.engine_name, condition.op, condition.value)}
    if isinstance(condition, Const):
        return {(ALWAYS, "==", 1)}
    found: set[tuple[str, str, Any]] = set()
    for item in condition.items:
        found |= comparisons(item)
    return found


def describe(condition: Condition) -> str:
    """The condition back in finance's words."""
    if isinstance(condition, Const):
        return "always" if condition.value else "never"
    if isinstance(condition, (AllOf, AnyOf)):
        joiner = " and " if isinstance(condition, AllOf) else " or "
        return "(" + joiner.join(describe(item) for item in condition.items) + ")"
    value = condition.value
    shown = (f"{value:g}" if isinstance(value, float) else
             str(value).lower() if isinstance(value, bool) else f'"{value}"')
    return f"{condition.field.name} {condition.op} {shown}"


def example(condition: Condition) -> dict[str, Any] | None:  # noqa: PLR0911
    """Field values (engine names) that make the condition true, or None if none found."""
    if isinstance(condition, Const):
        return {} if condition.value else None
    if isinstance(condition, AnyOf):
        for item in condition.items:
            found = example(item)
            if found is not None:
                return found
        return None
    if isinstance(condition, AllOf):
        merged: dict[str, Any] = {}
        for item in condition.items:
            found = example(item)
            if found is None:
                return None
            merged.update(found)
        return merged if to_shadow(condition)(merged) else None
    value, field = condition.value, condition.field
    if condition.op in ("==", ">=", "<="):
        return {field.engine_name: value}
    if condition.op == ">":
        return {field.engine_name: value + 1}
    if condition.op == "<":
        return {field.engine_name: value - 1}
    other = (not value if isinstance(value, bool) else
             value + 1 if isinstance(value, float) else f"{value}-other")
    return {field.engine_name: other}
