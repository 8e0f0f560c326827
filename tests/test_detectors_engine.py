"""Engine behaviour on small inline pages: signal kinds, page regions, scoring and evidence records."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import pytest

from detectors import INDICATORS, Page, detect, page_from_bytes


def run(html: str, url: str = "https://www.city.example/page") -> dict:
    return detect(Page(url=url, html=html)).to_json()["indicators"]


def page(body: str, title: str = "Page", lang: str = "en") -> str:
    return f"<!doctype html><html lang='{lang}'><head><title>{title}</title></head><body>{body}</body></html>"


def test_result_has_the_contract_shape_for_all_nine_indicators() -> None:
    result = detect(Page(url="https://www.city.example/", html=page("<p>Hello</p>"))).to_json()
    assert set(result) == {"url", "language", "indicators"}
    assert list(result["indicators"]) == list(INDICATORS)
    for value in result["indicators"].values():
        assert set(value) == {"present", "confidence", "evidence"}
        assert 0.0 <= value["confidence"] <= 1.0
    json.dumps(result)  # serialisable


def test_social_profiles_in_the_footer_count_but_share_buttons_do_not() -> None:
    footer = page("<footer><a href='https://www.facebook.com/CityOfExample'>Facebook</a></footer>")
    share = page(
        "<main><a href='https://www.facebook.com/sharer/sharer.php?u=x'>Share</a>"
        "<a href='https://twitter.com/intent/tweet?text=x'>Tweet</a>"
        "<a href='https://www.linkedin.com/shareArticle?url=x'>LinkedIn</a></main>"
    )
    found = run(footer)["social_media"]
    assert found["present"]
    ev = found["evidence"][0]
    assert ev["rule"] == "social.profile_chrome"
    assert ev["target_url"] == "https://www.facebook.com/CityOfExample"
    assert ev["locator"].endswith("footer > a")
    assert not run(share)["social_media"]["present"]


def test_search_form_is_found_but_a_search_link_is_not() -> None:
    assert run(page("<form role='search' action='/search'><input type='search' name='q'></form>"))[
        "search_function"
    ]["present"]
    assert run(page("<input type='text' placeholder='Rechercher sur le site'>", lang="fr"))["search_function"]["present"]
    assert not run(page("<nav><a href='/search'>Search</a></nav>"))["search_function"]["present"]
    login = "<form action='/login'><input name='user'><input type='password' name='pw'><button>Search</button></form>"
    assert not run(page(login))["search_function"]["present"]


def test_feedback_form_is_participation_but_newsletter_and_link_are_not() -> None:
    feedback = page(
        "<main><h2>Tell us what you think</h2><form method='post' action='/feedback'>"
        "<label for='c'>Your feedback</label><textarea id='c' name='comment'></textarea>"
        "<button>Send</button></form></main>"
    )
    newsletter = page("<form action='/subscribe'><input type='email' name='email'><button>Subscribe to our newsletter</button></form>")
    link_only = page("<main><a href='https://engage.city.example/'>Have your say</a></main>")
    assert run(feedback)["e_participation"]["present"]
    assert not run(newsletter)["e_participation"]["present"]
    assert not run(link_only)["e_participation"]["present"]


def test_app_store_links_and_smart_banner() -> None:
    banner = "<html><head><meta name='apple-itunes-app' content='app-id=123'></head><body></body></html>"
    assert run(banner)["mobile_app"]["present"]
    footer = page("<footer><a href='https://play.google.com/store/apps/details?id=org.city.app'>Google Play</a></footer>")
    assert run(footer)["mobile_app"]["present"]
    # A store link in an article about somebody else's app is only weak evidence.
    news = page("<main><article><p>The newspaper has an app: <a href='https://apps.apple.com/app/id1'>App Store</a></p>"
                "</article></main>", title="Summer festival programme")
    result = run(news)["mobile_app"]
    assert not result["present"] and result["evidence"], "weak evidence is still shown to assessors"


def test_privacy_page_versus_cookie_page_and_footer_link() -> None:
    privacy = page(
        "<main><h1>Datenschutzerklärung</h1><p>Verantwortliche Stelle im Sinne der DSGVO ist die Stadt. "
        "Sie haben ein Auskunftsrecht und ein Recht auf Löschung Ihrer personenbezogenen Daten.</p></main>",
        title="Datenschutz", lang="de",
    )
    cookies = page("<main><h1>Cookie-Einstellungen</h1><p>Wir verwenden Cookies.</p></main>", title="Cookies", lang="de")
    footer = page("<footer><a href='/datenschutz'>Datenschutz</a></footer>", lang="de")
    assert run(privacy)["privacy_policy"]["present"]
    assert not run(cookies)["privacy_policy"]["present"]
    assert not run(footer)["privacy_policy"]["present"]


def test_accessibility_statement_versus_a_link_to_it() -> None:
    statement = page(
        "<main><h1>Déclaration d'accessibilité</h1><p>Ce site est partiellement conforme au RGAA 4.1. "
        "Contenus non accessibles : vidéos sans sous-titres. Voie de recours : Défenseur des droits.</p></main>",
        title="Accessibilité", lang="fr",
    )
    link = page("<footer><a href='/accessibilite'>Accessibilité : partiellement conforme</a></footer>", lang="fr")
    assert run(statement)["accessibility_statement"]["present"]
    assert not run(link)["accessibility_statement"]["present"]


def test_open_data_downloads_on_own_web_versus_a_nav_link() -> None:
    dataset = page("<main><h1>Air quality</h1><a href='/files/air-2025.csv'>CSV</a></main>")
    nav = page("<nav><a href='https://data.other.example/'>Open data</a></nav>")
    assert run(dataset)["open_data"]["present"]
    assert not run(nav)["open_data"]["present"]


def test_contact_details_in_chrome_versus_a_number_quoted_in_news() -> None:
    chrome = page("<footer><p>City Hall, 1 Main Street</p><a href='mailto:info@city.example'>Email us</a></footer>")
    news = page("<main><article><p>The consumer centre answers on its hotline 0800 123 4567.</p></article></main>")
    assert run(chrome)["contact_info"]["present"]
    assert not run(news)["contact_info"]["present"]


def test_pay_online_action_versus_fee_information() -> None:
    pay = page("<main><a href='/parking/pay'>Pay a parking fine online</a></main>")
    fees = page("<main><h1>Parking fees</h1><p>A parking fine costs 30 euros.</p></main>")
    assert run(pay)["online_payment"]["present"]
    assert not run(fees)["online_payment"]["present"]


def test_several_medium_signals_combine_as_noisy_or() -> None:
    one = run(page("<main><a href='/data/a.csv'>a</a></main>"))["open_data"]["confidence"]
    many = run(page("<main><h1>Datasets</h1><a href='/data/a.csv'>a</a><a href='/b.json'>b</a>"
                    "<a href='/c.xlsx'>c</a></main>"))["open_data"]["confidence"]
    assert 0 < one < many <= 1


def test_base_href_resolves_links() -> None:
    html = "<html><head><base href='https://data.city.example/files/'></head><body><main><a href='x.csv'>x</a></main></body></html>"
    ev = run(html, url="https://www.city.example/")["open_data"]["evidence"]
    assert ev and ev[0]["target_url"] == "https://data.city.example/files/x.csv"


def test_legacy_encodings_come_out_right() -> None:
    html = ("<html><head><meta charset='windows-1251'><title>Контакты</title></head>"
            "<body><main><p>Администрация города принимает граждан по будним дням. Запись на приём ведётся по телефону.</p></main>"
            "<footer>Телефон: +7 495 123-45-67</footer></body></html>")
    page_ = page_from_bytes("https://city.example/", html.encode("cp1251"))
    result = detect(page_)
    assert result.language == "ru"
    assert result.indicators["contact_info"].present
    assert "Телефон" in result.indicators["contact_info"].evidence[0].snippet


@pytest.mark.parametrize("lang", ["en", "de"])
def test_language_comes_from_markup_or_text(lang: str) -> None:
    text = {"en": "The city council meets every month to discuss the budget and local services for residents.",
            "de": "Der Stadtrat tagt jeden Monat, um über den Haushalt und die Dienste für die Bürger zu beraten."}[lang]
    assert detect(Page(url="https://x.example/", html=f"<html><body><p>{text}</p></body></html>")).language == lang


def test_detect_is_deterministic_and_thread_safe() -> None:
    html = page("<footer><a href='https://twitter.com/city'>X</a><a href='mailto:a@b.example'>mail</a></footer>"
                "<form role='search'><input name='q'></form>")
    first = json.dumps(run(html), sort_keys=True)
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: json.dumps(run(html), sort_keys=True), range(16)))
    assert set(results) == {first}
