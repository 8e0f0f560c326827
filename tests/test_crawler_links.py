"""Link extraction: <base href>, canonical links, non-http schemes; and Scrapy agrees on base href."""

from __future__ import annotations

from scrapy.http import HtmlResponse

from crawler.links import extract_links

PAGE = """<html><head><title> Mairie  de Test </title><base href="/fr/services/">
<link rel="canonical" href="accueil.html"></head><body>
<a href="contact.html">Contact</a> <a href="../donnees/">Données</a> <a href="/abs">Abs</a>
<a href="mailto:x@y.fr">Mail</a> <a href="javascript:void(0)">JS</a> <a href="#top">Top</a>
<a href="https://data.gouv.example/jeux#x" title="Données ouvertes"><img alt="data"></a>
<a href="contact.html#form">Contact again</a></body></html>"""


def test_base_href_resolves_relative_links() -> None:
    page = extract_links(PAGE, "http://127.0.0.1:8000/index.html")
    assert page.base_url == "http://127.0.0.1:8000/fr/services/"
    assert [link.url for link in page.links] == [
        "http://127.0.0.1:8000/fr/services/contact.html",
        "http://127.0.0.1:8000/fr/donnees/",
        "http://127.0.0.1:8000/abs",
        "https://data.gouv.example/jeux",
    ]
    assert page.links[3].text == "data" and page.links[3].title == "Données ouvertes"
    assert page.canonical == "http://127.0.0.1:8000/fr/services/accueil.html"
    assert page.title == "Mairie de Test"


def test_scrapy_urljoin_honours_base_href_the_same_way() -> None:
    response = HtmlResponse("http://127.0.0.1:8000/index.html", body=PAGE.encode(), encoding="utf-8")
    assert response.urljoin("contact.html") == extract_links(PAGE, response.url).links[0].url


def test_unparsable_input_gives_no_links() -> None:
    assert extract_links("", "http://h/").links == ()
