"""Campaigns in the ledger: templates saved by people, campaigns, their versions (settings and
rule fragment) and members. The rules read the members of the campaigns that are not stopped
as account facts (campaign.name, campaign.days, campaign.paused)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from hub.domain.campaigns import CampaignSettings
from hub.domain.campaigns import Fragment
from hub.domain.campaigns import Target
from hub.ledger.tables import campaign_members
from hub.ledger.tables import campaign_templates
from hub.ledger.tables import campaign_versions
from hub.ledger.tables import campaigns


@dataclass(frozen=True, slots=True)
class CampaignRow:
    id: int
    name: str
    slug: str
    template: str
    state: str
    target: Target
    started_on: date
    paused_on: date | None
    paused_days: int
    stopped_on: date | None
    created_by: str
    version: int
    settings: CampaignSettings
    fragment: Fragment

    def paused_before(self, today: date) -> int:
        return self.paused_days + ((today - self.paused_on).days if self.paused_on else 0)


def _day(value: object) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def fragment_json(found: Fragment) -> dict[str, Any]:
    return {"slug": found.slug, "segment": found.segment, "ladder": found.ladder,
            "pauses": list(found.pauses)}


def _fragment(data: dict[str, Any]) -> Fragment:
    return Fragment(str(data["slug"]), dict(data["segment"]), dict(data["ladder"]),
                    tuple(data.get("pauses", ())))


def _rows(connection: Connection, where: Sequence[sa.ColumnElement[bool]]) -> list[CampaignRow]:
    latest = (sa.select(campaign_versions.c.campaign_id,
                        sa.func.max(campaign_versions.c.version).label("version"))
              .group_by(campaign_versions.c.campaign_id).subquery())
    query = (sa.select(campaigns, campaign_versions.c.version, campaign_versions.c.settings,
                       campaign_versions.c.fragment)
             .join(latest, latest.c.campaign_id == campaigns.c.id)
             .join(campaign_versions, sa.and_(
                 campaign_versions.c.campaign_id == campaigns.c.id,
                 campaign_versions.c.version == latest.c.version))
             .where(*where).order_by(campaigns.c.id))
    return [CampaignRow(row.id, row.name, row.slug, row.template, row.state,
                        Target.from_json(dict(row.target)), _day(row.started_on) or date.min,
                        _day(row.paused_on), int(row.paused_days or 0), _day(row.stopped_on),
                        row.created_by, int(row.version),
                        CampaignSettings.from_json(dict(row.settings)),
                        _fragment(dict(row.fragment)))
            for row in connection.execute(query)]


def all_campaigns(connection: Connection) -> list[CampaignRow]:
    return _rows(connection, [])


def live(connection: Connection) -> list[CampaignRow]:
    """The campaigns that are not stopped: their fragments are in the rules in force."""
    return _rows(connection, [campaigns.c.state != "stopped"])


def by_name(connection: Connection, name: str) -> CampaignRow | None:
    found = _rows(connection, [sa.or_(campaigns.c.name == name, campaigns.c.slug == name)])
    return found[0] if found else None


def by_id(connection: Connection, campaign_id: int) -> CampaignRow | None:
    found = _rows(connection, [campaigns.c.id == campaign_id])
    return found[0] if found else None


def insert(connection: Connection, *, name: str, slug: str, template: str, target: Target,
           started_on: date, actor: str, now: datetime) -> int:
    return int(connection.execute(campaigns.insert().values(
        name=name, slug=slug, template=template, state="running", target=target.as_json(),
        started_on=started_on, paused_days=0, created_by=actor, created_at=now,
        updated_at=now).returning(campaigns.c.id)).scalar_one())


def add_version(connection: Connection, campaign_id: int, settings: CampaignSettings,
                found: Fragment, *, actor: str, now: datetime) -> int:
    version = int(connection.execute(
        sa.select(sa.func.coalesce(sa.func.max(campaign_versions.c.version), 0))
        .where(campaign_versions.c.campaign_id == campaign_id)).scalar_one()) + 1
    connection.execute(campaign_versions.insert().values(
        campaign_id=campaign_id, version=version, settings=settings.as_json(),
        fragment=fragment_json(found), actor=actor, created_at=now))
    return version


def versions(connection: Connection, campaign_id: int) -> list[dict[str, Any]]:
    return [dict(row._mapping) for row in connection.execute(
        sa.select(campaign_versions.c.version, campaign_versions.c.actor,
                  campaign_versions.c.created_at, campaign_versions.c.settings)
        .where(campaign_versions.c.campaign_id == campaign_id)
        .order_by(campaign_versions.c.version))]


def set_state(connection: Connection, campaign_id: int, values: dict[str, Any],
              now: datetime) -> None:
    connection.execute(campaigns.update().where(campaigns.c.id == campaign_id)
                       .values(**values, updated_at=now))


def add_members(connection: Connection, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        connection.execute(campaign_members.insert(), list(rows))


def leave(connection: Connection, campaign_id: int, day: date) -> None:
    connection.execute(campaign_members.update().where(
        campaign_members.c.campaign_id == campaign_id, campaign_members.c.left_on.is_(None))
        .values(left_on=day))


def member_ids(connection: Connection, campaign_id: int) -> list[int]:
    return [row[0] for row in connection.execute(
        sa.select(campaign_members.c.customer_id)
        .where(campaign_members.c.campaign_id == campaign_id))]


def in_live_campaign(connection: Connection, customer_ids: Sequence[int]
                     ) -> dict[int, str]:
    """customer id -> the name of the campaign (not stopped) it is in, for those that are."""
    if not customer_ids:
        return {}
    found: dict[int, str] = {}
    for start in range(0, len(customer_ids), 5000):
        part = list(customer_ids[start:start + 5000])
        found.update({row.customer_id: row.name for row in connection.execute(
            sa.select(campaign_members.c.customer_id, campaigns.c.name)
            .join(campaigns, campaigns.c.id == campaign_members.c.campaign_id)
            .where(campaigns.c.state != "stopped", campaign_members.c.left_on.is_(None),
                   campaign_members.c.customer_id.in_(part)))})
    return found


def live_members(connection: Connection, where: sa.ColumnElement[bool], today: date
                 ) -> dict[int, tuple[str, int, bool]]:
    """customer id -> (campaign slug, days in it on `today`, paused) for the members of the
    campaigns that are not stopped, among the customers `where` selects (a test on
    campaign_members.c.customer_id)."""
    found: dict[int, tuple[str, int, bool]] = {}
    rows = connection.execute(
        sa.select(campaign_members.c.customer_id, campaign_members.c.joined_on,
                  campaigns.c.slug, campaigns.c.state, campaigns.c.paused_on,
                  campaigns.c.paused_days)
        .join(campaigns, campaigns.c.id == campaign_members.c.campaign_id)
        .where(campaigns.c.state != "stopped", campaign_members.c.left_on.is_(None), where))
    for row in rows:
        joined = _day(row.joined_on) or today
        paused_on = _day(row.paused_on)
        paused = int(row.paused_days or 0) + ((today - paused_on).days if paused_on else 0)
        days = max(0, (today - joined).days - max(0, paused))
        found[row.customer_id] = (row.slug, days, row.state == "paused")
    return found


def live_member_ids(connection: Connection) -> list[int]:
    """Every member of a campaign that is not stopped: the cycle evaluates them each day
    (a campaign's steps count days in the campaign, which no invoice date tells)."""
    return [row[0] for row in connection.execute(
        sa.select(campaign_members.c.customer_id)
        .join(campaigns, campaigns.c.id == campaign_members.c.campaign_id)
        .where(campaigns.c.state == "running", campaign_members.c.left_on.is_(None)))]


def saved_templates(connection: Connection) -> list[tuple[str, CampaignSettings]]:
    return [(row.name, CampaignSettings.from_json(dict(row.settings))) for row in
            connection.execute(sa.select(campaign_templates).order_by(campaign_templates.c.name))]


def save_template(connection: Connection, name: str, settings: CampaignSettings, actor: str,
                  now: datetime) -> None:
    connection.execute(campaign_templates.insert().values(
        name=name, settings=settings.as_json(), created_by=actor, created_at=now))
