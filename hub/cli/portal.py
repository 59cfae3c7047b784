"""`portal link CUSTOMER`, `portal revoke LINK|--customer CODE`, `portal links CUSTOMER`."""

from __future__ import annotations

import click

from hub.cli.context import cli_actor
from hub.cli.context import get_hub
from hub.cli.report_output import table
from hub.services.portal import links as service


@click.group("portal")
def portal_group() -> None:
    """Debtor portal links: signed, expiring, revocable, one customer each."""


@portal_group.command("link")
@click.argument("customer")
@click.option("--days", type=click.IntRange(1, 3650), default=None,
              help="How long the link stays valid [default: HUB_PORTAL_LINK_DAYS].")
@click.pass_context
def link_command(ctx: click.Context, customer: str, days: int | None) -> None:
    """Issue a new portal link for CUSTOMER and print it."""
    hub = get_hub(ctx)
    with hub.engine.begin() as connection:
        issued = service.issue_link(
            connection, customer_code=customer, secret=hub.settings.signing_key(),
            public_url=hub.settings.public_url, days=days or hub.settings.portal_link_days,
            actor=cli_actor(), now=hub.clock.now(), record_event=True)
    click.echo(issued.url)
    click.echo(f"valid until {issued.expires_at:%Y-%m-%d %H:%M} UTC for customer "
               f"{issued.customer_code}; `python app.py portal revoke` withdraws it", err=True)


@portal_group.command("revoke")
@click.argument("link", required=False)
@click.option("--customer", help="Revoke every live link of this customer instead.")
@click.pass_context
def revoke_command(ctx: click.Context, link: str | None, customer: str | None) -> None:
    """Revoke one portal LINK (the URL or its token), or all links of --customer."""
    hub = get_hub(ctx)
    with hub.engine.begin() as connection:
        count = service.revoke_links(connection, actor=cli_actor(), now=hub.clock.now(),
                                     secret=hub.settings.signing_key(), token=link,
                                     customer_code=customer)
    click.echo(f"revoked {count} link{'' if count == 1 else 's'}")


@portal_group.command("links")
@click.argument("customer")
@click.pass_context
def links_command(ctx: click.Context, customer: str) -> None:
    """List CUSTOMER's portal links (never the tokens: only their hashes are kept)."""
    hub = get_hub(ctx)
    with hub.engine.connect() as connection:
        rows = service.list_links(connection, customer)
    now = hub.clock.now()

    def state(row: service.LinkRow) -> str:
        if row.revoked_at:
            return f"revoked {row.revoked_at:%Y-%m-%d}"
        return "expired" if row.expires_at <= now else "live"

    click.echo(table(["id", "created", "by", "expires", "state", "last used"], [
        [str(r.id), f"{r.created_at:%Y-%m-%d %H:%M}", r.created_by,
         f"{r.expires_at:%Y-%m-%d %H:%M}", state(r),
         f"{r.last_used_at:%Y-%m-%d %H:%M}" if r.last_used_at else "never"] for r in rows]))


def register(cli: click.Group) -> None:
    cli.add_command(portal_group)
