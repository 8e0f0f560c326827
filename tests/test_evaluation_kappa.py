"""Cohen's kappa and 95 % intervals of the one scorer, on hand-checked tables."""

from __future__ import annotations

import pytest

from evaluation.scoring import (
    AGREEMENT_METRICS,
    INTERVALS,
    Confusion,
    confusion_to_json,
    f1_interval,
    kappa,
    kappa_interval,
    rater_agreement,
    score,
    scorecard_to_json,
    wilson_interval,
)


def test_kappa_matches_the_hand_computation():
    c = Confusion(tp=5, fp=1, fn=2, tn=7)
    observed = 12 / 15
    expected = (8 * 9 + 7 * 6) / 15**2  # truth 0: 8, truth 1: 7; predicted 0: 9, predicted 1: 6
    assert kappa(c) == pytest.approx((observed - expected) / (1 - expected))
    low, high = kappa_interval(c)
    assert -1 <= low < kappa(c) < high <= 1


def test_kappa_edge_cases():
    assert kappa(Confusion()) is None
    assert kappa_interval(Confusion()) is None
    # Both sides constant and equal: chance agreement is 1, kappa undefined.
    assert kappa(Confusion(tn=9)) is None
    # Perfect agreement with both classes: kappa 1 and a point interval.
    assert kappa(Confusion(tp=3, tn=4)) == pytest.approx(1.0)
    assert kappa_interval(Confusion(tp=3, tn=4)) == pytest.approx((1.0, 1.0))
    # Systematic disagreement is negative.
    assert kappa(Confusion(fp=3, fn=4)) < 0


def test_wilson_interval_known_values():
    low, high = wilson_interval(3, 4)
    assert (low, high) == pytest.approx((0.3006, 0.9544), abs=1e-4)
    assert wilson_interval(0, 0) is None
    low, high = wilson_interval(0, 10)
    assert low == 0.0 and 0 < high < 0.35
    low, high = wilson_interval(10, 10)
    assert high == pytest.approx(1.0) and 0.65 < low < 1


def test_f1_interval_contains_f1_and_is_the_mapped_jaccard_interval():
    c = Confusion(tp=6, fp=2, fn=3, tn=20)
    low, high = f1_interval(c)
    assert low < c.f1 < high
    j_low, j_high = wilson_interval(6, 11)
    assert low == pytest.approx(2 * j_low / (1 + j_low))
    assert high == pytest.approx(2 * j_high / (1 + j_high))
    assert f1_interval(Confusion(tn=5)) is None


def test_validate_json_carries_kappa_and_intervals_but_the_default_json_does_not():
    c = Confusion(tp=1, fp=1, fn=1, tn=1)
    assert "kappa" not in confusion_to_json(c)
    out = confusion_to_json(c, 4, metrics=AGREEMENT_METRICS, intervals=INTERVALS)
    assert out["kappa"] == 0.0
    assert set(out) >= {"precision_ci", "recall_ci", "f1_ci", "kappa_ci"}
    assert out["precision_ci"] == [round(x, 4) for x in wilson_interval(1, 2)]
    card = scorecard_to_json(score([("a", True, False)], ["a", "b"]), metrics=AGREEMENT_METRICS, intervals=INTERVALS)
    assert card["indicators"]["b"]["kappa"] is None
    assert card["indicators"]["b"]["kappa_ci"] is None


def test_rater_agreement():
    result = rater_agreement([(True, True), (False, False), (True, False), (False, False)])
    assert result["n"] == 4 and result["agree"] == 3 and result["disagree"] == 1
    assert result["observed_agreement"] == 0.75
    assert result["kappa"] == pytest.approx(0.5)
    assert rater_agreement([])["kappa"] is None


def test_no_interval_without_a_standard_error():
    # One disagreeing item: kappa 0, but a zero-width interval would claim certainty.
    assert kappa(Confusion(fp=1)) == 0.0
    assert kappa_interval(Confusion(fp=1)) is None
