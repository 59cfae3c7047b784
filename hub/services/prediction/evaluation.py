"""Honest evaluation: a time split (learn from invoices issued and paid before a cut
date, test on the invoices issued from it), never a random one; AUC, Brier score and
accuracy with bootstrap intervals, beside the two baselines; and a plain verdict.

The model is used only when it beats both baselines: the 95% interval of its AUC gain
over each (paired bootstrap, the same resampled invoices for all three) lies above zero.
Otherwise the hub predicts from each customer's history.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from sklearn.metrics import brier_score_loss
from sklearn.metrics import roc_auc_score

from hub.domain.errors import UserError
from hub.i18n import lazy_gettext
from hub.services.prediction.features import FeatureTable
from hub.services.prediction.models import PaymentModel
from hub.services.prediction.models import Predictions
from hub.services.prediction.models import history_baseline
from hub.services.prediction.models import labelled_before
from hub.services.prediction.models import last_time_baseline

ROUNDS = 200
NAMES = ("model", "history", "last_time")
LABELS = {"model": "model", "history": "baseline: own past late share",
          "last_time": "baseline: pays like last time"}


@dataclass(frozen=True)
class Interval:
    value: float
    low: float
    high: float

    def shown(self, digits: int = 3) -> str:
        return f"{self.value:.{digits}f} [{self.low:.{digits}f}, {self.high:.{digits}f}]"


@dataclass(frozen=True)
class Scores:
    auc: Interval  # P(late) ranks late invoices above on-time ones
    brier: Interval  # mean squared error of P(late): lower is better
    accuracy: Interval  # late or not, at P(late) = 0.5
    class_accuracy: Interval  # on time / 1-30 / over 30, the most likely class
    days_mae: Interval  # mean absolute error of the days to pay


@dataclass(frozen=True)
class Evaluation:
    cut: date
    train_rows: int
    test_rows: int
    train_from: date
    test_to: date
    test_late_share: float
    scores: dict[str, Scores]
    gain_over_history: Interval  # AUC(model) - AUC(baseline)
    gain_over_last_time: Interval
    beats_baselines: bool

    @property
    def verdict(self) -> str:
        if self.beats_baselines:
            return ("the model beats both baselines (the AUC gain's 95% interval is above "
                    "zero): the hub uses it")
        return ("the model does NOT beat the baselines (an AUC gain's 95% interval reaches "
                "zero or below): the hub falls back to each customer's own history")

    def metrics(self) -> dict[str, Any]:
        """For model_versions.metrics (JSON)."""
        found = asdict(self)
        for key in ("cut", "train_from", "test_to"):
            found[key] = found[key].isoformat()
        found["verdict"] = self.verdict
        return found

    def lines(self) -> list[str]:
        lines = [f"time split at {self.cut}: learnt from {self.train_rows} invoices issued "
                 f"{self.train_from} .. {self.cut} (paid before it), tested on "
                 f"{self.test_rows} issued {self.cut} .. {self.test_to} "
                 f"({self.test_late_share:.0%} paid late)",
                 f"{'':32}{'AUC':>22}{'Brier':>22}{'accuracy':>22}"
                 f"{'class accuracy':>22}{'days MAE':>26}"]
        for name in NAMES:
            s = self.scores[name]
            lines.append(f"{LABELS[name]:32}{s.auc.shown():>22}{s.brier.shown():>22}"
                         f"{s.accuracy.shown():>22}{s.class_accuracy.shown():>22}"
                         f"{s.days_mae.shown(1):>26}")
        lines += [f"AUC gain over own past late share: {self.gain_over_history.shown()}",
                  f"AUC gain over pays like last time: {self.gain_over_last_time.shown()}",
                  f"verdict: {self.verdict}"]
        return lines


def default_cut(table: FeatureTable, share: float = 0.7) -> date:
    """The issue date that leaves about 70% of the paid invoices before it."""
    issued = sorted(d for d, s in zip(table.issue_dates, table.settled_on, strict=True)
                    if s is not None)
    if not issued:
        raise UserError(lazy_gettext("there is no paid invoice in the ledger: nothing to evaluate"
                                     " on"))
    return issued[min(len(issued) - 1, int(len(issued) * share))]


def evaluate(table: FeatureTable, cut: date, *, rounds: int = ROUNDS,
             seed: int = 0) -> Evaluation:
    """Learn before `cut`, test on the invoices issued from `cut` that were paid since."""
    issued = np.array([d.toordinal() for d in table.issue_dates])
    train = table.subset((issued < cut.toordinal()) & labelled_before(table, cut))
    test = table.subset((issued >= cut.toordinal()) & ~np.isnan(table.days_late))
    if len(test) < 30:
        raise UserError(lazy_gettext("only %(count)s paid invoices were issued on or after "
                                     "%(cut)s: choose an earlier --cut", count=len(test), cut=cut))
    model = PaymentModel(train)
    priors = model.priors
    predicted = {"model": model.predict(test.x), "history": history_baseline(test.x, priors),
                 "last_time": last_time_baseline(test.x, priors)}
    late = (test.days_late > 0).astype(int)
    if len(set(late)) < 2:
        raise UserError(lazy_gettext("the invoices issued from %(cut)s were all on time or all "
                                     "late: the AUC is undefined; choose another --cut", cut=cut))
    classes = np.where(test.days_late > 30, 2, np.where(test.days_late > 0, 1, 0))
    truth = _Truth(late, classes, test.days_to_pay)
    samples = _resamples(late, rounds, seed)
    scores = {name: _scores(predicted[name], truth, samples) for name in NAMES}
    gain_history = _paired_gain(predicted["model"], predicted["history"], late, samples)
    gain_last = _paired_gain(predicted["model"], predicted["last_time"], late, samples)
    return Evaluation(
        cut=cut, train_rows=len(train), test_rows=len(test),
        train_from=min(train.issue_dates), test_to=max(test.issue_dates),
        test_late_share=float(late.mean()), scores=scores, gain_over_history=gain_history,
        gain_over_last_time=gain_last,
        beats_baselines=gain_history.low > 0 and gain_last.low > 0)


@dataclass(frozen=True)
class _Truth:
    late: np.ndarray
    classes: np.ndarray
    days: np.ndarray


def _resamples(late: np.ndarray, rounds: int, seed: int) -> list[np.ndarray]:
    """Bootstrap index sets that hold both outcomes (an AUC needs both)."""
    rng = np.random.default_rng(seed)
    found: list[np.ndarray] = []
    while len(found) < rounds:
        pick = rng.integers(0, len(late), len(late))
        if 0 < late[pick].sum() < len(pick):
            found.append(pick)
    return found


def _interval(metric: Callable[[np.ndarray], float], n: int,
              samples: list[np.ndarray]) -> Interval:
    values = np.array([metric(pick) for pick in samples])
    return Interval(float(metric(np.arange(n))), float(np.percentile(values, 2.5)),
                    float(np.percentile(values, 97.5)))


def _scores(p: Predictions, truth: _Truth, samples: list[np.ndarray]) -> Scores:
    n = len(truth.late)
    chosen = p.classes.argmax(axis=1)
    return Scores(
        auc=_interval(lambda k: float(roc_auc_score(truth.late[k], p.p_late[k])), n, samples),
        brier=_interval(lambda k: float(brier_score_loss(truth.late[k], p.p_late[k])), n,
                        samples),
        accuracy=_interval(lambda k: float(np.mean((p.p_late[k] >= 0.5) == truth.late[k])),
                           n, samples),
        class_accuracy=_interval(lambda k: float(np.mean(chosen[k] == truth.classes[k])), n,
                                 samples),
        days_mae=_interval(lambda k: float(np.mean(np.abs(p.days_to_pay[k] - truth.days[k]))),
                           n, samples))


def _paired_gain(model: Predictions, baseline: Predictions, late: np.ndarray,
                 samples: list[np.ndarray]) -> Interval:
    def gain(k: np.ndarray) -> float:
        return float(roc_auc_score(late[k], model.p_late[k])
                     - roc_auc_score(late[k], baseline.p_late[k]))
    return _interval(gain, len(late), samples)
