"""The CI gate: floors, digests, bars and --update semantics on synthetic corpora, then the real corpora.

The last test runs the gate on the shared real-world corpus and the fixture corpus with the project's
detectors, so CI fails when a rule change lowers any pinned F1 or misses the issue's bars.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from detectors.model import INDICATORS, IndicatorResult, Page, PageResult
from evaluation import gate
from evaluation.gate import GateCorpus, GateError, raised_floors, regressions, run_gate

HEADER = "file,language," + ",".join(INDICATORS)


def fake_page(url: str, body: bytes) -> Page:
    return Page(url=url, html=body.decode("utf-8"))


def detector(blind: frozenset[str] = frozenset()):
    """Present for each indicator named `fires:<id>` in the page, except those it is blind to."""

    def detect(page: Page) -> PageResult:
        if "boom" in page.html:
            raise ValueError("crash")
        fired = set(re.findall(r"fires:(\w+)", page.html)) - blind
        return PageResult(page.url, None, {i: IndicatorResult(i, i in fired, 1.0 if i in fired else 0.0)
                                           for i in INDICATORS})

    return detect


PERFECT = detector()


def make_corpus(root: Path, n_per_indicator: int = 2) -> Path:
    """Two positives per indicator that the perfect detector finds, plus two pages with nothing."""
    (root / "pages").mkdir(parents=True, exist_ok=True)
    rows = []
    for indicator in INDICATORS:
        for k in range(n_per_indicator):
            name = f"{indicator}-{k}.html"
            (root / "pages" / name).write_text(f"<p>fires:{indicator}</p>", encoding="utf-8")
            rows.append(f"{name},en," + ",".join("1" if i == indicator else "0" for i in INDICATORS))
    for k in range(2):
        (root / "pages" / f"empty-{k}.html").write_text("<p>nothing</p>", encoding="utf-8")
        rows.append(f"empty-{k}.html,en," + ",".join("0" for _ in INDICATORS))
    (root / "manifest.csv").write_text(HEADER + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return root


@pytest.fixture
def setup(tmp_path):
    shared = make_corpus(tmp_path / "shared")
    fixtures = make_corpus(tmp_path / "fixtures")
    corpora = (GateCorpus("shared", shared, bars=True, may_be_missing=True), GateCorpus("fixtures", fixtures))
    return corpora, tmp_path / "baseline.json"


def gate_run(corpora, baseline, detect=PERFECT, **kwargs):
    lines: list[str] = []

    class Out:
        def write(self, text: str) -> None:
            lines.append(text)

    code = run_gate(corpora, baseline, detect=detect, make_page=fake_page, out=Out(), **kwargs)  # type: ignore[arg-type]
    return code, "".join(lines)


def test_without_baseline_the_gate_asks_for_a_pin(setup):
    corpora, baseline = setup
    code, out = gate_run(corpora, baseline)
    assert code == 1 and "no floors pinned" in out and not baseline.exists()


def test_update_pins_then_the_gate_passes(setup):
    corpora, baseline = setup
    code, out = gate_run(corpora, baseline, update=True)
    assert code == 0, out
    data = json.loads(baseline.read_text(encoding="utf-8"))
    assert set(data["corpora"]) == {"shared", "fixtures"}
    assert data["corpora"]["shared"]["floors"] == {**dict.fromkeys(INDICATORS, 1.0), "macro_f1": 1.0}
    assert len(data["corpora"]["shared"]["digest"]) == 64 and data["corpora"]["shared"]["pages"] == 20
    code, out = gate_run(corpora, baseline)
    assert code == 0 and "gate: passed" in out


def test_a_regression_fails_and_update_refuses_to_lower_it(setup):
    corpora, baseline = setup
    gate_run(corpora, baseline, update=True)
    pinned = baseline.read_bytes()
    worse = detector(frozenset({"privacy_policy"}))
    code, out = gate_run(corpora, baseline, detect=worse)
    assert code == 1
    assert "FAIL fixtures: privacy_policy F1 0.0000 < floor 1.0000" in out
    assert "FAIL fixtures: macro_f1 F1 0.8889 < floor 1.0000" in out
    code, out = gate_run(corpora, baseline, detect=worse, update=True)
    assert code == 1 and "REFUSED" in out and "baseline NOT written" in out
    assert baseline.read_bytes() == pinned
    code, out = gate_run(corpora, baseline, detect=worse, update=True, allow_regression=True)
    data = json.loads(baseline.read_text(encoding="utf-8"))
    assert data["corpora"]["fixtures"]["floors"]["privacy_policy"] == 0.0
    assert data["corpora"]["fixtures"]["floors"]["macro_f1"] == 0.8888  # truncated, never rounded up
    # the floors were lowered, but the shared corpus now misses the macro-F1 bar (0.8889 < 0.90)
    assert code == 1 and "baseline written" in out
    assert [line for line in out.splitlines() if line.startswith("FAIL")] == [
        "FAIL shared: macro-F1 0.8889 < bar 0.90"
    ]


def test_bars_apply_to_the_shared_corpus_even_with_low_floors(setup):
    corpora, baseline = setup
    blind = detector(frozenset({"mobile_app"}))
    code, out = gate_run(corpora, baseline, detect=blind, update=True)
    assert baseline.exists()  # floors are pinned, but the bar still fails the run
    assert code == 1
    assert "FAIL shared: mobile_app F1 0.0000 < bar 0.85" in out
    assert "FAIL shared: macro-F1 0.8889 < bar 0.90" in out
    assert "FAIL fixtures" not in out


def test_a_changed_corpus_stops_with_a_repin_request(setup):
    corpora, baseline = setup
    gate_run(corpora, baseline, update=True)
    page = corpora[1].path / "pages" / "empty-0.html"
    page.write_text("<p>nothing at all</p>", encoding="utf-8")
    code, out = gate_run(corpora, baseline)
    assert code == 1 and "fixtures: the corpus changed since the baseline was pinned" in out
    assert "python -m evaluation.gate --update" in out
    code, _ = gate_run(corpora, baseline, update=True)
    assert code == 0
    assert gate_run(corpora, baseline)[0] == 0


def test_missing_shared_corpus_fails_unless_skipped(setup, tmp_path):
    corpora, baseline = setup
    gate_run(corpora, baseline, update=True)
    gone = (GateCorpus("shared", tmp_path / "nowhere", bars=True, may_be_missing=True), corpora[1])
    code, out = gate_run(gone, baseline)
    assert code == 1 and "shared: corpus not found at" in out and "--skip-missing" in out
    code, out = gate_run(gone, baseline, skip_missing=True)
    assert code == 0 and "skipped" in out
    # the repository's own corpus may never be missing
    code, out = gate_run((corpora[0], GateCorpus("fixtures", tmp_path / "nowhere")), baseline, skip_missing=True)
    assert code == 1


def test_a_crash_fails_the_gate(setup):
    corpora, baseline = setup
    gate_run(corpora, baseline, update=True)
    (corpora[1].path / "pages" / "empty-1.html").write_text("<p>boom</p>", encoding="utf-8")
    gate_run(corpora, baseline, update=True)
    code, out = gate_run(corpora, baseline)
    assert code == 1 and "detectors crashed on empty-1.html: ValueError: crash" in out


def test_malformed_corpus_and_baseline(setup):
    corpora, baseline = setup
    (corpora[1].path / "pages" / "empty-1.html").unlink()
    code, out = gate_run(corpora, baseline)
    assert code == 2 and "file 'empty-1.html' does not exist" in out
    baseline.write_text("{not json", encoding="utf-8")
    with pytest.raises(GateError, match="unreadable"):
        gate.read_baseline(baseline)
    baseline.write_text(json.dumps({"corpora": {"x": {"digest": "d", "floors": {"bogus": 1}}}}), encoding="utf-8")
    with pytest.raises(GateError, match="unknown metric 'bogus'"):
        gate.read_baseline(baseline)
    baseline.write_text(json.dumps({"corpora": {"x": {"digest": "d", "floors": {"macro_f1": 2}}}}), encoding="utf-8")
    with pytest.raises(GateError, match=r"not in 0\.\.1"):
        gate.read_baseline(baseline)
    assert gate.main(["--baseline", str(baseline)]) == 2


def test_failed_write_keeps_the_old_baseline(tmp_path, monkeypatch):
    path = tmp_path / "baseline.json"
    gate.write_baseline(path, {"corpora": {}})
    before = path.read_bytes()

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(gate.os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        gate.write_baseline(path, {"corpora": {"x": 1}})
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["baseline.json"]


def test_floor_arithmetic():
    floors = {"a": 0.5, "macro_f1": None}
    assert regressions({"mobile_app": 0.8}, {"mobile_app": 0.7996}) == []  # within epsilon
    assert regressions({"mobile_app": 0.8}, {"mobile_app": 0.79}) == ["mobile_app F1 0.7900 < floor 0.8000"]
    assert regressions({"mobile_app": 0.8}, {"mobile_app": None}) == []  # undefined: nothing to find, none found
    new, lowered = raised_floors({"mobile_app": 0.8, "open_data": 0.5}, {"mobile_app": 0.9, "open_data": 0.4},
                                 allow_regression=False)
    assert new["mobile_app"] == 0.9 and new["open_data"] == 0.5
    assert lowered == ["open_data F1 0.4000 < floor 0.5000"]
    new, lowered = raised_floors(floors, {"open_data": 0.123456}, allow_regression=True)
    assert new["open_data"] == 0.1234 and lowered == []


def test_real_corpora_meet_pinned_floors_and_bars():
    """The gate itself on ../shared/realworld and tests/corpus with the project's detectors."""
    lines: list[str] = []

    class Out:
        def write(self, text: str) -> None:
            lines.append(text)

    code = run_gate(out=Out())  # type: ignore[arg-type]
    assert code == 0, "".join(lines)


def test_update_of_one_corpus_keeps_the_other_pinned(setup):
    corpora, baseline = setup
    gate_run(corpora, baseline, update=True)
    before = json.loads(baseline.read_text(encoding="utf-8"))["corpora"]["shared"]
    (corpora[1].path / "pages" / "empty-0.html").write_text("<p>changed</p>", encoding="utf-8")
    code, _ = gate_run(corpora[1:], baseline, update=True)
    assert code == 0
    after = json.loads(baseline.read_text(encoding="utf-8"))["corpora"]
    assert after["shared"] == before
    assert gate_run(corpora, baseline)[0] == 0
