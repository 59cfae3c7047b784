"""`python app.py users ...`: staff accounts and passwords from the command line."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime

import pytest
from click.testing import CliRunner
from click.testing import Result

from hub.bootstrap import Hub
from hub.cli import cli
from hub.ledger import staff
from hub.services.staff.auth import LockoutPolicy
from hub.services.staff.auth import sign_in

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def run(hub: Hub, *args: str, stdin: str | None = None, refused: bool = False) -> Result:
    env = {"HUB_DATABASE_URL": hub.settings.database_url,
           "HUB_VAR_DIR": str(hub.settings.var_dir)}
    result = CliRunner().invoke(cli, list(args), env=env, input=stdin, catch_exceptions=False)
    if refused:
        assert result.exit_code == 2, result.output
    return result


def test_add_a_user_who_can_then_sign_in(hub: Hub) -> None:
    added = run(hub, "users", "add", "Ann@Example.com", "--name", "Ann Smith", "--role",
                "collector", "--department", "sales", "--password-stdin",
                stdin="a long pass phrase\n")
    assert added.exit_code == 0, added.output
    assert "added ann@example.com (collector)" in added.output
    listed = run(hub, "users", "list")
    assert "ann@example.com\tcollector\tsales\tAnn Smith" in listed.output
    result = sign_in(hub.engine, "ann@example.com", "a long pass phrase", now=NOW,
                     address=None, policy=LockoutPolicy())
    assert result.ok


def test_a_short_password_is_refused_and_nothing_is_written(hub: Hub) -> None:
    refused = run(hub, "users", "add", "bob@example.com", "--name", "Bob", "--role", "finance",
                  "--password-stdin", stdin="short\n")
    assert refused.exit_code == 2
    assert "error: a password needs at least 12 characters" in refused.output
    assert "bob@example.com" not in run(hub, "users", "list").output


def test_setting_a_password_lifts_a_lockout(hub: Hub) -> None:
    run(hub, "users", "add", "ann@example.com", "--name", "Ann", "--role", "collector",
        "--password-stdin", stdin="a long pass phrase\n")
    for _ in range(5):
        sign_in(hub.engine, "ann@example.com", "wrong", now=NOW, address=None,
                policy=LockoutPolicy())
    with hub.engine.connect() as connection:
        assert staff.sign_in_state_for(connection, "ann@example.com").locked_until is not None
    changed = run(hub, "users", "set-password", "ann@example.com", "--password-stdin",
                  stdin="another long phrase\n")
    assert changed.exit_code == 0
    assert sign_in(hub.engine, "ann@example.com", "another long phrase", now=NOW,
                   address=None, policy=LockoutPolicy()).ok


@pytest.mark.parametrize("email", ["nobody@example.com"])
def test_set_password_for_an_unknown_user_names_them(hub: Hub, email: str) -> None:
    result = run(hub, "users", "set-password", email, "--password-stdin",
                 stdin="a long pass phrase\n")
    assert result.exit_code == 2
    assert f"no user with e-mail '{email}'" in result.output


def test_a_deactivated_user_cannot_sign_in_until_activated_again(hub: Hub) -> None:
    run(hub, "users", "add", "ann@example.com", "--name", "Ann", "--role", "collector",
        "--password-stdin", stdin="a long pass phrase\n")
    assert run(hub, "users", "deactivate", "Ann@example.com").output == \
        "deactivated ann@example.com\n"
    assert "Ann (inactive)" in run(hub, "users", "list").output
    result = sign_in(hub.engine, "ann@example.com", "a long pass phrase", now=NOW,
                     address=None, policy=LockoutPolicy())
    assert (result.ok, result.reason) == (False, "inactive")
    # Changing her role does not bring her back; activating does.
    run(hub, "users", "add", "ann@example.com", "--name", "Ann", "--role", "manager",
        "--no-password")
    assert "Ann (inactive)" in run(hub, "users", "list").output
    assert run(hub, "users", "activate", "ann@example.com").exit_code == 0
    assert sign_in(hub.engine, "ann@example.com", "a long pass phrase", now=NOW,
                   address=None, policy=LockoutPolicy()).ok
    with hub.engine.connect() as connection:
        actions = [entry.action for entry in staff.recent_audit(connection)]
    assert "user.deactivated" in actions
    assert "user.reactivated" in actions


def test_the_last_admin_stays(hub: Hub) -> None:
    run(hub, "users", "add", "root@example.com", "--name", "Root", "--role", "admin",
        "--no-password")
    refused = run(hub, "users", "deactivate", "root@example.com", refused=True)
    assert "last active admin" in refused.output
    demoted = run(hub, "users", "add", "root@example.com", "--name", "Root", "--role",
                  "finance", "--no-password", refused=True)
    assert "last active admin" in demoted.output
    run(hub, "users", "add", "second@example.com", "--name", "Second", "--role", "admin",
        "--no-password")
    assert run(hub, "users", "deactivate", "root@example.com").exit_code == 0


def test_deactivating_someone_unknown_says_so(hub: Hub) -> None:
    result = run(hub, "users", "deactivate", "nobody@example.com", refused=True)
    assert "no user with e-mail 'nobody@example.com'" in result.output


def test_a_refusal_is_printed_in_the_configured_staff_language(hub: Hub) -> None:
    env = {"HUB_DATABASE_URL": hub.settings.database_url,
           "HUB_VAR_DIR": str(hub.settings.var_dir), "HUB_STAFF_LANGUAGE": "de"}
    result = CliRunner().invoke(cli, ["users", "deactivate", "nobody@example.com"], env=env,
                                catch_exceptions=False)
    assert result.exit_code == 2
    assert "kein Benutzer mit der E-Mail-Adresse 'nobody@example.com'" in result.output
