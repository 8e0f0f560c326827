"""Best-first link scoring over the multilingual hints file."""

from __future__ import annotations

import pytest

from crawler.linkscore import load_hints, score_link


def test_hints_file_loads_and_covers_the_indicators() -> None:
    names = {g.name for g in load_hints()}
    assert {"contact_info", "privacy_policy", "accessibility_statement", "open_data",
            "e_participation", "mobile_app", "online_payment"} <= names


@pytest.mark.parametrize(
    ("url", "text", "group"),
    [
        ("http://h/x", "Déclaration d'accessibilité", "accessibility_statement"),
        ("http://h/erklaerung", "Erklärung zur Barrierefreiheit", "accessibility_statement"),
        ("http://h/datenschutzerklaerung", "", "privacy_policy"),
        ("http://h/open-data/", "", "open_data"),
        ("http://h/x", "Datos abiertos", "open_data"),
        ("http://h/x", "Открытые данные", "open_data"),
        ("http://h/x", "اتصل بنا", "contact_info"),
        ("http://h/x", "联系我们", "contact_info"),
        ("http://h/x", "Общественное обсуждение", "e_participation"),
        ("http://h/x", "Hubungi kami", "contact_info"),
        ("http://h/pay-online", "", "online_payment"),
        ("http://h/x", "Dados abertos", "open_data"),
    ],
)
def test_multilingual_hints(url: str, text: str, group: str) -> None:
    assert group in score_link(url, text).groups


def test_evidence_links_outrank_plain_links() -> None:
    plain = score_link("http://h/news/2024/road-works", "Road works on Main Street")
    assert plain.score == 0
    assert score_link("http://h/a11y", "Accessibility statement").score > plain.score
    # Short words match whole words only: "application" in a URL is not the word "app".
    assert "mobile_app" not in score_link("http://h/happy-birthday", "Happy birthday").groups
