"""Malformed, hostile and huge input never crashes or hangs the engine."""

from __future__ import annotations

import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from detectors import INDICATORS, Page, detect, page_from_bytes

TAGS = ["div", "a", "form", "input", "textarea", "footer", "header", "nav", "main", "script", "style", "table",
        "td", "p", "span", "meta", "base", "title", "h1", "select", "button", "iframe", "address", "svg"]
ATTRS = ["href", "src", "action", "role", "type", "name", "content", "class", "id", "lang", "charset", "rel"]

fragment = st.recursive(
    st.text(max_size=40),
    lambda children: st.builds(
        lambda tag, attr, value, inner, close: (
            f"<{tag} {attr}='{value}'>" + "".join(inner) + (f"</{tag}>" if close else "")
        ),
        st.sampled_from(TAGS), st.sampled_from(ATTRS), st.text(max_size=30), st.lists(children, max_size=4),
        st.booleans(),
    ),
    max_leaves=30,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(fragment, max_size=6), st.sampled_from(["https://www.x.example/a", "file:///tmp/p.html", "not a url"]))
def test_malformed_markup_always_gives_nine_results(parts: list[str], url: str) -> None:
    result = detect(Page(url=url, html="".join(parts)))
    assert list(result.to_json()["indicators"]) == list(INDICATORS)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_either_refused_or_detected(body: bytes) -> None:
    from detectors import InputError

    try:
        page = page_from_bytes("https://x.example/", body)
    except InputError:
        return
    assert len(detect(page).indicators) == len(INDICATORS)


def test_ten_thousand_deep_nesting_is_handled() -> None:
    html = "<html><body>" + "<div>" * 10_000 + "<a href='mailto:x@y.example'>x</a>" + "</div>" * 10_000 + "</body></html>"
    result = detect(Page(url="https://x.example/", html=html))
    assert len(result.indicators) == len(INDICATORS)


def test_unclosed_and_broken_markup() -> None:
    html = "<html><body><form role=search><input name=q <footer><a href='https://twitter.com/x'>x<table><td>"
    result = detect(Page(url="https://x.example/", html=html))
    assert result.indicators["search_function"].present


def test_a_20_mb_page_finishes() -> None:
    row = "<tr><td><a href='/item/{0}'>Item {0}</a></td><td>Some text about the item number {0}.</td></tr>"
    body = "<html><body><main><table>" + "".join(row.format(i) for i in range(200_000)) + "</table></main>"
    body += "<footer><a href='mailto:info@x.example'>mail</a></footer></body></html>"
    assert len(body) > 20_000_000
    started = time.monotonic()
    result = detect(page_from_bytes("https://x.example/", body.encode()))
    # A generous bound: this guards against a hang, it is not a speed measurement.
    assert time.monotonic() - started < 120
    assert len(result.indicators) == len(INDICATORS)
