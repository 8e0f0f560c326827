"""Data-driven detector cases (tests/detector_cases/*.yaml): expected presence and rules, and rule coverage."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from detectors import Page, default_rules, detect

CASES_DIR = Path(__file__).with_name("detector_cases")
CASES = [case for path in sorted(CASES_DIR.glob("*.yaml")) for case in yaml.safe_load(path.read_text("utf-8"))]


def run_case(case: dict):
    html = case["html"]
    if not html.lstrip().lower().startswith("<html"):
        html = f"<html lang='en'><head><title>Page</title></head><body>{html}</body></html>"
    return detect(Page(url=case.get("url", "https://www.city.example/page"), html=html))


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_case(case: dict) -> None:
    result = run_case(case)
    for indicator, expected in case["expect"].items():
        assert result.indicators[indicator].present is expected, (indicator, result.indicators[indicator])
    fired = {e.rule for r in result.indicators.values() for e in r.evidence}
    missing = set(case["rules"]) - fired
    assert not missing, f"rules that did not fire: {sorted(missing)}"


def test_every_positive_rule_fires_in_some_case() -> None:
    fired: set[str] = set()
    for case in CASES:
        result = run_case(case)
        fired |= {e.rule for r in result.indicators.values() for e in r.evidence}
    positive = {rule.id for ir in default_rules().indicators.values() for rule in ir.rules if rule.weight > 0}
    assert not positive - fired, f"rules without a case: {sorted(positive - fired)}"
