"""Finance's rule file with campaigns on top: each campaign's fragment (hub/domain/campaigns.py)
adds a segment before finance's segments, a ladder of the same name and its pauses. The
result is an ordinary rule file's text, compiled, checked and gated like any other, so a
campaign cannot run what finance's file could not.

Finance's file stays the source of everything else (the other segments and ladders, the
pauses, event rules, contact policy, fees, teams, tests). Its text is read with the rule
file's own reader (so `on:` stays a key, the size limits hold) and written back as YAML:
comments are not kept in the merged text, which nobody edits.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import yaml

from hub.domain.campaigns import Fragment
from hub.domain.errors import RuleFileError
from rules.source import Map
from rules.source import SourceError
from rules.source import parse
from rules.source import plain

HEADER = "# finance's rule file with the campaigns that are not stopped (docs/campaigns.md)\n"


def merge(text: str, fragments: Sequence[Fragment]) -> str:
    """`text` with the campaigns' segments first, their ladders and pauses added; `text`
    itself when there is no campaign. RuleFileError when `text` is not a rule file at all
    (then no campaign can run on it: the caller keeps finance's file)."""
    if not fragments:
        return text
    try:
        root, _ = parse(text)
    except SourceError as exc:
        raise RuleFileError(exc.message) from None
    if not isinstance(root, Map):
        raise RuleFileError("the rule file is not a set of sections: no campaign can run on it")
    data: dict[str, Any] = plain(root)
    segments = data.get("segments")
    ladders = data.get("ladders")
    pauses = data.get("pause_when") or []
    if not isinstance(segments, list) or not isinstance(ladders, dict):
        raise RuleFileError("the rule file has no segments and ladders: no campaign can run "
                            "on it")
    if not isinstance(pauses, list):
        pauses = [pauses]
    data["segments"] = [dict(f.segment) for f in fragments] + segments
    data["ladders"] = {**ladders, **{f.name: _plain(f.ladder) for f in fragments}}
    data["pause_when"] = [*pauses, *(p for f in fragments for p in f.pauses)]
    return HEADER + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value
