"""Reading the rules never changes them (issue 12, item 6): a portal page or a staff page
uses the version in force; an edited rule file goes live with the next cycle only."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from click.testing import CliRunner

from hub.bootstrap import Hub
from hub.cli import cli
from hub.services.portal import links as portal_links
from hub.web import create_app
from rules import DEFAULT_POLICY
from tests.web.conftest import sign_in

EDITED = ("{name: firm reminder, at: 14, send: [email, letter], template",
          "{name: firm reminder, at: 15, send: [email, letter], template")


def _versions(hub: Hub) -> list[tuple[int, str]]:
    return [(v.version, v.status) for v in hub.rule_files.history()]


def test_pages_read_the_version_in_force_and_only_the_cycle_activates(staffed: Hub,
                                                                       tmp_path: Path) -> None:
    path = tmp_path / "collections.yaml"
    text = DEFAULT_POLICY.read_text(encoding="utf-8")
    path.write_text(text, encoding="utf-8")
    staffed.settings = dataclasses.replace(staffed.settings, rules_file=path)
    staffed.reload_rules()  # what the first cycle does
    assert _versions(staffed) == [(1, "active")]
    with staffed.engine.begin() as c:
        token = portal_links.issue_link(
            c, customer_code="ACME", secret=staffed.settings.signing_key(),
            public_url=staffed.settings.public_url, days=30, actor="tests",
            now=staffed.clock.now()).token

    assert EDITED[0] in text
    path.write_text(text.replace(*EDITED), encoding="utf-8")  # edited on disk
    app = create_app(staffed, {"TESTING": True})
    debtor = app.test_client()
    assert debtor.get(f"/portal/{token}").status_code == 200
    finance = app.test_client()
    sign_in(finance, "fin@example.com")
    assert finance.get("/worklist").status_code == 200
    page = finance.get("/rules").get_data(as_text=True)
    assert "In force: version 1" in page
    assert "the next cycle checks it" in page  # the edit is shown as pending, not live
    assert _versions(staffed) == [(1, "active")]
    assert staffed.policy_status().version.version == 1  # type: ignore[union-attr]

    env = {"HUB_DATABASE_URL": staffed.settings.database_url,
           "HUB_VAR_DIR": str(staffed.settings.var_dir), "HUB_RULES_FILE": str(path)}
    result = CliRunner().invoke(cli, ["cycle", "--as-of", "2026-11-23"], env=env,
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert staffed.rule_files.active().version == 2  # type: ignore[union-attr]
    assert "at: 15, send: [email, letter]" in staffed.policy_status().version.text  # type: ignore[union-attr]
    assert "the next cycle checks it" not in finance.get("/rules").get_data(as_text=True)
