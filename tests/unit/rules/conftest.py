"""Helpers for rule-file tests: a small file, compiled in-process for speed."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from typing import Any

import pytest

from hub.domain.decisions import AccountFacts
from rules import compile_text
from rules.examples import account_from_spec
from rules.policy import CompiledPolicy

SMALL = """\
segments:
  - {name: consumer, when: customer.kind == "B2C"}
  - {name: business, when: true}
minimum_balance: 25.00
ladders:
  business:
    progression: {progression}
    steps:
      - {name: first, at: 3, send: [email], template: reminder-1}
      - {name: second, at: 14, send: [email, letter], template: reminder-2}
      - {name: call, at: 21, task: call, assign: owner}
      - {name: final, at: 45, send: [letter], template: final-notice, fees: statutory}
  consumer:
    progression: most_severe
    steps:
      - {name: first, at: 5, send: [email], template: reminder-1}
pause_when: [invoice.disputed, invoice.excluded, customer.excluded, promise.open,
             plan.active, enforcement.off]
rules:
  - name: broken promise
    on: broken promise
    then: [{task: follow_up, assign: owner}]
fees:
  default: eu
"""


def small_file(progression: str = "ladder") -> str:
    return SMALL.replace("{progression}", progression)


@pytest.fixture
def compile_yaml() -> Callable[[str], CompiledPolicy]:
    def build(text: str) -> CompiledPolicy:
        return compile_text(textwrap.dedent(text), "collections.yaml", isolation="inline")
    return build


@pytest.fixture
def account() -> Callable[..., AccountFacts]:
    def build(code: str = "C1", **spec: Any) -> AccountFacts:
        ladder_of = spec.pop("ladder_of", {"first": "business", "second": "business",
                                           "call": "business", "final": "business"})
        return account_from_spec(spec, code, ladder_of)
    return build


def pytest_addoption(parser: pytest.Parser) -> None:
    """`--update-golden`: rewrite the compiler's golden files (test_compiler_golden.py).
    Registered here, so pass a path under tests/unit/rules with it."""
    parser.addoption("--update-golden", action="store_true", default=False,
                     help="rewrite tests/unit/rules/golden/*.json from the compiler's output")
