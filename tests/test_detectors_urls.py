"""The page parser's URL resolver gives exactly what `urllib.parse.urljoin` gives."""

from urllib.parse import urljoin

from hypothesis import given, settings
from hypothesis import strategies as st

from detectors.document import UrlResolver

BASES = [
    "https://www.city.example/",
    "https://www.city.example",
    "https://www.city.example/services/parking/index.html",
    "http://portal.example:8080/a/b?x=1#top",
    "https://user@host.example/dir/",
    "https://gov.example/path;params/x",
    "file:///tmp/page.html",
    "",
]
PIECES = st.sampled_from(
    ["a", "b.html", "/", "./", "../", ".", "..", "?", "q=1", "#", "frag", "//", "other.example", ":", "sms:",
     "mailto:x@y", "HTTP://X/", "%20", " ", "\\", "tel:+1", "c/", "javascript:void(0)", "data:,", ";p"]
)


@settings(max_examples=800, deadline=None)
@given(st.sampled_from(BASES), st.lists(PIECES, max_size=6).map("".join))
def test_resolver_matches_urljoin(base, href):
    try:
        expected = urljoin(base, href.strip()) if href.strip() else ""
    except ValueError:
        expected = ""
    assert UrlResolver(base)(href) == expected


def test_common_shapes():
    resolve = UrlResolver("https://www.city.example/services/parking/index.html?x=1#top")
    assert resolve("/contact") == "https://www.city.example/contact"
    assert resolve("permits.html") == "https://www.city.example/services/parking/permits.html"
    assert resolve("?page=2") == "https://www.city.example/services/parking/index.html?page=2"
    assert resolve("#main") == "https://www.city.example/services/parking/index.html?x=1#main"
    assert resolve("../fees/") == "https://www.city.example/services/fees/"
    assert resolve("  ") == ""
