"""Payment predictions where decisions are made: training and storing a model version,
and predicting for accounts (rule fields, worklist order, account page).

With no trained model, or when the newest one did not beat the baselines, every
prediction comes from the customer's own history (the baseline), so a fresh install
predicts from its first paid invoice on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from datetime import timedelta
from typing import Any

import numpy as np
import sqlalchemy as sa
from sqlalchemy import Connection
from sqlalchemy import Engine

from hub.domain.prediction import FEATURE_NAMES
from hub.domain.prediction import AccountPrediction
from hub.domain.prediction import InvoicePrediction
from hub.domain.prediction import account_prediction
from hub.domain.prediction import condition_on_overdue
from hub.domain.prediction import reason_text
from hub.i18n import lazy_gettext
from hub.ledger import model_versions
from hub.ledger.model_versions import ModelVersion
from hub.ledger.tables import allocations
from hub.ledger.tables import invoices
from hub.services.prediction.evaluation import Evaluation
from hub.services.prediction.evaluation import default_cut
from hub.services.prediction.evaluation import evaluate
from hub.services.prediction.features import FeatureTable
from hub.services.prediction.features import LedgerHistory
from hub.services.prediction.features import issue_day_points
from hub.services.prediction.features import open_invoice_points
from hub.services.prediction.models import LIBRARY
from hub.services.prediction.models import PaymentModel
from hub.services.prediction.models import Predictions
from hub.services.prediction.models import Priors
from hub.services.prediction.models import history_baseline
from hub.services.prediction.models import labelled_before

BASELINE = "baseline (the customer's own history)"


def issue_day_table(connection: Connection, *, undated_disputes: bool = False
                    ) -> FeatureTable:
    """Every invoice's features as of its issue date: what the models learn from."""
    history = LedgerHistory(connection, undated_disputes=undated_disputes)
    return history.features(issue_day_points(history))


def evaluate_ledger(engine: Engine, *, cut: date | None = None, rounds: int = 200,
                    undated_disputes: bool = False) -> Evaluation:
    with engine.connect() as connection:
        table = issue_day_table(connection, undated_disputes=undated_disputes)
    return evaluate(table, cut or default_cut(table), rounds=rounds)


@dataclass(frozen=True)
class Trained:
    version: ModelVersion
    evaluation: Evaluation


def train(engine: Engine, *, as_of: date, actor: str, now: datetime, cut: date | None = None,
          rounds: int = 200) -> Trained:
    """Evaluate on a time split, then learn from every invoice paid before `as_of` and
    store the version: `active` when the evaluation beat both baselines, else
    `not_better` (kept for the record, never used)."""
    with engine.connect() as connection:
        table = issue_day_table(connection)
    evaluation = evaluate(table, cut or default_cut(table), rounds=rounds)
    known = table.subset(labelled_before(table, as_of))
    model = PaymentModel(known)
    status = model_versions.ACTIVE if evaluation.beats_baselines else model_versions.NOT_BETTER
    with engine.begin() as connection:
        version = model_versions.store(
            connection, status=status, data_from=min(known.issue_dates),
            data_to=max(known.issue_dates), cut_date=evaluation.cut, rows=model.rows,
            metrics=evaluation.metrics(), actor=actor, created_at=now, library=LIBRARY,
            model=model.dumps())
    return Trained(version, evaluation)


@dataclass(frozen=True)
class Predictor:
    """The active model, or the customer-history baseline with the ledger's shares."""

    model: PaymentModel | None
    priors: Priors
    source: str

    def predict(self, x: np.ndarray) -> Predictions:
        if self.model is not None:
            return self.model.predict(x)
        return history_baseline(x, self.priors)

    def reasons(self, row: np.ndarray, limit: int = 3) -> tuple[str, ...]:
        """The top reasons in plain words."""
        if self.model is not None:
            found = []
            for name, value, effect in self.model.effects(row):
                text = reason_text(name, value)
                if text and abs(effect) >= 0.005:
                    found.append(
                        lazy_gettext("%(reason)s (raises the chance of paying late)",
                                     reason=text) if effect > 0 else
                        lazy_gettext("%(reason)s (lowers the chance of paying late)",
                                     reason=text))
                if len(found) == limit:
                    break
            return tuple(found)
        values = dict(zip(FEATURE_NAMES, row, strict=True))
        if not values["hist_invoices"]:
            return (lazy_gettext("no paid invoice yet: the portfolio's share of late "
                                 "payments"),)
        order = ("hist_late_share", "hist_mean_days_late", "open_overdue", "promises_broken",
                 "hist_trend_days_late")
        texts = [reason_text(name, float(values[name])) for name in order
                 if values[name] == values[name] and values[name] != 0]
        return tuple(t for t in texts if t)[:limit]


def _ledger_priors(connection: Connection) -> Priors:
    """The portfolio's shares from every invoice paid in full (one grouped query)."""
    paid = (sa.select(invoices.c.due_date, sa.func.max(allocations.c.allocated_on).label("on"))
            .join(allocations, allocations.c.invoice_id == invoices.c.id)
            .where(invoices.c.open_minor == 0).group_by(invoices.c.id, invoices.c.due_date)
            .subquery())
    late = [(on - due).days for due, on in connection.execute(sa.select(paid.c.due_date,
                                                                       paid.c.on))
            if on is not None]
    if not late:
        return Priors.of(None)
    values = np.array(late, dtype=float)
    return Priors(float(np.mean(values > 0)), float(np.mean(values > 30)),
                  float(np.mean(values)))


# per database: (what it was loaded from, predictor). A page view then costs two cheap
# queries, not a model load or a pass over every paid invoice.
_LOADED: dict[str, tuple[tuple[Any, ...], Predictor]] = {}


def _baseline_state(connection: Connection) -> tuple[Any, ...]:
    """Changes whenever an allocation is added or removed: the baseline's shares are
    read again then."""
    return tuple(connection.execute(sa.select(
        sa.func.count(), sa.func.max(allocations.c.id), sa.func.sum(allocations.c.amount_minor)
    )).one())


def load_predictor(connection: Connection) -> Predictor:
    """The active model, else the customer-history baseline (cached per database)."""
    key = connection.engine.url.render_as_string(hide_password=True)
    version = model_versions.active_stamp(connection)
    state = version if version is not None else (None, *_baseline_state(connection))
    cached = _LOADED.get(key)
    if cached is not None and cached[0] == state:
        return cached[1]
    found = model_versions.active(connection) if version is not None else None
    if found is not None:
        stored, data = found
        model = PaymentModel.loads(data)
        predictor = Predictor(model, model.priors, f"model v{stored.version}")
    else:
        predictor = Predictor(None, _ledger_priors(connection), BASELINE)
    _LOADED[key] = (state, predictor)
    return predictor


@dataclass(frozen=True)
class InvoiceOutlook:
    prediction: InvoicePrediction
    issue_date: date
    features: dict[str, float]


@dataclass(frozen=True)
class AccountOutlook:
    prediction: AccountPrediction
    invoices: tuple[InvoiceOutlook, ...]


def predict_accounts(connection: Connection, customer_ids: Sequence[int], as_of: date,
                     predictor: Predictor | None = None, *, with_reasons: bool = False
                     ) -> dict[int, AccountOutlook]:
    """Predictions for the open invoices of `customer_ids` on `as_of` (the day's events
    included) and their accounts. p_late is the model's chance for an invoice like this
    one, from this customer with this history, to be paid late (a risk score that ranks
    overdue accounts too); the class probabilities of an invoice already overdue are
    conditioned on the days it is overdue (it cannot end on time any more)."""
    if not customer_ids:
        return {}
    predictor = predictor or load_predictor(connection)
    history = LedgerHistory(connection, customer_ids)
    table = history.features(open_invoice_points(history, as_of + timedelta(days=1)))
    predicted = predictor.predict(table.x)
    grouped: dict[int, list[int]] = {}
    for k, customer_id in enumerate(table.customer_ids):
        grouped.setdefault(int(customer_id), []).append(k)
    found: dict[int, AccountOutlook] = {}
    for customer_id, rows in grouped.items():
        outlooks = [_invoice(table, predicted, k, as_of) for k in rows]
        first = min(rows, key=lambda k: (table.due_dates[k], table.numbers[k]))
        reasons = predictor.reasons(table.x[first]) if with_reasons else ()
        account = account_prediction(
            [o.prediction for o in outlooks],
            issue_dates={o.prediction.invoice_number: o.issue_date for o in outlooks},
            today=as_of, source=predictor.source, reasons=reasons)
        if account is not None:
            found[customer_id] = AccountOutlook(account, tuple(outlooks))
    return found


def payment_outlook(connection: Connection, customer_id: int, as_of: date
                    ) -> AccountOutlook | None:
    """One account's prediction with its top reasons (the account page); None when
    nothing is open."""
    return predict_accounts(connection, [customer_id], as_of, with_reasons=True
                            ).get(customer_id)


def _invoice(table: FeatureTable, predicted: Predictions, k: int, as_of: date
             ) -> InvoiceOutlook:
    overdue = (as_of - table.due_dates[k]).days
    classes = [float(c) for c in predicted.classes[k]]
    p_late = float(predicted.p_late[k])
    if overdue > 0:  # p_late stays the risk score; the classes say how late it will end
        classes = condition_on_overdue(classes, overdue)
    prediction = InvoicePrediction(
        invoice_number=table.numbers[k], open_amount=float(table.open_amount[k]),
        days_overdue=max(0, overdue), p_late=p_late,
        classes=(classes[0], classes[1], classes[2]),
        expected_days_to_pay=float(predicted.days_to_pay[k]))
    return InvoiceOutlook(prediction, table.issue_dates[k],
                          dict(zip(FEATURE_NAMES, (float(v) for v in table.x[k]), strict=True)))
