"""JSON columns are written by orjson (hub.ledger.json_text): the values read back are the
ones json.dumps would have given."""

from __future__ import annotations

import json
import math
from enum import StrEnum

from hub.ledger.json_text import dumps


class Colour(StrEnum):
    RED = "red"


def test_values_read_back_as_with_the_standard_library() -> None:
    values = [
        {"seen": {"account.days_overdue": 300.0, "customer.kind": "B2C"}, "n": 3,
         "none": None, "flag": True, "list": [1, "two", 3.5], "tuple": (1, 2)},
        {"name": "Zoë Łukasz ß", "emoji": "\u2603", "quote": 'say "hi"\n'},
        {1: "int key", 2.5: "float key", False: "bool key", None: "none key"},
        {"colour": Colour.RED, Colour.RED: 1},
        [],
        "text",
        0.1,
    ]
    for value in values:
        assert json.loads(dumps(value)) == json.loads(json.dumps(value))


def test_what_orjson_refuses_goes_through_the_standard_library() -> None:
    huge = 2 ** 70
    assert json.loads(dumps({"n": huge})) == {"n": huge}


def test_nan_is_written_as_null_which_postgresql_accepts() -> None:
    assert json.loads(dumps({"x": math.nan, "y": math.inf})) == {"x": None, "y": None}
