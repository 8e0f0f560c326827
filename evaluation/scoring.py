"""The one scoring module: confusion counts, precision/recall/F1 and macro-F1 per indicator.

Every consumer that compares predictions with labels (the corpus evaluation, the CI gate,
`portal-evidence validate`) calls these functions, so the numbers cannot drift apart.
Everything here is a pure function over plain (truth, predicted) boolean pairs.

Conventions (chosen to agree with common independent scorers, e.g. scikit-learn):

- precision = TP / (TP + FP), None when nothing was predicted positive;
- recall    = TP / (TP + FN), None when nothing is truly positive;
- F1        = 2 TP / (2 TP + FP + FN), None only when TP + FP + FN == 0, i.e. there are neither
  true nor predicted positives. With true positives but no predicted ones, F1 is 0 (not None):
  a detector that never fires must score 0 where there was something to find;
- macro-F1  = the unweighted mean of the F1 of those indicators whose F1 is defined, None if no
  indicator's F1 is defined. An indicator without any positive, true or predicted, carries no
  information about the detector's ability to find it, and counting it as 0 or as 1 would move the
  mean by an amount that depends only on the corpus. The number of indicators that entered the mean
  is reported beside it (`macro_f1_over`).

Further metrics plug in through `METRICS`: a name mapped to a function of `Confusion`;
`scorecard_to_json` emits every registered metric for every indicator. Cohen's kappa and 95 %
confidence intervals (issue 5, from statsmodels) are in `AGREEMENT_METRICS` and `INTERVALS`,
which `validate` passes to `scorecard_to_json`; `rater_agreement` measures two assessors.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Confusion:
    """Confusion counts of one binary indicator."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    def __post_init__(self) -> None:
        for name in ("tp", "fp", "fn", "tn"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ValueError(f"confusion count {name} must be a non-negative int, got {value!r}")

    @property
    def n(self) -> int:
        return self.tp + self.fp + self.fn + self.tn

    @property
    def precision(self) -> float | None:
        return _ratio(self.tp, self.tp + self.fp)

    @property
    def recall(self) -> float | None:
        return _ratio(self.tp, self.tp + self.fn)

    @property
    def f1(self) -> float | None:
        return _ratio(2 * self.tp, 2 * self.tp + self.fp + self.fn)

    def __add__(self, other: Confusion) -> Confusion:
        return Confusion(self.tp + other.tp, self.fp + other.fp, self.fn + other.fn, self.tn + other.tn)


def _ratio(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def confusion(pairs: Iterable[tuple[bool, bool]]) -> Confusion:
    """Count (truth, predicted) pairs into a `Confusion`."""
    tp = fp = fn = tn = 0
    for truth, predicted in pairs:
        if truth and predicted:
            tp += 1
        elif predicted:
            fp += 1
        elif truth:
            fn += 1
        else:
            tn += 1
    return Confusion(tp, fp, fn, tn)


@dataclass(frozen=True)
class Scorecard:
    """Confusion counts of every indicator, in a fixed order, and the macro-F1 over them."""

    indicators: Mapping[str, Confusion]

    @property
    def macro_f1(self) -> float | None:
        return macro_f1(self.indicators)

    @property
    def macro_f1_over(self) -> tuple[str, ...]:
        """The indicators whose F1 is defined and therefore enter the macro-F1."""
        return tuple(i for i, c in self.indicators.items() if c.f1 is not None)

    def f1(self, indicator: str) -> float | None:
        return self.indicators[indicator].f1


def macro_f1(indicators: Mapping[str, Confusion]) -> float | None:
    """Mean F1 over the indicators whose F1 is defined (see the module docstring)."""
    values = [c.f1 for c in indicators.values() if c.f1 is not None]
    return sum(values) / len(values) if values else None


def score(
    records: Iterable[tuple[str, bool, bool]], indicators: Iterable[str] | None = None
) -> Scorecard:
    """Scorecard from (indicator, truth, predicted) records.

    `indicators` fixes which indicators appear and in what order (those without records get
    all-zero counts); a record for an indicator outside that list is an error, since it
    would silently be dropped from the macro-F1 otherwise. Without it, the indicators appear
    in the order first seen.
    """
    order = list(indicators) if indicators is not None else None
    pairs: dict[str, list[tuple[bool, bool]]] = {i: [] for i in order} if order is not None else {}
    for indicator, truth, predicted in records:
        if indicator not in pairs:
            if order is not None:
                raise ValueError(f"record for unknown indicator {indicator!r}")
            pairs[indicator] = []
        pairs[indicator].append((bool(truth), bool(predicted)))
    return Scorecard({i: confusion(p) for i, p in pairs.items()})


def score_pages(
    truths: Iterable[Mapping[str, bool]], predictions: Iterable[Mapping[str, bool]], indicators: Iterable[str]
) -> Scorecard:
    """Scorecard from parallel sequences of per-page label maps (truth and prediction).

    A prediction map that lacks an indicator counts as predicted 0 (as `validate` treats a
    decision without a candidate).
    """
    order = tuple(indicators)
    records: list[tuple[str, bool, bool]] = []
    truths, predictions = list(truths), list(predictions)
    if len(truths) != len(predictions):
        raise ValueError(f"{len(truths)} truth rows but {len(predictions)} prediction rows")
    for truth, predicted in zip(truths, predictions, strict=True):
        for indicator in order:
            records.append((indicator, bool(truth[indicator]), bool(predicted.get(indicator, False))))
    return score(records, order)


# Metrics emitted per indicator by `scorecard_to_json`. Issue 5 adds e.g. "kappa" here.
METRICS: dict[str, Callable[[Confusion], float | None]] = {
    "precision": lambda c: c.precision,
    "recall": lambda c: c.recall,
    "f1": lambda c: c.f1,
}


# -- Agreement and confidence intervals (issue 5) ----------------------------------------------------
#
# Computed with statsmodels (imported lazily: it pulls in SciPy and pandas, which the corpus
# evaluation does not need). Conventions:
# - Cohen's kappa of (truth, predicted) from the 2x2 table; None when undefined, i.e. no pairs or
#   chance agreement of 1 (both sides constant and equal), where statsmodels gives NaN.
#   Its 95 % interval is statsmodels' asymptotic one (kappa +- 1.96 * ASE), clipped to [-1, 1].
# - precision and recall are binomial proportions: Wilson score intervals (good at small n and
#   at 0 or 1, unlike the normal approximation).
# - F1 = 2J / (1 + J) where J = TP / (TP + FP + FN) is the Jaccard index, itself a binomial
#   proportion over the pairs where truth or prediction is positive. The Wilson interval of J
#   mapped through that increasing function is the interval of F1.

CONFIDENCE_LEVEL = 0.95


def kappa(c: Confusion) -> float | None:
    """Cohen's kappa of truth against prediction, None where undefined."""
    result = _kappa_result(c)
    return None if result is None else result[0]


def kappa_interval(c: Confusion) -> tuple[float, float] | None:
    result = _kappa_result(c)
    if result is None or result[1] != result[1]:  # NaN: no interval
        return None
    return result[1], result[2]


def _kappa_result(c: Confusion) -> tuple[float, float, float] | None:
    if c.n == 0:
        return None
    import math
    import warnings

    from statsmodels.stats.inter_rater import cohens_kappa

    with warnings.catch_warnings():
        # A constant table divides 0 by 0 inside statsmodels: that is our "undefined".
        warnings.simplefilter("ignore", RuntimeWarning)
        # KappaResults.kappa_low/kappa_upp are its 95 % (alpha 0.05) interval, our CONFIDENCE_LEVEL.
        result = cohens_kappa([[c.tn, c.fp], [c.fn, c.tp]])
    value = float(result.kappa)
    if math.isnan(value):
        return None
    low, high = float(result.kappa_low), float(result.kappa_upp)
    if math.isnan(low) or math.isnan(high) or not float(result.std_kappa) > 0:
        # No standard error: a perfect table (kappa 1, the interval is the point) or a degenerate
        # one (e.g. a single item) where no interval can be given.
        return (value, value, value) if value == 1.0 else (value, math.nan, math.nan)
    return value, max(-1.0, low), min(1.0, high)


def wilson_interval(count: int, total: int) -> tuple[float, float] | None:
    """Wilson score interval of the proportion count/total; None when total is 0."""
    if total <= 0:
        return None
    from statsmodels.stats.proportion import proportion_confint

    low, high = proportion_confint(count, total, alpha=1 - CONFIDENCE_LEVEL, method="wilson")
    return max(0.0, float(low)), min(1.0, float(high))


def f1_interval(c: Confusion) -> tuple[float, float] | None:
    jaccard = wilson_interval(c.tp, c.tp + c.fp + c.fn)
    if jaccard is None:
        return None
    low, high = jaccard
    return 2 * low / (1 + low), 2 * high / (1 + high)


# The metrics of `validate` (the contract's "kappa" beside precision/recall/F1). Kept apart from
# METRICS so that the corpus evaluation's JSON, pinned by its tests, keeps its keys.
AGREEMENT_METRICS: dict[str, Callable[[Confusion], float | None]] = {**METRICS, "kappa": kappa}

# 95 % intervals per metric, emitted as "<metric>_ci": [low, high] or null.
INTERVALS: dict[str, Callable[[Confusion], tuple[float, float] | None]] = {
    "precision": lambda c: wilson_interval(c.tp, c.tp + c.fp),
    "recall": lambda c: wilson_interval(c.tp, c.tp + c.fn),
    "f1": f1_interval,
    "kappa": kappa_interval,
}


def rater_agreement(pairs: Iterable[tuple[bool, bool]]) -> dict[str, Any]:
    """Agreement of two raters on binary items: n, both counts, observed agreement, kappa and its CI."""
    c = confusion(pairs)
    interval = kappa_interval(c)
    return {
        "n": c.n,
        "agree": c.tp + c.tn,
        "disagree": c.fp + c.fn,
        "observed_agreement": (c.tp + c.tn) / c.n if c.n else None,
        "kappa": kappa(c),
        "kappa_ci": list(interval) if interval else None,
    }


def confusion_to_json(
    c: Confusion,
    digits: int | None = None,
    *,
    metrics: Mapping[str, Callable[[Confusion], float | None]] | None = None,
    intervals: Mapping[str, Callable[[Confusion], tuple[float, float] | None]] | None = None,
) -> dict[str, Any]:
    """The contract's per-indicator JSON object (counts, then every registered metric).

    `metrics` defaults to METRICS; `intervals` (e.g. INTERVALS) adds "<name>_ci" keys.
    """
    out: dict[str, Any] = {"n": c.n, "tp": c.tp, "fp": c.fp, "fn": c.fn, "tn": c.tn}
    for name, metric in (METRICS if metrics is None else metrics).items():
        out[name] = _round(metric(c), digits)
    for name, interval in (intervals or {}).items():
        bounds = interval(c)
        out[f"{name}_ci"] = None if bounds is None else [_round(b, digits) for b in bounds]
    return out


def scorecard_to_json(
    card: Scorecard,
    digits: int | None = None,
    *,
    metrics: Mapping[str, Callable[[Confusion], float | None]] | None = None,
    intervals: Mapping[str, Callable[[Confusion], tuple[float, float] | None]] | None = None,
) -> dict[str, Any]:
    return {
        "indicators": {
            i: confusion_to_json(c, digits, metrics=metrics, intervals=intervals) for i, c in card.indicators.items()
        },
        "macro_f1": _round(card.macro_f1, digits),
        "macro_f1_over": list(card.macro_f1_over),
    }


def _round(value: float | None, digits: int | None) -> float | None:
    return value if value is None or digits is None else round(value, digits)
