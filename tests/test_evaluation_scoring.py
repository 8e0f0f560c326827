"""The one scorer: counts, precision/recall/F1 conventions and macro-F1 on tiny hand-checked data."""

from __future__ import annotations

import pytest

from evaluation.scoring import (
    METRICS,
    Confusion,
    confusion,
    confusion_to_json,
    macro_f1,
    score,
    score_pages,
    scorecard_to_json,
)


def test_confusion_counts_each_cell():
    pairs = [(True, True), (True, True), (False, True), (True, False), (False, False), (False, False)]
    c = confusion(pairs)
    assert (c.tp, c.fp, c.fn, c.tn, c.n) == (2, 1, 1, 2, 6)
    assert c.precision == pytest.approx(2 / 3)
    assert c.recall == pytest.approx(2 / 3)
    assert c.f1 == pytest.approx(2 / 3)


def test_f1_is_harmonic_mean_of_precision_and_recall():
    c = Confusion(tp=3, fp=1, fn=5, tn=11)
    p, r = 3 / 4, 3 / 8
    assert c.f1 == pytest.approx(2 * p * r / (p + r))


def test_undefined_metrics_are_none():
    # Nothing predicted positive: precision undefined, but with true positives F1 is 0, not None.
    never_fires = Confusion(tp=0, fp=0, fn=4, tn=6)
    assert never_fires.precision is None
    assert never_fires.recall == 0.0
    assert never_fires.f1 == 0.0
    # No true positives: recall undefined; a false alarm makes F1 0.
    false_alarm = Confusion(tp=0, fp=2, fn=0, tn=8)
    assert false_alarm.recall is None
    assert false_alarm.precision == 0.0
    assert false_alarm.f1 == 0.0
    # Neither true nor predicted positives: nothing to measure.
    nothing = Confusion(tn=10)
    assert (nothing.precision, nothing.recall, nothing.f1) == (None, None, None)
    assert Confusion().n == 0


def test_negative_or_non_int_counts_are_refused():
    with pytest.raises(ValueError, match="tp"):
        Confusion(tp=-1)
    with pytest.raises(ValueError, match="fn"):
        Confusion(fn=True)


def test_macro_f1_skips_undefined_indicators():
    cards = {"a": Confusion(tp=1, fp=0, fn=0, tn=1), "b": Confusion(tp=1, fp=1, fn=2, tn=0), "c": Confusion(tn=5)}
    # a: 1.0, b: 2/5 = 0.4, c: undefined -> mean of 1.0 and 0.4
    assert macro_f1(cards) == pytest.approx(0.7)
    assert macro_f1({"c": Confusion(tn=3)}) is None
    assert macro_f1({}) is None


def test_score_orders_and_validates_indicators():
    card = score([("b", True, True), ("a", False, True)], indicators=["a", "b", "z"])
    assert list(card.indicators) == ["a", "b", "z"]
    assert card.indicators["z"] == Confusion()
    assert card.macro_f1_over == ("a", "b")
    assert card.macro_f1 == pytest.approx(0.5)
    with pytest.raises(ValueError, match="unknown indicator 'q'"):
        score([("q", True, True)], indicators=["a"])


def test_score_pages_counts_missing_prediction_as_absent():
    truths = [{"x": True, "y": False}, {"x": False, "y": True}]
    predictions = [{"x": True}, {"y": True, "x": True}]
    card = score_pages(truths, predictions, ["x", "y"])
    assert card.indicators["x"] == Confusion(tp=1, fp=1, fn=0, tn=0)
    assert card.indicators["y"] == Confusion(tp=1, fp=0, fn=0, tn=1)
    with pytest.raises(ValueError, match="2 truth rows but 1 prediction"):
        score_pages(truths, predictions[:1], ["x"])


def test_json_shape_follows_the_contract_and_registered_metrics(monkeypatch):
    c = Confusion(tp=1, fp=1, fn=1, tn=1)
    assert confusion_to_json(c, digits=3) == {
        "n": 4, "tp": 1, "fp": 1, "fn": 1, "tn": 1, "precision": 0.5, "recall": 0.5, "f1": 0.5,
    }
    # A metric added later (issue 5: kappa) appears for every indicator without touching the callers.
    monkeypatch.setitem(METRICS, "accuracy", lambda c: (c.tp + c.tn) / c.n if c.n else None)
    data = scorecard_to_json(score([("a", True, True), ("a", False, False)], ["a", "b"]))
    assert data["indicators"]["a"]["accuracy"] == 1.0
    assert data["indicators"]["b"]["accuracy"] is None
    assert data["macro_f1"] == 1.0
    assert data["macro_f1_over"] == ["a"]
