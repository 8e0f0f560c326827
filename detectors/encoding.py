"""Turn a page's raw bytes into text the way browsers and Scrapy do, and refuse bytes that are no page.

The order of evidence for the encoding is the browser's (and Scrapy's, which uses the same
w3lib function): a byte-order mark, then the HTTP `Content-Type` charset, then a
`<meta charset>` / `<meta http-equiv=Content-Type>` / XML declaration near the top, and only then
statistical detection (charset-normalizer). Labels are mapped to what browsers really use
(iso-8859-1/latin1/ascii -> windows-1252, gb2312/gbk -> gb18030), which w3lib already does.
Bytes that do not fit the chosen encoding become U+FFFD; decoding never raises.

`check_html_bytes` is the gate in front of that: it refuses empty input, binary formats and
text without any HTML markup with a one-line reason, looking only at a prefix so that a
20 MB page costs no more than a small one.
"""

from __future__ import annotations

import codecs
import re

import charset_normalizer
from w3lib.encoding import (
    html_body_declared_encoding,
    html_to_unicode,
    http_content_type_encoding,
    read_bom,
    resolve_encoding,
)

from detectors.errors import InputError

# Detection is statistical and its cost grows with the input; a legacy-encoded page reveals its
# encoding in its first few hundred kilobytes, so a larger body is sampled from its start.
_DETECT_SAMPLE = 1 << 20
# The gate inspects only this prefix of the body (markup appears at the top of any real page).
_CHECK_PREFIX = 256 * 1024
_BINARY_PREFIX = 8 * 1024
_CHAOS_MARGIN = 0.0
_COHERENCE_MARGIN = 0.0

# What browsers' own detectors (e.g. Firefox's chardetng) can answer: the WHATWG legacy encodings
# that real pages use. Without this list, charset-normalizer happily picks DOS or Mac code pages
# and rare ISO-8859 parts that decode a short sample "as well", but no browser would show.
_DETECTABLE = (
    "utf_8", "cp1252", "cp1250", "cp1251", "cp1253", "cp1254", "cp1255", "cp1256", "cp1257",
    "cp1258", "cp874", "koi8_r", "koi8_u", "cp866", "iso8859_2", "iso8859_5", "iso8859_6",
    "iso8859_7", "iso8859_8", "gb18030", "big5", "cp932", "euc_jp", "iso2022_jp", "cp949",
)

# When detection scores several encodings the same, prefer the ones the web actually uses
# (web share, then regional defaults of browsers); the first in this list wins a tie.
_WEB_PREFERENCE = (
    "utf_8", "cp1252", "cp1251", "cp1256", "gb18030", "cp1250", "cp1253", "cp1254", "cp1255",
    "cp1257", "cp1258", "shift_jis", "cp932", "euc_jp", "euc_kr", "cp949", "big5", "koi8_r",
    "koi8_u", "cp874", "iso8859_2", "iso8859_7",
)


def decode_html(body: bytes, content_type: str | None = None) -> tuple[str, str]:
    """Decode page bytes; return (text, Python codec name of the encoding used).

    `content_type` is the HTTP Content-Type header value if the page came over HTTP.
    """
    if not body:
        return "", "utf-8"
    header_enc = http_content_type_encoding(content_type)
    if header_enc is None and read_bom(body)[0] is None:
        meta_enc = html_body_declared_encoding(body)
        # A document that reached us as bytes and declares UTF-16/32 in its own ASCII markup
        # cannot be UTF-16: the WHATWG prescan rule says to read it as UTF-8 then.
        if meta_enc is not None and meta_enc.startswith(("utf-16", "utf-32", "utf_16", "utf_32")):
            content_type = "text/html; charset=utf-8"
    encoding, text = html_to_unicode(
        content_type, body, default_encoding="cp1252", auto_detect_fun=_detect_encoding
    )
    return text, codecs.lookup(encoding).name


def _detect_encoding(body: bytes) -> str | None:
    """Guess the encoding of bytes that declare none (w3lib's auto_detect_fun)."""
    # Strict UTF-8 is self-validating: bytes above 0x7F that form valid UTF-8 are practically
    # never a legacy encoding, and pure ASCII reads the same in every candidate.
    try:
        body.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        # A body cut at a size cap may end inside a multi-byte character.
        if exc.start >= len(body) - 3 and exc.reason == "unexpected end of data":
            return "utf-8"
    if _mostly_utf8(body):
        return "utf-8"
    utf16 = _utf16_without_bom(body[:_BINARY_PREFIX])
    if utf16:
        return utf16
    return _statistical_guess(body[:_DETECT_SAMPLE])


def _mostly_utf8(body: bytes) -> bool:
    """UTF-8 text with a few stray bytes (a copy-paste from a legacy file) is still UTF-8."""
    sample = body[:_DETECT_SAMPLE]
    text = sample.decode("utf-8", "replace")
    bad = text.count("\ufffd")
    non_ascii = len(text) - len(text.encode("ascii", "ignore")) - bad
    return non_ascii >= 20 and bad * 10 <= non_ascii


def _utf16_without_bom(prefix: bytes) -> str | None:
    """ASCII markup in UTF-16 shows as every other byte being NUL."""
    if len(prefix) < 16 or prefix.count(0) < len(prefix) // 4:
        return None
    even_nuls = prefix[0::2].count(0)
    odd_nuls = prefix[1::2].count(0)
    half = len(prefix) // 2
    if odd_nuls > 0.6 * half and even_nuls < 0.2 * half:
        codec, low_bytes = "utf-16-le", prefix[0::2]
    elif even_nuls > 0.6 * half and odd_nuls < 0.2 * half:
        codec, low_bytes = "utf-16-be", prefix[1::2]
    else:
        return None
    # Text has few control characters; binary records with a NUL every other byte have many.
    controls = len(low_bytes) - len(low_bytes.translate(None, _CONTROL))
    return codec if controls * 20 < len(low_bytes) else None


def _statistical_guess(sample: bytes) -> str | None:
    results = charset_normalizer.from_bytes(sample, cp_isolation=list(_DETECTABLE))
    best = results.best()
    if best is None:
        return None
    # Short samples give near-ties between related code pages; within a small margin of the
    # best score, the encoding the web actually uses is the better bet.
    tied = [
        r for r in results
        if r.chaos <= best.chaos + _CHAOS_MARGIN and r.coherence >= best.coherence - _COHERENCE_MARGIN
    ]

    def rank(encoding: str) -> int:
        name = codecs.lookup(encoding).name.replace("-", "_")
        return _WEB_PREFERENCE.index(name) if name in _WEB_PREFERENCE else len(_WEB_PREFERENCE)

    # A match also lists the encodings that decode the sample to the very same text
    # (`could_be_from_charset`): German in cp1250 and cp1252 is identical, for instance.
    candidates = [enc for r in tied for enc in (r.encoding, *r.could_be_from_charset)]
    chosen = min(candidates, key=rank)
    # Map the detector's answer through the browsers' label table too (latin-1 -> cp1252 ...).
    return resolve_encoding(chosen) or chosen


# --- the gate -------------------------------------------------------------------------------

# Signatures of formats a crawler or a user may hand us instead of a page.
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "a PDF document"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"PK\x03\x04", "a ZIP archive (or an Office document)"),
    (b"PK\x05\x06", "a ZIP archive (or an Office document)"),
    (b"\x1f\x8b", "gzip-compressed data"),
    (b"BZh", "bzip2-compressed data"),
    (b"\xfd7zXZ\x00", "xz-compressed data"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "a legacy Office document"),
    (b"\x7fELF", "an executable program"),
    (b"MZ", "a Windows executable"),
    (b"%!PS", "a PostScript document"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"\x00\x00\x01\x00", "an icon image"),
    (b"OggS", "an Ogg media file"),
    (b"fLaC", "a FLAC audio file"),
    (b"ID3", "an MP3 audio file"),
    (b"\x1aE\xdf\xa3", "a Matroska/WebM video"),
    (b"wOFF", "a web font"),
    (b"wOF2", "a web font"),
    (b"SQLite format 3\x00", "an SQLite database"),
)

# One recognisable HTML tag is enough to call the text HTML; bare "<" and ">" (a CSV cell,
# a comparison in plain text) are not.
_HTML_MARKUP = re.compile(
    rb"<(?:!doctype\s+html|/?(?:html|head|body|title|meta|link|script|style|div|span|p|a|"
    rb"br|hr|img|table|tr|td|th|ul|ol|li|h[1-6]|form|input|button|nav|header|footer|main|section|"
    rb"article|aside|iframe|noscript|svg|label|select|option|textarea|strong|em|b|i|u|small|center|"
    rb"font|frameset|frame|base|dl|dt|dd|pre|blockquote|code|figure|picture|source|video|audio|"
    rb"canvas|template)(?=[\s/>]))",
    re.IGNORECASE,
)
# Control bytes that never occur in text (TAB, LF, FF, CR and ESC, used by ISO-2022, are allowed).
_CONTROL = bytes(b for b in range(32) if b not in (9, 10, 12, 13, 27))


def check_html_bytes(body: bytes) -> None:
    """Raise InputError with a one-line reason unless `body` plausibly is an HTML page."""
    if not body or body.isspace():  # isspace stops at the first other byte; strip() would copy the body
        raise InputError("the input is empty" if not body else "the input contains only whitespace")
    head = body[:_CHECK_PREFIX]
    bom_enc, bom = read_bom(head)
    if bom_enc is not None and bom is not None:
        # UTF-16/32 with a BOM is text whose ASCII markup is spread over wider code units.
        ascii_view = head[len(bom):].decode(bom_enc, "replace").encode("utf-8", "replace")
    else:
        for magic, what in _MAGIC:
            if head.startswith(magic):
                raise InputError(f"the input is {what}, not an HTML page")
        if head.startswith(b"RIFF") and head[8:12] in (b"WEBP", b"WAVE", b"AVI "):
            kind = {b"WEBP": "a WebP image", b"WAVE": "a WAV audio file", b"AVI ": "an AVI video"}
            raise InputError(f"the input is {kind[head[8:12]]}, not an HTML page")
        if head[4:8] == b"ftyp":
            raise InputError("the input is an MP4/HEIF media file, not an HTML page")
        utf16 = _utf16_without_bom(head[:_BINARY_PREFIX])
        ascii_view = head.decode(utf16, "replace").encode("utf-8", "replace") if utf16 else head
        if not utf16:
            _refuse_binary(head[:_BINARY_PREFIX])
    if not ascii_view or ascii_view.isspace():
        raise InputError("the input contains only whitespace")
    if _HTML_MARKUP.search(ascii_view) is None:
        raise InputError("the input has no HTML markup (plain text or another format, not an HTML page)")


def _refuse_binary(prefix: bytes) -> None:
    nuls = prefix.count(0)
    if nuls and nuls * 100 >= len(prefix):
        raise InputError("the input is binary data (NUL bytes), not an HTML page")
    controls = len(prefix) - len(prefix.translate(None, _CONTROL))
    if controls * 20 >= len(prefix):
        raise InputError("the input is binary data (control bytes), not an HTML page")
