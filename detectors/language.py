"""The language of a page: what its markup declares, checked against what its text is.

Markup declarations (`<html lang>`, `xml:lang`, `<meta http-equiv=Content-Language>`,
`og:locale`, the HTTP Content-Language header) are cheap and usually right, but not always:
German sites that declare `lang="en"` exist. The text is identified offline with py3langid
(a Naive Bayes model over byte n-grams) to fill a missing declaration and to override a
declared language when the text is long enough and the model is sure it is another one.

All codes are normalised to ISO 639-1 ("de-DE", "DE_de", "deu", "ger" -> "de").
The model is loaded once, lazily, under a lock; classification only reads it, so one
identifier serves every thread.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Mapping
from typing import Any

# --- normalisation --------------------------------------------------------------------------

# ISO 639-2/B, 639-2/T and 639-3 codes (and a few English names used in <meta name=language>)
# of the languages government portals are written in, mapped to ISO 639-1.
_THREE_TO_TWO: dict[str, str] = {
    "afr": "af", "alb": "sq", "sqi": "sq", "amh": "am", "ara": "ar", "arb": "ar", "arm": "hy",
    "hye": "hy", "aze": "az", "bel": "be", "ben": "bn", "bos": "bs", "bul": "bg", "bur": "my",
    "mya": "my", "cat": "ca", "ces": "cs", "cze": "cs", "chi": "zh", "zho": "zh", "cmn": "zh",
    "dan": "da", "deu": "de", "ger": "de", "dut": "nl", "nld": "nl", "ell": "el", "gre": "el",
    "eng": "en", "est": "et", "eus": "eu", "baq": "eu", "fas": "fa", "per": "fa", "fil": "tl",
    "tgl": "tl", "fin": "fi", "fra": "fr", "fre": "fr", "geo": "ka", "kat": "ka", "gle": "ga",
    "glg": "gl", "heb": "he", "hin": "hi", "hrv": "hr", "hun": "hu", "ice": "is", "isl": "is",
    "ind": "id", "ita": "it", "jpn": "ja", "kaz": "kk", "khm": "km", "kir": "ky", "kor": "ko",
    "lao": "lo", "lav": "lv", "lit": "lt", "ltz": "lb", "mac": "mk", "mkd": "mk", "may": "ms",
    "msa": "ms", "zsm": "ms", "mlt": "mt", "mon": "mn", "nep": "ne", "nor": "no", "nob": "nb",
    "nno": "nn", "pol": "pl", "por": "pt", "pus": "ps", "ron": "ro", "rum": "ro", "rus": "ru",
    "sin": "si", "slk": "sk", "slo": "sk", "slv": "sl", "som": "so", "spa": "es", "srp": "sr",
    "swa": "sw", "swe": "sv", "tam": "ta", "tgk": "tg", "tha": "th", "tur": "tr", "tuk": "tk",
    "ukr": "uk", "urd": "ur", "uzb": "uz", "vie": "vi", "wel": "cy", "cym": "cy", "zul": "zu",
    "xho": "xh", "yor": "yo", "hau": "ha", "ibo": "ig", "kin": "rw", "mlg": "mg", "sna": "sn",
    "tir": "ti", "ton": "to", "smo": "sm", "fij": "fj", "dzo": "dz", "div": "dv", "kur": "ku",
    "grn": "gn", "que": "qu", "aym": "ay", "hat": "ht",
}
_NAMES: dict[str, str] = {
    "english": "en", "french": "fr", "francais": "fr", "français": "fr", "spanish": "es",
    "espanol": "es", "español": "es", "castellano": "es", "german": "de", "deutsch": "de",
    "portuguese": "pt", "portugues": "pt", "português": "pt", "italian": "it", "italiano": "it",
    "dutch": "nl", "nederlands": "nl", "arabic": "ar", "russian": "ru", "chinese": "zh",
    "indonesian": "id", "bahasa indonesia": "id", "japanese": "ja", "korean": "ko",
    "polish": "pl", "polski": "pl", "turkish": "tr", "greek": "el", "swedish": "sv",
}
# Two-letter codes that have been renamed (deprecated -> current) and the Norwegian written forms.
_RENAMED = {"iw": "he", "in": "id", "ji": "yi", "jw": "jv", "mo": "ro", "nb": "no", "sh": "sr"}
_SUBTAG = re.compile(r"[-_\s]")


def normalize_language(code: str | None) -> str | None:
    """Reduce a language tag or name to an ISO 639-1 code, or None if it names no language."""
    if not code:
        return None
    value = code.strip().strip("\"'").lower()
    if not value:
        return None
    # Content-Language may list several ("de, en"); the first is the main one.
    value = value.split(",")[0].strip()
    if value in _NAMES:
        return _NAMES[value]
    primary = _SUBTAG.split(value, maxsplit=1)[0]
    if len(primary) == 2 and primary.isalpha() and primary.isascii():
        return _RENAMED.get(primary, primary)
    if len(primary) == 3 and primary.isalpha():
        return _THREE_TO_TWO.get(primary)
    return _NAMES.get(primary)


# --- what the markup declares ----------------------------------------------------------------

_HEAD_LIMIT = 64 * 1024
_HTML_TAG = re.compile(r"<html\b([^>]*)>", re.IGNORECASE)
_META_TAG = re.compile(r"<meta\b([^>]*)>", re.IGNORECASE)
_BODY_START = re.compile(r"<body\b", re.IGNORECASE)
_ATTR = re.compile(r"""([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""")


def _attributes(tag_text: str) -> dict[str, str]:
    attrs: dict[str, str] = {}
    for m in _ATTR.finditer(tag_text):
        attrs.setdefault(m.group(1).lower(), next(g for g in m.groups()[1:] if g is not None))
    return attrs


def declared_language(html_or_root: Any, content_language: str | None = None) -> str | None:
    """The language the page declares, normalised, or None.

    Accepts the HTML text (read with a cheap regex over the head) or an lxml element of the
    parsed document. Precedence follows HTML: the root element's `lang`/`xml:lang`, then a
    Content-Language pragma, then (our addition) Open Graph / Dublin Core metadata, then the
    HTTP Content-Language header given as `content_language`.
    """
    if isinstance(html_or_root, str):
        html_attrs, metas = _scan_head(html_or_root)
    else:
        html_attrs, metas = _scan_tree(html_or_root)
    for key in ("lang", "xml:lang"):
        code = normalize_language(html_attrs.get(key))
        if code:
            return code
    metas = list(metas)
    for wanted in (("http-equiv", "content-language"), ("property", "og:locale"),
                   ("name", "dc.language"), ("name", "dcterms.language"), ("name", "language")):
        for meta in metas:
            if meta.get(wanted[0], "").strip().lower() == wanted[1]:
                code = normalize_language(meta.get("content"))
                if code:
                    return code
    return normalize_language(content_language)


def _scan_head(html: str) -> tuple[dict[str, str], Iterable[dict[str, str]]]:
    head = html[:_HEAD_LIMIT]
    body = _BODY_START.search(head)
    if body:
        head = head[: body.start()]
    tag = _HTML_TAG.search(head)
    html_attrs = _attributes(tag.group(1)) if tag else {}
    metas = [_attributes(m.group(1)) for m in _META_TAG.finditer(head)]
    return html_attrs, metas


def _scan_tree(node: Any) -> tuple[dict[str, str], Iterable[dict[str, str]]]:
    root = node.getroottree().getroot()
    html_attrs = {str(k).lower().replace("{http://www.w3.org/xml/1998/namespace}", "xml:"): v
                  for k, v in root.attrib.items()}
    # A generator: the <meta> elements are read only when the root element declares no language.
    metas = ({str(k).lower(): v for k, v in m.attrib.items()} for m in root.iter("meta"))
    return html_attrs, metas


# --- what the text is -----------------------------------------------------------------------

# The model's labels for varieties and dialects, folded into the ISO 639-1 language a portal
# would declare (Egyptian and Moroccan Arabic are Arabic; Wu and Cantonese are written Chinese).
_FOLD = {
    "ary": "ar", "arz": "ar", "wuu": "zh", "yue": "zh", "uzs": "uz", "gug": "gn", "sdh": "ku",
    "hbo": "he", "grc": "el",
}
# Languages so close that the model confuses them on short or mixed text; between these the
# page's own declaration is the better witness, so it is never overridden.
_CLOSE_GROUPS = (
    frozenset({"id", "ms", "jv"}), frozenset({"no", "nn", "da", "sv"}), frozenset({"sr", "hr", "bs", "sl"}),
    frozenset({"es", "gl", "ca", "pt", "an", "ext"}), frozenset({"de", "lb", "nl", "fy", "af"}),
    frozenset({"cs", "sk"}), frozenset({"ru", "uk", "be", "bg", "mk"}), frozenset({"fa", "ps", "tg"}),
    frozenset({"hi", "ne", "mr", "ur"}), frozenset({"zh", "ja"}), frozenset({"fr", "oc", "wa"}),
    frozenset({"it", "vec", "lij"}), frozenset({"tr", "az", "tk"}),
)
# Labels that are no language a page could be in, for our purposes.
_NOT_A_LANGUAGE = {"zxx"}

# Identification reads at most _CHUNKS pieces of _CHUNK characters spread over the text:
# enough for a confident answer, and a 20 MB page costs the same as a small one.
_CHUNK = 400
_CHUNKS = 4
# Below this many letters the model guesses; fill a gap only, never override.
_MIN_LETTERS_TO_FILL = 25
_MIN_LETTERS_TO_OVERRIDE = 200
_FILL_CONFIDENCE = 0.5
_OVERRIDE_CONFIDENCE = 0.95
# A declaration is overridden only when the declared language is (almost) absent from the
# text: a German site's English article under a German menu is still declared right enough,
# a German page declared "en" has no English in it at all.
_MAX_DECLARED_SHARE = 0.2
_MIN_CHUNK_LETTERS = 20

_lock = threading.Lock()
_identifier: Any = None


def _get_identifier() -> Any:
    global _identifier
    if _identifier is None:
        with _lock:
            if _identifier is None:
                # Imported here: loading the model takes about a second and most callers
                # (the crawl's URL filters, the CLI's argument parsing) never need it.
                from py3langid.langid import MODEL_FILE, LanguageIdentifier

                _identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    return _identifier


_SPACES = re.compile(r"\s+")
_LETTER = re.compile(r"[^\W\d_]")


# A Chinese, Japanese or Korean character carries about as much as a short word; counted as
# three letters so that the length thresholds mean the same across scripts.
_IDEOGRAPHIC = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff]")


def _letters(text: str) -> int:
    return len(_LETTER.findall(text)) + 2 * len(_IDEOGRAPHIC.findall(text))


def _chunks(text: str) -> list[str]:
    """Up to _CHUNKS whitespace-collapsed pieces of the text, spread from its start to its end."""
    raw_len = len(text)
    if raw_len <= _CHUNK * _CHUNKS:
        starts = list(range(0, raw_len, _CHUNK))
    else:
        step = raw_len / _CHUNKS
        starts = [int(i * step) for i in range(_CHUNKS)]
    pieces = (_SPACES.sub(" ", text[s : s + _CHUNK]).strip() for s in starts)
    return [p for p in pieces if p]


def _scores(sample: str) -> dict[str, float]:
    scores: dict[str, float] = {}
    for label, prob in _get_identifier().rank(sample):
        code = _FOLD.get(label, label)
        scores[code] = scores.get(code, 0.0) + prob
    return scores


def _classify(sample: str) -> tuple[str | None, float]:
    code, prob = max(_scores(sample).items(), key=lambda item: item[1])
    return (None if code in _NOT_A_LANGUAGE else code), prob


def identify_language(text: str) -> tuple[str | None, float, int]:
    """(ISO 639-1 code or None, probability, letters looked at) for a text.

    The probability is that of the language's family of close relatives (Russian with
    Bulgarian, Indonesian with Malay, ...): the model may hesitate between those, but a high
    family probability still says the text is not in an unrelated language.
    """
    sample = " ".join(_chunks(text))
    letters = _letters(sample)
    if letters == 0:
        return None, 0.0, 0
    scores = _scores(sample)
    code = max(scores, key=scores.__getitem__)
    if code in _NOT_A_LANGUAGE:
        return None, scores[code], letters
    family = sum(p for other, p in scores.items() if other == code or _close(other, code))
    return code, min(1.0, family), letters


def _share_of(language: str, text: str) -> float:
    """Share of the text's letters (over its sampled pieces) that are in `language`."""
    total = hits = 0
    for piece in _chunks(text):
        n = _letters(piece)
        if n < _MIN_CHUNK_LETTERS:
            continue
        total += n
        code, _ = _classify(piece)
        if code == language or (code is not None and _close(code, language)):
            hits += n
    return hits / total if total else 1.0


def page_language(declared: str | None, text: str, hint: str | None = None) -> str | None:
    """Decide a page's language.

    `declared` comes from the markup (see `declared_language`), `text` is the page's visible
    text, `hint` a language known from outside (the seed's languages, the crawl's setting).
    The declaration wins unless the text is long, the model is confident it is another
    language, and the declared language is nearly absent from the text; with no declaration
    a moderately confident identification wins; the hint is the last resort.
    """
    declared_code = normalize_language(declared)
    hint_code = normalize_language(hint)
    if declared_code and _clearly_written_in(declared_code, text):
        # Fast path: the declared language's commonest words make up a good share of the
        # text, so the declaration cannot be the wrong-language case the model is for.
        return declared_code
    identified, prob, letters = identify_language(text) if text else (None, 0.0, 0)
    if declared_code:
        if (
            identified
            and identified != declared_code
            and not _close(identified, declared_code)
            and letters >= _MIN_LETTERS_TO_OVERRIDE
            and prob >= _OVERRIDE_CONFIDENCE
            and _share_of(declared_code, text) <= _MAX_DECLARED_SHARE
        ):
            return identified
        return declared_code
    if identified and letters >= _MIN_LETTERS_TO_FILL and prob >= _FILL_CONFIDENCE:
        # With no declaration, the top language of a confident family is the best answer.
        return identified
    return hint_code or (identified if identified and letters >= _MIN_LETTERS_TO_FILL else None)


# The commonest short function words of languages written with spaces; a text in which they
# are frequent is in that language whatever a statistical model would add.
_FUNCTION_WORD_LISTS: dict[str, str] = {
    "en": "the and of to in is for on with that are by this you your",
    "de": "der die das und ist mit von den zu für auf im des sie nicht",
    "fr": "le la les et des du un une est pour dans en au sur que vous",
    "es": "el la los las y de del en que por para con una es se",
    "pt": "o a os as e de do da dos das em que para com um uma é",
    "it": "il la le di e che per con del della un una è sono nel",
    "nl": "de het een en van in is op te dat met voor zijn niet",
    "id": "dan yang di ke dari untuk dengan ini itu dalam pada adalah",
    "ru": "и в на не что с по для от из как это к о",
}
_FUNCTION_WORDS = {lang: frozenset(words.split()) for lang, words in _FUNCTION_WORD_LISTS.items()}
_WORD = re.compile(r"\w+")
_FAST_SAMPLE = 3000
_FAST_MIN_WORDS = 60
_FAST_MIN_SHARE = 0.12


def _clearly_written_in(language: str, text: str) -> bool:
    words = _FUNCTION_WORDS.get(language)
    if not words or not text:
        return False
    sample = _WORD.findall(text[:_FAST_SAMPLE].lower())
    if len(sample) < _FAST_MIN_WORDS:
        return False
    return sum(map(words.__contains__, sample)) / len(sample) >= _FAST_MIN_SHARE


# Each language of a close group -> every language it shares a group with (itself included).
_CLOSE_TO: dict[str, frozenset[str]] = {}
for _group in _CLOSE_GROUPS:
    for _language in _group:
        _CLOSE_TO[_language] = _CLOSE_TO.get(_language, frozenset()) | _group


def _close(a: str, b: str) -> bool:
    """Whether two languages share a close group (asked for each of the model's hundred
    languages when a text is identified, hence the table)."""
    return b in _CLOSE_TO.get(a, ())


def content_language_header(headers: Mapping[str, str] | None) -> str | None:
    """The Content-Language header of a response, looked up case-insensitively."""
    if not headers:
        return None
    for key, value in headers.items():
        if key.lower() == "content-language":
            return value
    return None
