"""Portal links on SQLite and PostgreSQL: one customer each, signed, expiring, revocable."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from hub.bootstrap import Hub
from hub.domain.clock import FixedClock
from hub.domain.errors import NotFound
from hub.domain.errors import UserError
from hub.ledger.tables import events
from hub.ledger.tables import portal_links
from hub.services.portal import links as service
from tests.builders import add_customer

SECRET = "k" * 32
BASE = "https://pay.example.com"


@pytest.fixture
def ledger(hub: Hub) -> Hub:
    with hub.engine.begin() as c:
        add_customer(c, "ACME")
        add_customer(c, "BOLT")
    return hub


def issue(hub: Hub, code: str = "ACME", days: int = 30) -> service.IssuedLink:
    with hub.engine.begin() as c:
        return service.issue_link(c, customer_code=code, secret=SECRET, public_url=BASE,
                                  days=days, actor="ann@example.com", now=hub.clock.now())


def verify(hub: Hub, token: str, *, later: timedelta = timedelta(0),
           secret: str = SECRET) -> service.PortalAccess:
    with hub.engine.begin() as c:
        return service.verify_link(c, token, secret=secret, now=hub.clock.now() + later)


def test_a_link_opens_its_own_customer_and_only_its_hash_is_stored(ledger: Hub) -> None:
    link = issue(ledger)
    assert link.url == f"{BASE}/portal/{link.token}"
    assert link.expires_at == ledger.clock.now() + timedelta(days=30)
    assert verify(ledger, link.token).customer_code == "ACME"
    with ledger.engine.connect() as c:
        stored = c.execute(sa.select(portal_links.c.token_hash)).scalar_one()
    assert link.token not in stored
    assert stored == service.token_hash(link.token)


def test_each_customer_gets_a_different_link(ledger: Hub) -> None:
    acme, bolt = issue(ledger, "ACME"), issue(ledger, "BOLT")
    assert acme.token != bolt.token
    assert verify(ledger, bolt.token).customer_code == "BOLT"


@pytest.mark.parametrize("mangle", [
    lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # signature changed
    lambda t: "2" + t[1:] if not t.startswith("2") else "3" + t[1:],  # another link id
    lambda t: t.split(".")[0] + ".zzzzzz." + t.split(".")[2],  # expiry pushed out
    lambda t: "not-a-token",
    lambda t: "",
    lambda t: t + ".extra",
])
def test_tampered_tokens_are_invalid(ledger: Hub, mangle: object) -> None:
    token = issue(ledger).token
    with pytest.raises(service.LinkRefused) as refused:
        verify(ledger, mangle(token))  # type: ignore[operator]
    assert refused.value.reason == "invalid"


def test_a_token_signed_with_another_key_is_invalid(ledger: Hub) -> None:
    token = issue(ledger).token
    with pytest.raises(service.LinkRefused, match="invalid"):
        verify(ledger, token, secret="another-key")


def test_links_expire(ledger: Hub) -> None:
    token = issue(ledger, days=2).token
    assert verify(ledger, token, later=timedelta(days=2, seconds=-1)).customer_code == "ACME"
    with pytest.raises(service.LinkRefused, match="expired"):
        verify(ledger, token, later=timedelta(days=2))


def test_revoking_by_url_or_customer(ledger: Hub) -> None:
    first, second, other = issue(ledger), issue(ledger), issue(ledger, "BOLT")
    with ledger.engine.begin() as c:
        assert service.revoke_links(c, actor="ann", now=ledger.clock.now(), secret=SECRET,
                                    token=first.url) == 1
    with pytest.raises(service.LinkRefused, match="revoked"):
        verify(ledger, first.token)
    assert verify(ledger, second.token).customer_code == "ACME"
    with ledger.engine.begin() as c:
        assert service.revoke_links(c, actor="ann", now=ledger.clock.now(), secret=SECRET,
                                    customer_code="ACME") == 1
    with pytest.raises(service.LinkRefused, match="revoked"):
        verify(ledger, second.token)
    assert verify(ledger, other.token).customer_code == "BOLT"


def test_revoking_something_that_is_not_a_link_says_so(ledger: Hub) -> None:
    with ledger.engine.begin() as c, pytest.raises(UserError, match="not a portal link"):
        service.revoke_links(c, actor="ann", now=ledger.clock.now(), secret=SECRET,
                             token="https://pay.example.com/portal/nonsense")


def test_unknown_customer(ledger: Hub) -> None:
    with pytest.raises(NotFound, match="NOPE"):
        issue(ledger, "NOPE")


def test_current_url_reuses_a_fresh_link_and_renews_an_old_one(ledger: Hub) -> None:
    links = service.LedgerPortalLinks(ledger.engine, ledger.clock, SECRET, BASE, days=30)
    first = links.portal_url("ACME")
    assert links.portal_url("ACME") == first
    assert links.portal_urls(["ACME", "BOLT", "NOPE"]).keys() == {"ACME", "BOLT"}
    with ledger.engine.connect() as c:
        assert c.execute(sa.select(sa.func.count()).select_from(portal_links)).scalar() == 2
    older = service.LedgerPortalLinks(
        ledger.engine, FixedClock(ledger.clock.now() + timedelta(days=16)), SECRET, BASE, 30)
    renewed = older.portal_url("ACME")
    assert renewed != first
    assert verify(ledger, renewed.rsplit("/", 1)[1]).customer_code == "ACME"
    with pytest.raises(NotFound):
        links.portal_url("NOPE")


def test_the_hub_wires_portal_links(ledger: Hub) -> None:
    url = ledger.portal_links().portal_url("BOLT")
    assert url.startswith(f"{ledger.settings.public_url}/portal/")


def test_cli_issues_lists_and_revokes(ledger: Hub, monkeypatch: pytest.MonkeyPatch) -> None:
    from hub.cli import cli

    monkeypatch.setattr("hub.cli._LazyHub.get", lambda self, _schema="one-shot": ledger)
    runner = CliRunner()
    issued = runner.invoke(cli, ["portal", "link", "ACME", "--days", "7"])
    assert issued.exit_code == 0, issued.output
    url = issued.stdout.strip()
    assert url.startswith(f"{ledger.settings.public_url}/portal/")
    assert "valid until" in issued.stderr
    listed = runner.invoke(cli, ["portal", "links", "ACME"])
    assert "live" in listed.stdout
    assert url.rsplit("/", 1)[1] not in listed.stdout
    revoked = runner.invoke(cli, ["portal", "revoke", url])
    assert revoked.stdout.strip() == "revoked 1 link"
    with ledger.engine.connect() as c:  # both on the account's timeline, with who did it
        timeline = list(c.execute(sa.select(events.c.kind, events.c.actor)
                                  .order_by(events.c.id)))
    assert [kind for kind, _ in timeline] == ["portal.link_issued", "portal.link_revoked"]
    assert all(actor.startswith("cli") for _, actor in timeline)
    assert "revoked" in runner.invoke(cli, ["portal", "links", "ACME"]).stdout
    unknown = runner.invoke(cli, ["portal", "link", "NOPE"])
    assert unknown.exit_code == 2
    assert "NOPE" in unknown.stderr
