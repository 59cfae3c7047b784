"""`model train|evaluate|explain|list`: a model is used only when it beats the baselines
on a time split; otherwise, and on a fresh install, predictions come from each
customer's history."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from click.testing import Result

from hub.bootstrap import Hub
from hub.cli import cli
from hub.ledger import model_versions
from hub.ledger.tables import model_versions as versions_table
from hub.services.prediction.predictions import BASELINE
from hub.services.prediction.predictions import evaluate_ledger
from hub.services.prediction.predictions import load_predictor
from hub.services.prediction.predictions import payment_outlook
from tests.builders import add_customer
from tests.builders import add_invoice
from tests.integration.prediction.history import paid_invoice
from tests.integration.prediction.synthetic import build

TODAY = date(2026, 11, 23)  # the test clock
Run = Callable[..., Result]
INTERVAL = r"(\d\.\d{3}) \[(\d\.\d{3}), (\d\.\d{3})\]"


@pytest.fixture
def run(hub: Hub) -> Run:
    env = {"HUB_DATABASE_URL": hub.settings.database_url,
           "HUB_VAR_DIR": str(hub.settings.var_dir), "HUB_PROGRESS": "false"}

    def invoke(*args: str) -> Result:
        return CliRunner().invoke(cli, list(args), env=env)
    return invoke


def _auc(output: str, label: str) -> tuple[float, float, float]:
    line = next(line for line in output.splitlines() if line.startswith(label))
    match = re.search(INTERVAL, line)
    assert match, line
    value, low, high = (float(g) for g in match.groups())
    return value, low, high


def test_a_model_that_sees_what_the_history_cannot_is_trained_stored_and_used(
        hub: Hub, run: Run) -> None:
    build(hub.engine, customers_count=120, invoices_per_customer=24, today=TODAY,
          invoice_effect=True)
    result = run("model", "train", "--bootstrap", "50")
    assert result.exit_code == 0, result.output
    model, model_low, _ = _auc(result.output, "model")
    history, _, _ = _auc(result.output, "baseline: own past late share")
    last, _, _ = _auc(result.output, "baseline: pays like last time")
    assert model > history > last  # big and paper invoices: only the model sees them
    assert "verdict: the model beats both baselines" in result.output
    assert "model v1: learnt from" in result.output
    assert "in use" in result.output
    with hub.engine.connect() as connection:
        (stored,) = model_versions.history(connection)
        assert stored.status == model_versions.ACTIVE
        assert stored.data_from < stored.cut_date < stored.data_to <= TODAY
        assert stored.metrics["scores"]["model"]["auc"]["value"] == pytest.approx(model, abs=1e-3)
        assert stored.actor.startswith("cli")
        assert load_predictor(connection).source == "model v1"
    listed = run("model", "list")
    header, _, row = listed.output.splitlines()
    assert header.split() == ["version", "status", "trained", "by", "data", "rows", "cut",
                              "AUC", "gain"], listed.output
    assert re.fullmatch(r"v1 +active .* \+0\.\d{3}", row), listed.output
    code = _open_customer(hub)
    explained = run("model", "explain", code, "--as-of", TODAY.isoformat())
    assert explained.exit_code == 0, explained.output
    assert f"{code} on {TODAY}, from the model v1" in explained.output
    assert "the chance of paying late)" in explained.output  # a reason, in words
    assert model_low > 0.5


def _open_customer(hub: Hub) -> str:
    with hub.engine.connect() as connection:
        return str(connection.execute(sa.text(
            "SELECT c.code FROM customers c JOIN invoices i ON i.customer_id = c.id "
            "WHERE i.open_minor > 0 ORDER BY c.id LIMIT 1")).scalar_one())


def test_a_model_that_does_not_beat_the_history_is_stored_but_not_used(
        hub: Hub, run: Run) -> None:
    """Lateness is each customer's habit and nothing else: its own history is the best
    predictor there is, and the report must say the model does not beat it."""
    build(hub.engine, customers_count=120, invoices_per_customer=24, today=TODAY,
          invoice_effect=False)
    result = run("model", "train", "--bootstrap", "50")
    assert result.exit_code == 0, result.output
    gain = re.search(r"AUC gain over own past late share: (-?\d\.\d{3}) \[(-?\d\.\d{3}), ",
                     result.output)
    assert gain, result.output
    assert float(gain.group(2)) <= 0
    assert "the model does NOT beat the baselines" in result.output
    assert "stored, NOT used: predictions stay on the customer-history baseline" \
        in result.output
    with hub.engine.connect() as connection:
        (stored,) = model_versions.history(connection)
        assert stored.status == model_versions.NOT_BETTER
        assert model_versions.active(connection) is None
        assert load_predictor(connection).source == BASELINE
    explained = run("model", "explain", _open_customer(hub), "--as-of", TODAY.isoformat())
    assert f"from the {BASELINE}" in explained.output


def test_a_fresh_install_predicts_from_the_baseline_and_refuses_to_train(
        hub: Hub, run: Run) -> None:
    with hub.engine.begin() as connection:
        customer = add_customer(connection, "NEW")
        add_invoice(connection, "N-1", customer, issued="2026-10-01", due="2026-10-31",
                    amount="250.00")
        add_invoice(connection, "N-2", customer, issued="2026-11-20", due="2026-12-20",
                    amount="100.00")
    result = run("model", "train")
    assert result.exit_code == 2
    assert "error: there is no paid invoice in the ledger: nothing to evaluate on" \
        in result.output
    with hub.engine.connect() as connection:
        assert connection.execute(sa.select(sa.func.count())
                                  .select_from(versions_table)).scalar() == 0
        outlook = payment_outlook(connection, customer, TODAY)
    assert outlook is not None
    p = outlook.prediction
    assert p.source == BASELINE
    assert p.p_late == pytest.approx(0.3)  # nothing paid yet: the default share
    assert p.late_class_code == "1-30"  # N-1 is 23 days overdue: it cannot be on time
    not_due = outlook.invoices[1].prediction
    assert not_due.invoice_number == "N-2"
    assert not_due.p_late == pytest.approx(0.3)  # nothing paid yet: the default share
    assert p.reasons == ("no paid invoice yet: the portfolio's share of late payments",)
    explained = run("model", "explain", "NEW", "--as-of", TODAY.isoformat())
    assert "p_late 0.30  late_class 1-30 days late" in explained.output
    assert "N-2: open 100.00, 0 days overdue, p_late 0.30" in explained.output
    assert run("model", "explain", "NOPE").output.startswith("error: there is no customer")


def test_the_evaluation_never_learns_from_what_happened_after_the_cut(hub: Hub) -> None:
    build(hub.engine, customers_count=60, invoices_per_customer=24, today=TODAY,
          invoice_effect=True)
    cut = date(2026, 3, 1)
    evaluation = evaluate_ledger(hub.engine, cut=cut, rounds=20)
    assert evaluation.cut == cut
    assert evaluation.train_from < cut <= evaluation.test_to
    with hub.engine.connect() as connection:
        paid_before = connection.execute(sa.text(
            "SELECT count(*) FROM invoices i WHERE i.issue_date < :cut AND i.open_minor = 0 "
            "AND (SELECT max(a.allocated_on) FROM allocations a WHERE a.invoice_id = i.id) "
            "< :cut"), {"cut": cut}).scalar()
        tested = connection.execute(sa.text(
            "SELECT count(*) FROM invoices WHERE issue_date >= :cut AND open_minor = 0"),
            {"cut": cut}).scalar()
    assert evaluation.train_rows == paid_before
    assert evaluation.test_rows == tested


def test_the_baseline_shares_are_read_again_when_a_payment_is_allocated(hub: Hub) -> None:
    with hub.engine.begin() as connection:
        customer = add_customer(connection, "ONE")
        paid_invoice(connection, "O-1", customer, issued=date(2026, 1, 1), terms=30,
                     days_late=10)
    with hub.engine.connect() as connection:
        first = load_predictor(connection)
        assert load_predictor(connection) is first  # nothing changed: not read again
    assert first.priors.late == 1.0
    with hub.engine.begin() as connection:
        paid_invoice(connection, "O-2", customer, issued=date(2026, 2, 1), terms=30,
                     days_late=-1)
    with hub.engine.connect() as connection:
        assert load_predictor(connection).priors.late == pytest.approx(0.5)
