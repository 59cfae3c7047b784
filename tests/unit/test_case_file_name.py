"""The case file's name goes into a Content-Disposition header, which WSGI servers write
as Latin-1: a debtor code in another script still gives a name they can send."""
from __future__ import annotations

from datetime import UTC
from datetime import datetime

import pytest

from hub.domain.handover import CaseFile
from hub.domain.handover import Party


def _case(code: str) -> CaseFile:
    return CaseFile(7, datetime(2026, 12, 3, tzinfo=UTC), Party("Rheinwerk"),
                    Party("Debtor", code), "hand over", "", (), (), (), (), (), (), (), ())


@pytest.mark.parametrize(("code", "stem"), [
    ("ACME", "case-7-ACME"), ("ŁÓDŹ-7", "case-7---D--7"), ("a/b\"c", "case-7-a-b-c"),
    ("", "case-7-account")])
def test_the_file_name_is_plain_ascii(code: str, stem: str) -> None:
    name = _case(code).file_stem
    assert name == stem
    name.encode("latin-1")
