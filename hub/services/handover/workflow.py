"""What the creditor and the collection company do to a case, each in one transaction:
approve (the hand-over happens and its case file is made at once), decline, move a case
on in the collection company's queue, and download its case file."""

from __future__ import annotations

import json
from datetime import date
from datetime import datetime

from sqlalchemy import Engine

from hub.domain.errors import NotFound
from hub.domain.handover import case_file_csv_zip
from hub.i18n import lazy_gettext
from hub.services.handover.cases import Case
from hub.services.handover.cases import approve
from hub.services.handover.cases import decline
from hub.services.handover.cases import get_case
from hub.services.handover.cases import hand_over_by_hand
from hub.services.handover.cases import set_status
from hub.services.handover.files import KINDS
from hub.services.handover.files import CaseFiles
from hub.services.handover.files import stored_file


def approve_case(engine: Engine, files: CaseFiles, case_id: int, *, actor: str,
                 now: datetime) -> Case:
    with engine.begin() as connection:
        approve(connection, case_id, actor=actor, now=now)
        files.produce(connection, case_id, now)
        return get_case(connection, case_id)


def hand_over_now(engine: Engine, files: CaseFiles, customer_code: str, *, actor: str,
                  reason: str, today: date, now: datetime) -> Case:
    """A person who may approve hand-overs hands the account over by hand (their approval):
    the same case file is made at once and the hub's dunning stops as after an approval."""
    with engine.begin() as connection:
        case_id = hand_over_by_hand(connection, customer_code, actor=actor, reason=reason,
                                    today=today, now=now)
        files.produce(connection, case_id, now)
        return get_case(connection, case_id)


def decline_case(engine: Engine, case_id: int, *, actor: str, reason: str,
                 now: datetime) -> Case:
    with engine.begin() as connection:
        return decline(connection, case_id, actor=actor, reason=reason, now=now)


def change_status(engine: Engine, case_id: int, status: str, *, note: str, actor: str,
                  now: datetime) -> Case:
    with engine.begin() as connection:
        return set_status(connection, case_id, status, note=note, actor=actor, now=now)


def case_file(engine: Engine, files: CaseFiles, case_id: int, kind: str) -> tuple[str, bytes]:
    """The kept file (pdf or json) of a handed-over case, or (zip) the kept JSON as CSV
    files in a zip. A case handed over whose file is missing (its cycle's file phase
    failed) gets it made now, and kept."""
    if kind == "zip":
        name, content = case_file(engine, files, case_id, "json")
        return (name.removesuffix(".json") + ".zip",
                case_file_csv_zip(json.loads(content.decode("utf-8"))))
    if kind not in KINDS:
        raise NotFound(lazy_gettext("a case file is pdf, json or zip, not %(kind)s",
                                    kind=kind))
    with engine.begin() as connection:
        case = get_case(connection, case_id)
        found = stored_file(connection, case_id, kind)
        if found is None and case.handed_over_at is not None:
            files.produce(connection, case_id)
            found = stored_file(connection, case_id, kind)
    if found is None:
        raise NotFound(lazy_gettext("case %(id)s has no case file: it is not handed over",
                                    id=case_id))
    return found
