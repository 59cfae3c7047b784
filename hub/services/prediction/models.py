"""The payment models: P(paid late), the late class (on time / 1-30 / over 30 days) and
the expected days to pay, learnt with scikit-learn's HistGradientBoosting from the
invoices' features as of their issue date; and the two baselines they must beat.

Probabilities are calibrated with isotonic regression on a time-later slice of the
training data (the last fifth by issue date): the trees learn on the earlier invoices,
the calibration on later ones, as the model will be used on invoices later still.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from typing import Any

import joblib
import numpy as np
import sklearn
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.isotonic import IsotonicRegression
from threadpoolctl import threadpool_limits

from hub.domain.errors import UserError
from hub.domain.prediction import DEFAULT_LATE_SHARE
from hub.domain.prediction import FEATURE_NAMES
from hub.domain.prediction import INDEX
from hub.domain.prediction import baseline_late
from hub.i18n import lazy_gettext
from hub.services.prediction.features import FeatureTable

# one OpenMP thread: on a machine shared with the web workers and the cycle, the trees'
# spinning threads cost ten times the CPU for no gain (measured: bench/model.py)
THREADS = 1
MIN_ROWS = 200  # paid invoices needed to learn anything (and to calibrate on a fifth)
CALIBRATION_SHARE = 0.2
LIBRARY = f"scikit-learn {sklearn.__version__}"


@dataclass(frozen=True)
class Predictions:
    p_late: np.ndarray  # n
    classes: np.ndarray  # n x 3: on time, 1-30, over 30 days late
    days_to_pay: np.ndarray  # n, from the issue date


@dataclass(frozen=True)
class Priors:
    """The training set's shares, for customers with no history."""

    late: float
    over_30: float
    days_late: float  # mean days late, negative: early

    @classmethod
    def of(cls, table: FeatureTable | None) -> Priors:
        if table is None or not len(table):
            return cls(DEFAULT_LATE_SHARE, DEFAULT_LATE_SHARE / 3, 5.0)
        late = table.days_late[~np.isnan(table.days_late)]
        if not len(late):
            return cls(DEFAULT_LATE_SHARE, DEFAULT_LATE_SHARE / 3, 5.0)
        return cls(float(np.mean(late > 0)), float(np.mean(late > 30)), float(np.mean(late)))


def _column(x: np.ndarray, name: str) -> np.ndarray:
    return x[:, INDEX[name]]


def history_baseline(x: np.ndarray, priors: Priors) -> Predictions:
    """The customer's own past: P(late) is its past late share (shrunk towards the
    portfolio's by one invoice), the class shares likewise, days to pay are the terms
    plus its mean days late."""
    count = np.nan_to_num(_column(x, "hist_invoices"))
    share = _column(x, "hist_late_share")
    p_late = np.array([baseline_late(int(n), None if np.isnan(s) else float(s), priors.late)
                       for n, s in zip(count, share, strict=True)])
    over = _column(x, "hist_over_30_share")
    over_30 = np.where(count > 0, (np.nan_to_num(over) * count + priors.over_30) / (count + 1),
                       priors.over_30)
    over_30 = np.minimum(over_30, p_late)
    classes = np.column_stack([1 - p_late, p_late - over_30, over_30])
    mean = _column(x, "hist_mean_days_late")
    days = _column(x, "terms_days") + np.where(np.isnan(mean), priors.days_late, mean)
    return Predictions(p_late, classes, np.maximum(days, 0))


def last_time_baseline(x: np.ndarray, priors: Priors) -> Predictions:
    """"Everyone pays like last time": late if the last paid invoice was late, in its
    class, after the same days late (no history: the portfolio's shares)."""
    last = _column(x, "last_days_late")
    known = ~np.isnan(last)
    p_late = np.where(known, (np.nan_to_num(last) > 0).astype(float), priors.late)
    classes = np.zeros((len(x), 3))
    cls = np.where(last > 30, 2, np.where(last > 0, 1, 0))
    classes[np.arange(len(x)), cls] = 1.0
    classes[~known] = [1 - priors.late, priors.late - priors.over_30, priors.over_30]
    days = _column(x, "terms_days") + np.where(known, np.nan_to_num(last), priors.days_late)
    return Predictions(p_late, classes, np.maximum(days, 0))


def _classifier(rows: int) -> HistGradientBoostingClassifier:
    # shallow, regularised trees: the IBM sample has 2k invoices, a large ledger millions;
    # leaves of at least 1/200 of the rows keep the small case from memorising customers
    return HistGradientBoostingClassifier(
        max_iter=200, learning_rate=0.05, max_depth=3, min_samples_leaf=max(20, rows // 200),
        l2_regularization=1.0, random_state=0)


class _Calibrated:
    """A classifier's probabilities mapped through isotonic regression fitted on a later
    slice, one class at a time, then normalised to sum to one. A class the trees never saw
    (no invoice over 30 days late in the earlier slice, say) keeps the share the later
    slice shows."""

    def __init__(self, trees: HistGradientBoostingClassifier, classes: int,
                 x: np.ndarray, y: np.ndarray) -> None:
        self.trees = trees
        self.classes = classes
        raw = self._raw(x)
        self.maps = [IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip")
                     .fit(raw[:, k], (y == k).astype(float)) for k in range(classes)]

    def _raw(self, x: np.ndarray) -> np.ndarray:
        raw = np.zeros((len(x), self.classes))
        found = self.trees.predict_proba(x)
        for column, label in enumerate(self.trees.classes_):
            raw[:, int(label)] = found[:, column]
        return raw

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        raw = self._raw(x)
        out = np.column_stack([m.predict(raw[:, k]) for k, m in enumerate(self.maps)])
        total = out.sum(axis=1, keepdims=True)
        even = np.full_like(out, 1.0 / self.classes)
        return np.where(total > 0, out / np.where(total > 0, total, 1.0), even)


class PaymentModel:
    """The three fitted models with what they need to predict and explain."""

    def __init__(self, train: FeatureTable) -> None:
        with threadpool_limits(THREADS):
            self._fit(train)

    def _fit(self, train: FeatureTable) -> None:
        labelled = ~np.isnan(train.days_late)
        if int(labelled.sum()) < MIN_ROWS:
            raise UserError(lazy_gettext("not enough paid invoices to learn from: %(count)s (at "
                                         "least %(least)s); the hub keeps predicting from each"
                                         " customer's history",
                                         count=int(labelled.sum()), least=MIN_ROWS))
        table = train.subset(labelled)
        order = np.argsort(np.array([d.toordinal() for d in table.issue_dates]), kind="stable")
        x, late = table.x[order], table.days_late[order]
        split = int(len(x) * (1 - CALIBRATION_SHARE))
        fit, calibrate = slice(0, split), slice(split, None)
        y_late = (late > 0).astype(int)
        y_class = np.where(late > 30, 2, np.where(late > 0, 1, 0))
        if len(set(y_late[fit])) < 2 or len(set(y_late[calibrate])) < 2:
            raise UserError(lazy_gettext("every paid invoice was on time, or every one late: "
                                         "there is nothing to learn yet; the hub keeps using each"
                                         " customer's history"))
        self.feature_names = FEATURE_NAMES
        self.priors = Priors.of(table)
        self.rows = len(x)
        # a feature the ledger never filled (no messages sent yet, say) teaches nothing,
        # and the trees cannot bin an empty column: it is held at 0 in fit and predict
        self.ignored = np.all(np.isnan(x), axis=0)
        x = self._prepare(x)
        self.medians = np.nan_to_num(np.nanmedian(x, axis=0))
        self.late = _Calibrated(_classifier(split).fit(x[fit], y_late[fit]), 2,
                                x[calibrate], y_late[calibrate])
        self.late_class = _Calibrated(_classifier(split).fit(x[fit], y_class[fit]), 3,
                                      x[calibrate], y_class[calibrate])
        self.days = HistGradientBoostingRegressor(
            max_iter=200, learning_rate=0.05, max_depth=3, min_samples_leaf=max(20, split // 200),
            l2_regularization=1.0, random_state=0).fit(x, table.days_to_pay[order])

    def _prepare(self, x: np.ndarray) -> np.ndarray:
        if not self.ignored.any():
            return x
        x = x.copy()
        x[:, self.ignored] = 0.0
        return x

    def predict(self, x: np.ndarray) -> Predictions:
        if not len(x):
            return Predictions(np.zeros(0), np.zeros((0, 3)), np.zeros(0))
        with threadpool_limits(THREADS):
            return self._predict(self._prepare(x))

    def _predict(self, x: np.ndarray) -> Predictions:
        p_late = self.late.probabilities(x)[:, 1]
        classes = self.late_class.probabilities(x)
        return Predictions(p_late, classes, np.maximum(self.days.predict(x), 0))

    def effects(self, row: np.ndarray) -> list[tuple[str, float, float]]:
        """Why: for each feature, how much P(late) moves when its value is replaced by the
        training median (a local what-if, not a SHAP value); biggest first."""
        base = float(self.predict(row[None, :]).p_late[0])
        variants = np.repeat(row[None, :], len(row), axis=0)
        variants[np.arange(len(row)), np.arange(len(row))] = self.medians
        moved = self.predict(variants).p_late
        found = [(name, float(row[k]), base - float(moved[k]))
                 for k, name in enumerate(self.feature_names)]
        return sorted(found, key=lambda item: -abs(item[2]))

    def dumps(self) -> bytes:
        buffer = io.BytesIO()
        joblib.dump(self, buffer, compress=3)
        return buffer.getvalue()

    @staticmethod
    def loads(data: bytes) -> PaymentModel:
        # the bytes come from the hub's own database (model_versions), written by dumps()
        found: Any = joblib.load(io.BytesIO(data))
        if not isinstance(found, PaymentModel) or found.feature_names != FEATURE_NAMES:
            raise UserError(lazy_gettext("the stored model was trained on other features; train "
                                         "again (`python app.py model train`)"))
        return found


def labelled_before(table: FeatureTable, day: date) -> np.ndarray:
    """The points whose outcome was known before `day`: paid in full before it."""
    return np.array([s is not None and s < day for s in table.settled_on], dtype=bool)
