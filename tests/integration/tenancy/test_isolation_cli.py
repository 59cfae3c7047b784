"""Creditor isolation on the command line: every command that reads or changes a
creditor's data, run with `--creditor bravo` and alpha's customer codes, invoice numbers
and payment references, prints nothing of alpha's and changes nothing of alpha's."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner
from click.testing import Result

from hub.bootstrap import Hub
from hub.cli import cli
from hub.cli import load_all_commands
from tests.integration.tenancy.two_creditors import build
from tests.integration.tenancy.two_creditors import leaks
from tests.integration.tenancy.two_creditors import snapshot

AS_BRAVO = [
    ["users", "list"], ["api-token", "list"], ["cycle", "runs"], ["dispatch", "status"],
    ["experiments", "list"], ["experiments", "report", "first-touch"], ["export", "holds"],
    ["model", "list"], ["model", "explain", "C001"], ["model", "evaluate"],
    ["payments", "list"], ["payments", "unmatched"], ["portal", "links", "C001"],
    # (the test takes each argument out of the output: "9" is in none of alpha's secrets)
    ["report", "aging"], ["report", "aging", "--by", "customer", "--top", "9"],
    ["report", "cei"], ["report", "dso"], ["report", "summary"],
    ["rules", "explain", "C001"], ["sheets", "status"], ["sheets", "sync"],
    # alpha's keys: found nowhere, or bravo's own row of the same name
    ["payments", "reverse", "PAY-ALPHA"], ["payments", "unmatch", "PAY-ALPHA"],
    ["payments", "match", "PAY-ALPHA", "INV-001"], ["payments", "return", "PAY-ALPHA"],
    ["payments", "on-account", "PAY-ALPHA", "C001"], ["users", "deactivate", "ann@alpha.example"],
    ["users", "activate", "ann@alpha.example"], ["portal", "link", "C001"],
    ["portal", "revoke", "C001"], ["api-token", "revoke", "reports"],
    ["dispatch", "release", "1"], ["dispatch", "clear-flag", "email"],
    ["model", "train"], ["users", "set-password", "ann@alpha.example", "--password-stdin"],
    ["api-token", "create", "more", "--role", "admin"],
    # both creditors have a campaign "Spring"
    ["campaign", "list"], ["campaign", "templates"], ["campaign", "show", "Spring"],
    ["campaign", "pause", "Spring"], ["campaign", "resume", "Spring"],
    ["campaign", "adjust", "Spring", "--days", "0,5,14"],
    ["campaign", "save-template", "Spring", "Copied"], ["campaign", "stop", "Spring"],
    ["campaign", "start", "Autumn", "--customer", "C001", "--dry-run"],
    # alpha's hand-over case is number 1, bravo's number 2
    ["handover", "list"], ["handover", "show", "1"], ["handover", "approve", "1"],
    ["handover", "decline", "1", "--reason", "test"], ["handover", "status", "1", "paid"],
    ["handover", "file", "1", "--output", "/dev/null"],
    ["handover", "start", "C001", "--reason", "test"],
]
# Commands about no single creditor's data: the schema, the platform's creditors, files
# checked on disk, long-running processes (their per-request or per-run creditor is
# covered by the web and cycle tests), the demo, and imports (test_imports below).
NOT_ABOUT_ONE_CREDITOR = {
    "db backup", "db restore", "db status", "db upgrade", "demo", "serve", "worker",
    "scheduler", "templates check", "rules check", "rules simulate", "creditor add",
    "creditor check", "creditor grant", "creditor profile", "creditor list", "creditor revoke",
    "import customers", "import invoices", "import payments", "import presets",
    "import preview",
    "import statement", "users add", "cycle unlock",
}


def run(hub: Hub, *args: str, stdin: str | None = None) -> Result:
    env = {"HUB_DATABASE_URL": hub.settings.database_url,
           "HUB_VAR_DIR": str(hub.settings.var_dir), "HUB_SHEETS_BACKEND": "xlsx"}
    return CliRunner().invoke(cli, ["--creditor", "bravo", *args], env=env, input=stdin)


def _leaves(group: click.Group, prefix: str = "") -> set[str]:
    found: set[str] = set()
    for name, command in group.commands.items():
        if isinstance(command, click.Group) and command.commands:
            found |= _leaves(command, f"{prefix}{name} ")
        else:
            found.add(f"{prefix}{name}")
    return found


def test_every_command_is_tried_or_named_as_platform_wide() -> None:
    load_all_commands()
    leaves = _leaves(cli)
    tried = {" ".join(args[:2]) for args in AS_BRAVO}
    assert tried <= leaves
    assert leaves - tried - NOT_ABOUT_ONE_CREDITOR == set()


@pytest.mark.parametrize("args", AS_BRAVO, ids=" ".join)
def test_a_command_as_bravo_shows_and_changes_nothing_of_alpha(hub: Hub, args: list[str]
                                                               ) -> None:
    build(hub)
    before = snapshot(hub)
    result = run(hub, *args, stdin="a long pass phrase\n")
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert result.exit_code in (0, 1, 2), result.output
    said = result.output
    for arg in args:  # an error message may quote what was asked for
        said = said.replace(arg, "")
    assert leaks(said) == [], result.output
    assert snapshot(hub) == before


def test_an_unknown_creditor_code_is_refused_with_the_known_ones(hub: Hub) -> None:
    build(hub)
    result = CliRunner().invoke(cli, ["--creditor", "charlie", "users", "list"],
                                env={"HUB_DATABASE_URL": hub.settings.database_url,
                                     "HUB_VAR_DIR": str(hub.settings.var_dir)})
    assert result.exit_code == 2
    assert "no creditor with code 'charlie' (known: default, bravo)" in result.output


def test_reports_as_bravo_add_up_bravos_ledger(hub: Hub) -> None:
    build(hub)
    summary = run(hub, "report", "aging").output
    assert "1,547.00" in summary, summary  # 2 x 777.00 less 7.00 paid


def test_another_creditors_user_cannot_be_added_again(hub: Hub) -> None:
    build(hub)
    result = run(hub, "users", "add", "ann@alpha.example", "--name", "Ann", "--role",
                 "collector", "--password-stdin", stdin="a long pass phrase\n")
    assert result.exit_code == 2
    assert "ann@alpha.example is a user of another creditor" in result.output


def test_a_new_creditor_is_told_a_command_that_adds_its_users(hub: Hub) -> None:
    env = {"HUB_DATABASE_URL": hub.settings.database_url,
           "HUB_VAR_DIR": str(hub.settings.var_dir)}
    added = CliRunner().invoke(cli, ["creditor", "add", "charlie", "--name", "Charlie Ltd"],
                               env=env)
    assert added.exit_code == 0, added.output
    told = added.output.split("`python app.py ", 1)[1].split("`", 1)[0].split()
    assert told == ["--creditor", "charlie", "users", "add"]
    user = CliRunner().invoke(cli, [*told, "cat@charlie.example", "--name", "Cat", "--role",
                                    "collector", "--password-stdin"],
                              env=env, input="a long pass phrase\n")
    assert user.exit_code == 0, user.output
    listed = CliRunner().invoke(cli, ["--creditor", "charlie", "users", "list"], env=env)
    assert "cat@charlie.example" in listed.output
    default = CliRunner().invoke(cli, ["users", "list"], env=env)
    assert "cat@charlie.example" not in default.output
