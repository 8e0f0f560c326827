"""The project's own labelled fixture corpus (tests/corpus/): complete, varied, and its legacy pages real."""

from __future__ import annotations

import importlib.util
import re
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from detectors.model import INDICATORS
from evaluation.corpus import load_corpus

CORPUS_DIR = Path(__file__).resolve().parent / "corpus"
LANGUAGES = ("en", "fr", "es", "de", "pt", "it", "nl", "ar", "ru", "zh", "id")


def _load_builder():
    spec = importlib.util.spec_from_file_location("build_legacy", CORPUS_DIR / "build_legacy.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def corpus():
    return load_corpus(CORPUS_DIR)


def test_size_and_languages(corpus):
    assert len(corpus) >= 60
    per_language = Counter(page.language for page in corpus)
    assert set(LANGUAGES) <= set(per_language), per_language
    assert min(per_language[language] for language in LANGUAGES) >= 3, per_language


def test_every_indicator_has_positives_and_decoys(corpus):
    for indicator in INDICATORS:
        positives = sum(page.labels[indicator] for page in corpus)
        assert positives >= 5, indicator
        assert len(corpus) - positives >= 5, indicator
    # headline indicators also have positives in several languages
    for indicator in ("e_participation", "accessibility_statement", "mobile_app", "privacy_policy", "online_payment"):
        languages = {page.language for page in corpus if page.labels[indicator]}
        assert len(languages) >= 5, (indicator, languages)


def test_every_page_is_explained_and_lives_on_a_reserved_domain(corpus):
    for page in corpus:
        assert page.notes, page.file
        assert page.url, page.file
        host = urlsplit(page.url).hostname or ""
        assert host.endswith(".example"), (page.file, host)


def test_legacy_pages_match_their_generator_and_are_not_utf8():
    builder = _load_builder()
    encoded = builder.encoded_pages()
    assert {codec for codec, _ in builder.LEGACY_PAGES.values()} == {
        "iso-8859-1", "windows-1251", "windows-1256", "gb18030",
    }
    for name, body in encoded.items():
        assert (CORPUS_DIR / "pages" / name).read_bytes() == body, f"{name}: run tests/corpus/build_legacy.py"
        with pytest.raises(UnicodeDecodeError):
            body.decode("utf-8")
        codec = builder.LEGACY_PAGES[name][0]
        head = body[:400].decode("ascii", errors="replace").lower()
        assert re.search(r"charset=\"?" + re.escape(codec), head), name  # declared only in <meta>
        assert not body.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"))


def test_utf8_pages_are_utf8(corpus):
    legacy = set(_load_builder().LEGACY_PAGES)
    for page in corpus:
        if page.file not in legacy:
            page.path.read_bytes().decode("utf-8")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("fr-taxe-fonciere-latin1.html", "Taxe foncière et taxe d'habitation"),
        ("ru-politika-konfidencialnosti-cp1251.html", "Политика конфиденциальности"),
        ("ar-dafa-almukhalafat-cp1256.html", "دفع المخالفات والرسوم إلكترونياً"),
        ("zh-yidong-kehuduan-gb18030.html", "政务服务移动客户端"),
    ],
)
def test_legacy_pages_decode_like_a_browser(name, expected):
    from detectors import page_from_bytes

    body = (CORPUS_DIR / "pages" / name).read_bytes()
    page = page_from_bytes("https://www.example.org/" + name, body)
    assert expected in page.html
