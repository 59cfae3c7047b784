"""Dates on the command line, read by the one date reader (hub.domain.parsing.parse_date):
2026-12-31, and also 31-12-2026 as people type it, the same as on every other surface."""

from __future__ import annotations

from datetime import date
from typing import Any

import click

from hub.domain.parsing import ParseError
from hub.domain.parsing import parse_date


class Day(click.ParamType[date, Any]):
    name = "date"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> date:
        if isinstance(value, date):
            return value
        try:
            return parse_date(str(value), "en")
        except ParseError as exc:
            self.fail(exc.message("en"), param, ctx)


DAY = Day()
