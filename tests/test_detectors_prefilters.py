"""The engine's shortcuts (token prefilter, sentence windows, link blobs) never change a result.

Each shortcut is checked against the plain computation it replaces, on small texts built to hit
its edges: CJK words, prefix words, words spanning a sentence boundary, anchored link patterns.
"""

from __future__ import annotations

import re

from hypothesis import example, given, settings
from hypothesis import strategies as st

from detectors import Page, detect
from detectors.document import parse
from detectors.engine import _Context
from detectors.folding import TOKENS, TokenView, compile_words, fold, fold_lines, token_set, word_index
from detectors.textindex import RegionText, split_sentences


def view_of(text: str) -> tuple[TokenView, str]:
    folded = fold_lines(text)
    return TokenView(frozenset(TOKENS.findall(folded))), folded


def test_needles_name_one_literal_per_possible_word() -> None:
    index = word_index(["privacy policy", "datenschutz*", "个人信息", "gdpr"])
    view, folded = view_of("Our Privacy Policy and the Datenschutzerklärung.")
    needles = index.needles(view, haystacks=[folded])
    assert needles is not None and set(needles) == {"privacy", "datenschutz"}  # the longest token, the stem
    view, folded = view_of("我们如何处理个人信息")
    assert index.needles(view, haystacks=[folded]) == ("个人信息",)
    view, folded = view_of("Nothing relevant here")
    assert index.needles(view, haystacks=[folded]) is None
    assert not index.possible(view, haystacks=[folded])


def test_needles_respect_the_number_of_distinct_words_required() -> None:
    index = word_index(["wcag", "en 301 549", "level aa"])
    view, folded = view_of("We follow WCAG 2.1.")
    assert index.needles(view, enough=2, haystacks=[folded]) is None
    view, folded = view_of("We follow WCAG 2.1 at level AA.")
    assert index.needles(view, enough=2, haystacks=[folded]) is not None


def test_a_word_that_can_span_sentences_turns_windows_off() -> None:
    assert word_index(["privacy policy"]).sentence_safe
    assert not word_index(["u.s. department of state"]).sentence_safe


def test_literal_first_word_regex_keeps_word_boundaries() -> None:
    words = compile_words(["data", "open data", "datenschutz*", "数据"])
    text = "metadata opendata open data datenschutzerklarung 开放数据"
    assert [m.group(0) for m in words.finditer(text)] == ["open data", "datenschutzerklarung", "数据"]


def test_sentence_windows_find_what_a_whole_text_scan_finds() -> None:
    raw = ("Call us. Tel. 0841 305 0. Our e-mail is info@city.example today! Kontakt: Telefon 089 233 96 "
           "In der Stadt. 电话 010-6512 3456。 Visit us.")
    text = RegionText.build(raw)
    pattern = re.compile(r"(?:tel(?:efon|\.)?|电话)\s*[.:]?\s*\d[\d\s-]{5,}\d")
    whole = [(text.chunk_at(m.start()), m.group(0)) for m in pattern.finditer(text.folded)]
    chunks = text.chunks_containing(("tel", "电话"))
    windowed = [(i, m.group(0)) for i in chunks for m in pattern.finditer(text.folded_chunk(i))]
    assert whole == windowed and len(whole) == 3


def test_link_candidates_honour_line_anchors() -> None:
    doc = parse(
        "<a href='/a'>Pay online</a><a href='/b'>How to pay</a><a href='/c'>Pay</a>"
        "<a href='https://www.facebook.com/city'>fb</a><a href='/x?u=https://www.facebook.com/y'>share</a>",
        "https://www.city.example/",
    )
    ctx = _Context(doc=doc, own_host="city.example")
    starts_with_pay = re.compile(r"^pay\b", re.MULTILINE)
    assert ctx.matching_links(starts_with_pay, "text") == {0, 2}
    facebook = re.compile(r"^https?://(?:www\.)?facebook\.com/", re.MULTILINE)
    assert ctx.matching_links(facebook, "href") == {3}


def test_a_link_rule_sees_links_after_a_non_matching_one() -> None:
    html = ("<footer><a href='/x'>Follow</a><a href='https://twitter.com/share?u=1'>Share</a>"
            "<a href='https://www.facebook.com/CityOfExample'>Facebook</a></footer>")
    result = detect(Page(url="https://www.city.example/", html=html)).to_json()["indicators"]["social_media"]
    assert result["present"]
    assert result["evidence"][0]["target_url"] == "https://www.facebook.com/CityOfExample"


def test_region_text_keeps_the_reading_order() -> None:
    doc = parse(
        "<main><p><a href='/p'><b>Pay</b></a> online <span>now</span>.</p></main>"
        "<footer><p>Call <b>us</b> at <i>0123 456 789</i> today</p></footer>",
        "https://www.city.example/",
    )
    assert doc.text_by_region["main"] == "Pay online now ."
    assert doc.text_by_region["footer"] == "Call us at 0123 456 789 today"


def test_link_candidates_by_literal_are_the_lines_holding_one() -> None:
    links = "".join(f"<a href='/news/{i}'>News item {i}</a>" for i in range(200))
    doc = parse(
        f"<main>{links}<a href='https://apps.apple.com/app/id1'>App Store</a>"
        "<a href='mailto:info@city.example'>Mail</a><a href='MAILTO:town@city.example'>Town hall</a></main>",
        "https://www.city.example/",
    )
    ctx = _Context(doc=doc, own_host="city.example")
    assert ctx.lines_with(("apps.apple.com/",), "href") == {200}
    assert ctx.lines_with(("mailto:", "apps.apple.com/"), "href") == {200, 201, 202}  # the href blob is lower-cased
    assert ctx.lines_with(("news",), "href") is None  # most links: the regex scan narrows better
    assert ctx.lines_with(("town hall",), "text") == {202}


def test_a_rule_finds_the_same_links_by_literal_lines_and_by_blob_scan(monkeypatch) -> None:
    # Forcing the regex scan everywhere must not change any result on the fixture pages.
    from detectors import engine, page_from_bytes
    from evaluation.corpus import load_corpus
    from evaluation.evaluate import FIXTURE_CORPUS

    pages = [page_from_bytes(p.uri(), p.path.read_bytes()) for p in load_corpus(FIXTURE_CORPUS)]
    by_literals = [detect(page).to_json() for page in pages]
    monkeypatch.setattr(engine._Context, "lines_with", lambda self, needles, blob_name: None)
    assert [detect(page).to_json() for page in pages] == by_literals


def test_link_blobs_have_one_line_per_link_whatever_the_urls_hold() -> None:
    doc = parse("<a href='/a'>A</a><a href='/b'>B</a>", "https://www.city.example/")
    doc.links[0].href = "https://www.city.example/x\ny"  # newline and NUL inside URLs
    doc.links[1].href = "https://www.City.example/\0z"
    ctx = _Context(doc=doc, own_host="city.example")
    assert ctx.href_blob.split("\n") == ["https://www.city.example/x y", "https://www.city.example/\0z"]
    assert ctx._starts("href") == [0, len("https://www.city.example/x y") + 1]


def test_region_text_stops_at_the_chunk_that_reaches_the_cap() -> None:
    from detectors.document import _MAX_TEXT

    words = "word " * 99  # 495 characters per paragraph, then a 7-character tail
    html = "<main>" + "".join(f"<p>{words}</p>tail {i % 10}." for i in range(2000)) + "</main>"
    text = parse(html, "https://www.city.example/").text_by_region["main"]
    # Chunks are kept while the text read so far is shorter than the cap (about 1 MB here): the
    # kept text ends one chunk past the cap (plus the spaces that join the chunks).
    assert _MAX_TEXT <= len(text) < _MAX_TEXT * 1.01
    assert text.endswith(("word", "."))


def test_literal_answers_are_kept_per_page_and_stay_exact() -> None:
    doc = parse("<a href='https://www.facebook.com/city'>Facebook</a><a href='/x'>News</a>",
                "https://www.city.example/")
    ctx = _Context(doc=doc, own_host="city.example")
    facebook, twitter = frozenset({"facebook.com"}), frozenset({"twitter.com", "x.com/"})
    assert ctx.has_literals((facebook,), (ctx.href_blob,))
    assert not ctx.has_literals((facebook, twitter), (ctx.href_blob,))  # every set must be met
    assert ctx.has_literals((frozenset({"news"}),), (ctx.href_blob, ctx.link_text_blob))  # any haystack
    assert ctx.has_literals(None, (ctx.href_blob,)) and ctx.has_literals((), (ctx.href_blob,))
    assert "facebook.com" in ctx._found[id(ctx.href_blob)]  # asked once per page


def test_cjk_words_are_looked_for_only_in_texts_with_cjk_characters() -> None:
    index = word_index(["open data", "开放数据", "オープンデータ"])
    latin = TokenView(frozenset(TOKENS.findall(fold_lines("Open data portal – Übersicht"))))
    chinese_text = fold_lines("欢迎访问开放数据平台 open")
    chinese = TokenView(frozenset(TOKENS.findall(chinese_text)))
    assert not latin.has_cjk and chinese.has_cjk
    assert len(index.needles(latin, haystacks=["open data portal - ubersicht"])) == 1  # "open data" only
    assert set(index.needles(chinese, haystacks=[chinese_text])) == {"开放数据"}


# Characters where tokenising and folding have edges: word and non-word ASCII, spaces and line
# breaks, accented and decomposed letters, symbols NFKD turns into a space and a combining mark
# (diaeresis, macron), a typographic apostrophe, CJK, Thai, Arabic with a diacritic, digits, "_".
_EDGE_CHARS = [*"aZ9_ -.'\n\t", "é", "e\u0301", "¨", "¯", "’", "ß", "İ", "数", "ข", "بَ", "\u00a0", "Ⅻ"]
_EDGE_TEXT = st.lists(st.sampled_from(_EDGE_CHARS), max_size=30).map("".join)


@settings(max_examples=400, deadline=None, derandomize=True)
@given(_EDGE_TEXT)
@example("Über straße ¨ 数据 e\u0301_x 9")
def test_token_set_is_the_regex_tokens(text: str) -> None:
    folded = fold_lines(text)
    assert token_set(folded) == frozenset(TOKENS.findall(folded))
    assert token_set(text) == frozenset(TOKENS.findall(text))


@settings(max_examples=400, deadline=None, derandomize=True)
@given(st.lists(_EDGE_TEXT, min_size=1, max_size=4))
@example(["a ¨", "¨ b", "x ¨ ¯ y"])
def test_folding_collapsed_lines_skips_only_what_changes_nothing(lines: list[str]) -> None:
    text = "\n".join(" ".join(line.split()) for line in lines)  # lines as a region's sentences are
    assert fold_lines(text, collapsed=True) == fold_lines(text)


_SENTENCE_END_REFERENCE = re.compile(
    r"[.!?](?<![\s(][uUaAjJ]l\.)(?<![\s(][aA]v\.)(?<![\s(](?:ул|пр|Ул|Пр)\.)(?<![Pp]\.[Oo]\.)\s+(?=[A-ZÀ-ÞА-ЯЁ])"
    r"|[。！？]"
)


def _sentences_one_match_at_a_time(raw: str) -> list[str]:
    """What `split_sentences` computes, the plain way: one Python step per boundary."""
    chunks, start = [], 0
    for match in _SENTENCE_END_REFERENCE.finditer(raw):
        chunks.append(raw[start:match.start() + 1].strip())
        start = match.end()
    chunks.append(raw[start:].strip())
    return [chunk for chunk in chunks if chunk]


_SENTENCE_PIECES = [".", "!", "?", " ", "  ", "a", "B", "É", "Ж", "ul", "Av", "P.O", "ул", "(", "7", "。", "！", "？", "x"]


@settings(max_examples=500, deadline=None, derandomize=True)
@given(st.lists(st.sampled_from(_SENTENCE_PIECES), max_size=25).map("".join))
@example("Call us. Write to ul. Piotrkowska 1. Or P.O. Box 9. Really? Yes! Done.")
@example("Av. Paulista 1. 请联系我们。电话！是吗？好 Ende")
@example("Is it open? Yes. Ask me")
def test_sentence_split_is_the_plain_boundary_walk(raw: str) -> None:
    raw = " ".join(raw.split())  # region texts are whitespace-collapsed
    assert split_sentences(raw) == _sentences_one_match_at_a_time(raw)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.lists(st.sampled_from(["data", "dat", "datenschutz", "ab", "a", "b_c", "数据"]), max_size=6),
       st.sampled_from(["dat", "da", "d", "daten", "b", "b_", "c", "数"]))
def test_prefix_lookup_is_a_token_that_starts_with_the_stem(tokens: list[str], stem: str) -> None:
    assert TokenView(frozenset(tokens)).has_prefix(stem) == any(token.startswith(stem) for token in tokens)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.lists(_EDGE_TEXT, min_size=1, max_size=5))
@example(["Zahlung ¨", "", "ÉTAT civil", "数据 ¯x"])
def test_a_links_folded_text_is_its_text_folded(texts: list[str]) -> None:
    html = "".join(f"<a href='/{n}'>{text}</a>" for n, text in enumerate(texts))
    doc = parse(f"<html><body>{html}</body></html>", "https://city.example/")
    assert [link.folded for link in doc.links] == [fold(link.text) for link in doc.links]
