"""The condition language: parsing, and the engine agreeing with the shadow on any
condition finance can write (property-based)."""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from rules.conditions import ConditionError
from rules.conditions import comparisons
from rules.conditions import describe
from rules.conditions import parse_condition
from rules.conditions import shadow_of_rules
from rules.conditions import to_engine
from rules.engine import EngineSession
from rules.engine_facts import EngineFacts
from rules.fields import FIELDS

NUMBERS = ["account.days_overdue", "account.overdue_balance", "customer.score"]
TEXTS = ["customer.kind", "customer.country"]
BOOLS = ["promise.open", "customer.excluded"]
VALUES = {"customer.kind": ["B2B", "B2C"], "customer.country": ["DE", "NL", "GB"]}
names = itertools.count()


def atoms() -> st.SearchStrategy[str]:
    number = st.builds(lambda f, op, v: f"{f} {op} {v}", st.sampled_from(NUMBERS),
                       st.sampled_from([">", ">=", "<", "<=", "==", "!="]),
                       st.sampled_from([0, 1, 10, 14.5, 100]))
    text = st.builds(lambda f, op, i: f'{f} {op} "{VALUES[f][i % len(VALUES[f])]}"',
                     st.sampled_from(TEXTS), st.sampled_from(["==", "!="]), st.integers(0, 2))
    listed = st.builds(lambda f, neg: f"{f} {'not in' if neg else 'in'} [{', '.join(VALUES[f])}]"
                       if f == "customer.kind" else f"{f} {'not in' if neg else 'in'} [DE, NL]",
                       st.sampled_from(TEXTS), st.booleans())
    flag = st.sampled_from(BOOLS)
    return st.one_of(number, text, listed, flag)


conditions = st.recursive(atoms(), lambda inner: st.builds(
    lambda a, b, op: f"({a}) {op} ({b})", inner, inner, st.sampled_from(["and", "or"])),
    max_leaves=5)


def facts() -> st.SearchStrategy[dict[str, Any]]:
    def value(name: str) -> st.SearchStrategy[Any]:
        if name in NUMBERS:
            return st.sampled_from([-1.0, 0.0, 1.0, 10.0, 14.5, 15.0, 100.0, 101.0])
        if name in TEXTS:
            return st.sampled_from([*VALUES[name], "b2b"])
        return st.booleans()

    fields = NUMBERS + TEXTS + BOOLS
    return st.fixed_dictionaries({}, optional={FIELDS[n].engine_name: value(n)
                                               for n in fields}).map(lambda d: {"always": 1, **d})


@settings(max_examples=40, deadline=None)
@given(conditions, st.lists(facts(), min_size=20, max_size=20))
def test_engine_and_shadow_agree_on_any_condition(text: str, accounts: list[dict[str, Any]]
                                                   ) -> None:
    from rules.conditions import to_shadow

    condition = parse_condition(text)
    definition = {"r0": {"all": [{"m": to_engine(condition)}]},
                  "end": {"all": [{"m": {"end_of_account": 1}}]}}
    session = EngineSession(f"prop{next(names)}", json.dumps(definition))
    engine = [bool(fired) for fired in session.matches(accounts)]
    shadow = [to_shadow(condition)(fact) for fact in accounts]
    assert engine == shadow, describe(condition)
    generated = shadow_of_rules([("r0", condition)])  # the cycle's shadow
    assert [bool(generated(fact)) for fact in accounts] == shadow, describe(condition)
    classes = EngineFacts(comparisons(condition))  # the cycle's engine: a fact per class
    by_class = [bool(fired) for fired in session.matches(
        [classes.fact(classes.key(fact)) for fact in accounts])]
    assert by_class == shadow, describe(condition)


@pytest.mark.parametrize(("text", "message"), [
    ("customer.kind > 3", "customer.kind is text: only == and != apply"),
    ("account.balance >= 1.000,00", "without thousands separators"),
    ("account.balance", "account.balance is a number: compare it"),
    ("customer.kind == \"B2X\"", "customer.kind is one of B2B, B2C"),
    ("id == 3", '"id" is not a field the rules know'),
    ("(promise.open", "a bracket is not closed"),
    ("promise.open promise.broken", "join conditions with and / or"),
])
def test_mistakes_are_explained(text: str, message: str) -> None:
    with pytest.raises(ConditionError) as error:
        parse_condition(text)
    assert message in str(error.value)


def test_round_trip_in_words() -> None:
    condition = parse_condition("customer.country in [DE, AT] and account.days_overdue >= 30")
    assert describe(condition) == ('((customer.country == "DE" or customer.country == "AT") '
                                   "and account.days_overdue >= 30)")
