"""Decoding page bytes like a browser, and refusing bytes that are not an HTML page."""

from __future__ import annotations

import codecs
import gzip
import io
import time
import zipfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detectors.encoding import check_html_bytes, decode_html
from detectors.errors import InputError


def page(body_text: str, head: str = "") -> str:
    return f"<!DOCTYPE html><html><head>{head}<title>t</title></head><body><p>{body_text}</p></body></html>"


def same_codec(name: str, expected: str) -> bool:
    return codecs.lookup(name).name == codecs.lookup(expected).name


RUSSIAN = "Привет мир. Портал государственных услуг: запись к врачу, налоги, обращения граждан."
ARABIC = "مرحبا بكم في البوابة الحكومية. الخدمات الإلكترونية، اتصل بنا، سياسة الخصوصية."
CHINESE = "北京市人民政府门户网站：在线服务、政务公开、联系我们、隐私政策。"
FRENCH = "Déclaration d’accessibilité : la mairie s’engage à rendre son site conforme — état « partiel »."


def test_windows_1251_declared_only_in_meta():
    html = page(RUSSIAN, '<meta charset="windows-1251">')
    text, enc = decode_html(html.encode("cp1251"))
    assert RUSSIAN in text
    assert same_codec(enc, "cp1251")


def test_windows_1251_in_http_equiv_meta():
    html = page(RUSSIAN, '<meta http-equiv="Content-Type" content="text/html; charset=windows-1251">')
    text, enc = decode_html(html.encode("cp1251"))
    assert RUSSIAN in text and same_codec(enc, "cp1251")


def test_windows_1251_undeclared_is_detected():
    text, enc = decode_html(page(RUSSIAN * 3).encode("cp1251"))
    assert RUSSIAN in text and same_codec(enc, "cp1251")


def test_windows_1256_declared_and_detected():
    declared = page(ARABIC, '<meta charset="windows-1256">').encode("cp1256")
    text, enc = decode_html(declared)
    assert ARABIC in text and same_codec(enc, "cp1256")
    text, enc = decode_html(page(ARABIC * 3).encode("cp1256"))
    assert ARABIC in text and same_codec(enc, "cp1256")


def test_iso_8859_1_label_means_windows_1252():
    # Browsers read iso-8859-1 as windows-1252: the curly apostrophe (0x92) and the dash (0x97)
    # only exist in the latter.
    body = page(FRENCH, '<meta charset="iso-8859-1">').encode("cp1252")
    text, enc = decode_html(body)
    assert FRENCH in text
    assert same_codec(enc, "cp1252")


def test_latin1_from_header_too():
    body = page(FRENCH).encode("cp1252")
    text, enc = decode_html(body, "text/html; charset=ISO-8859-1")
    assert FRENCH in text and same_codec(enc, "cp1252")


@pytest.mark.parametrize("label", ["gb2312", "GBK", "gb18030"])
def test_chinese_labels_mean_gb18030(label):
    body = page(CHINESE, f'<meta charset="{label}">').encode("gb18030")
    text, enc = decode_html(body)
    assert CHINESE in text
    assert same_codec(enc, "gb18030")


def test_gb18030_undeclared_is_detected():
    text, enc = decode_html(page(CHINESE * 2).encode("gb18030"))
    assert CHINESE in text and same_codec(enc, "gb18030")


def test_utf8_bom_wins_over_meta_and_header():
    body = codecs.BOM_UTF8 + page(FRENCH, '<meta charset="windows-1251">').encode("utf-8")
    text, enc = decode_html(body, "text/html; charset=windows-1251")
    assert FRENCH in text
    assert same_codec(enc, "utf-8")
    assert not text.startswith("\ufeff")


@pytest.mark.parametrize("codec,bom", [("utf-16-le", codecs.BOM_UTF16_LE), ("utf-16-be", codecs.BOM_UTF16_BE)])
def test_utf16_with_bom(codec, bom):
    body = bom + page(RUSSIAN).encode(codec)
    check_html_bytes(body)
    text, enc = decode_html(body)
    assert RUSSIAN in text
    assert same_codec(enc, codec)


def test_utf16_without_bom_is_recognised():
    body = page(FRENCH).encode("utf-16-le")
    check_html_bytes(body)
    text, _ = decode_html(body)
    assert FRENCH in text


def test_meta_claiming_utf16_on_ascii_bytes_means_utf8():
    body = page(FRENCH, '<meta charset="utf-16">').encode("utf-8")
    text, enc = decode_html(body)
    assert FRENCH in text and same_codec(enc, "utf-8")


def test_header_charset_beats_meta():
    body = page(RUSSIAN, '<meta charset="iso-8859-5">').encode("cp1251")
    text, enc = decode_html(body, "text/html; charset=windows-1251")
    assert RUSSIAN in text and same_codec(enc, "cp1251")


def test_unknown_header_charset_falls_back_to_meta():
    body = page(RUSSIAN, '<meta charset="windows-1251">').encode("cp1251")
    text, enc = decode_html(body, "text/html; charset=no-such-encoding")
    assert RUSSIAN in text and same_codec(enc, "cp1251")


def test_meta_inside_comment_is_ignored():
    body = page(RUSSIAN, '<!-- <meta charset="iso-8859-5"> --><meta charset="windows-1251">').encode("cp1251")
    text, enc = decode_html(body)
    assert RUSSIAN in text and same_codec(enc, "cp1251")


def test_undeclared_utf8_is_utf8():
    text, enc = decode_html(page(FRENCH + CHINESE).encode("utf-8"))
    assert FRENCH in text and CHINESE in text and same_codec(enc, "utf-8")


def test_utf8_with_a_few_stray_bytes_stays_utf8():
    body = page(FRENCH * 5).encode("utf-8").replace(b"</p>", b"\xe9\xff</p>")
    text, enc = decode_html(body)
    assert same_codec(enc, "utf-8")
    assert FRENCH in text and "\ufffd" in text


def test_utf8_cut_inside_a_character_stays_utf8():
    body = page(RUSSIAN * 3).encode("utf-8") + "ж".encode()[:1]
    text, enc = decode_html(body)
    assert same_codec(enc, "utf-8") and RUSSIAN in text


def test_invalid_bytes_are_replaced_not_raised():
    body = b'<html><head><meta charset="utf-8"></head><body>ok \xff\xfe\xc3( \xed\xa0\x80 end</body></html>'
    text, enc = decode_html(body)
    assert same_codec(enc, "utf-8")
    assert "ok" in text and "end" in text and "\ufffd" in text


def test_invalid_gb18030_bytes_are_replaced():
    body = page("x", '<meta charset="gb18030">').encode("ascii").replace(b"x", b"\x81\x20\xff")
    text, _ = decode_html(body)
    assert "\ufffd" in text


def test_utf7_declaration_is_not_obeyed():
    # UTF-7 would turn inert ASCII into live markup; browsers dropped it and so do we.
    body = b'<html><head><meta charset="utf-7"></head><body>+ADw-script+AD4-</body></html>'
    text, enc = decode_html(body)
    assert "<script>" not in text
    assert not same_codec(enc, "utf-7")


def test_empty_bytes_decode_to_empty_text():
    assert decode_html(b"")[0] == ""


# --- the gate ---------------------------------------------------------------------------------


def test_plain_html_passes():
    check_html_bytes(page("hello").encode())
    check_html_bytes(b"<p>fragment without a document</p>")
    check_html_bytes(b"\n\n   <HTML><BODY>upper case</BODY></HTML>")


@pytest.mark.parametrize("body,reason", [(b"", "empty"), (b" \r\n\t ", "whitespace")])
def test_empty_and_whitespace_refused(body, reason):
    with pytest.raises(InputError, match=reason):
        check_html_bytes(body)


def _zip_bytes() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("word/document.xml", "<w:document/>")
    return buf.getvalue()


@pytest.mark.parametrize(
    "body,what",
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj <</Type /Catalog>> endobj <html>", "PDF"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "PNG"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "JPEG"),
        (b"GIF89a\x01\x00\x01\x00\x80\x00\x00", "GIF"),
        (b"RIFF\x24\x00\x00\x00WEBPVP8 ", "WebP"),
        (_zip_bytes(), "ZIP"),
        (gzip.compress(b"<html><body>compressed</body></html>"), "gzip"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, "Office"),
    ],
)
def test_binary_formats_refused(body, what):
    with pytest.raises(InputError, match=what) as info:
        check_html_bytes(body)
    assert "\n" not in str(info.value)


def test_nul_heavy_content_refused():
    body = b"<html>" + bytes([0, 1, 2, 3, 0, 0, 0, 200, 0, 17]) * 500
    with pytest.raises(InputError, match="binary"):
        check_html_bytes(body)


def test_random_control_bytes_refused():
    body = bytes(range(1, 9)) * 200 + b"<html></html>"
    with pytest.raises(InputError, match="binary"):
        check_html_bytes(body)


@pytest.mark.parametrize(
    "body",
    [
        b"id,name,url\n1,City hall,https://example.org/\n2,a < b,c > d\n",
        "Simple plain text file.\nNothing to see, no markup, only words: éàü.\n".encode(),
        b'{"html": false, "list": [1, 2, 3]}',
        b'<?xml version="1.0"?><rss version="2.0"><channel><item/></channel></rss>',
    ],
)
def test_text_without_html_markup_refused(body):
    with pytest.raises(InputError, match="no HTML markup"):
        check_html_bytes(body)


def test_legacy_encoded_html_passes_the_gate():
    check_html_bytes(page(RUSSIAN, '<meta charset="windows-1251">').encode("cp1251"))
    check_html_bytes(page(CHINESE).encode("gb18030"))
    check_html_bytes(page("x").encode("iso2022_jp"))


def test_twenty_megabyte_page_passes_and_decodes_fast():
    block = '<div class="item"><p>Grüße aus München — Bürgerservice, Öffnungszeiten</p></div>\n'
    utf8 = ("<html><head><title>big</title></head><body>" + block * 260_000 + "</body></html>").encode()
    legacy = ("<html><body>" + block * 260_000 + "</body></html>").encode("cp1252")
    assert len(utf8) > 20_000_000
    for body, expected in ((utf8, "utf-8"), (legacy, "cp1252")):
        start = time.perf_counter()
        check_html_bytes(body)
        text, enc = decode_html(body)
        elapsed = time.perf_counter() - start
        assert same_codec(enc, expected)
        assert text.count("München") == 260_000
        # Loose bound: measured about 0.1 s; a quadratic slip would take minutes.
        assert elapsed < 5.0


# --- building pages from bytes and files ---------------------------------------------------------


def test_page_from_bytes_uses_header_case_insensitively():
    from detectors.pageio import page_from_bytes

    body = page(RUSSIAN).encode("cp1251")
    result = page_from_bytes("https://example.org/", body, {"CONTENT-TYPE": "text/html; charset=windows-1251"},
                             language="ru", rendered=True)
    assert RUSSIAN in result.html
    assert same_codec(result.encoding, "cp1251")
    assert result.language == "ru" and result.rendered is True
    assert result.headers["content-type"].startswith("text/html")


def test_page_from_bytes_accepts_scrapy_style_bytes_headers():
    from detectors.pageio import page_from_bytes

    body = page(ARABIC).encode("cp1256")
    result = page_from_bytes("https://example.org/", body, {b"Content-Type": [b"text/html; charset=windows-1256"]})
    assert ARABIC in result.html and same_codec(result.encoding, "cp1256")


def test_page_from_bytes_refuses_binary():
    from detectors.pageio import page_from_bytes

    with pytest.raises(InputError, match="PDF"):
        page_from_bytes("https://example.org/a.pdf", b"%PDF-1.4\n...")


def test_read_page_file_decodes_and_defaults_to_file_uri(tmp_path):
    from detectors.pageio import read_page_file

    f = tmp_path / "seite.html"
    f.write_bytes(page(RUSSIAN, '<meta charset="windows-1251">').encode("cp1251"))
    result = read_page_file(f)
    assert RUSSIAN in result.html
    assert result.url == f.resolve().as_uri() and result.url.startswith("file://")
    assert read_page_file(str(f), url="https://example.org/x").url == "https://example.org/x"


@pytest.mark.parametrize(
    "make,reason",
    [
        (lambda d: d / "missing.html", "no such file"),
        (lambda d: d, "directory"),
        (lambda d: _write(d / "empty.html", b""), "empty"),
        (lambda d: _write(d / "doc.pdf", b"%PDF-1.5\n%binary"), "PDF"),
        (lambda d: _write(d / "data.csv", b"a,b\n1,2\n"), "no HTML markup"),
    ],
)
def test_read_page_file_errors_name_the_file(tmp_path, make, reason):
    from detectors.pageio import read_page_file

    target = make(tmp_path)
    with pytest.raises(InputError, match=reason) as info:
        read_page_file(target)
    message = str(info.value)
    assert str(target) in message and "\n" not in message


def test_read_page_file_unreadable(tmp_path, monkeypatch):
    from pathlib import Path

    from detectors.pageio import read_page_file

    f = _write(tmp_path / "locked.html", b"<html></html>")

    def deny(self):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "read_bytes", deny)
    with pytest.raises(InputError, match="Permission denied") as info:
        read_page_file(f)
    assert str(f) in str(info.value)


def test_read_page_file_not_regular(tmp_path):
    import os

    from detectors.pageio import read_page_file

    fifo = tmp_path / "pipe.html"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="not a regular file"):
        read_page_file(fifo)


def _write(path, data: bytes):
    path.write_bytes(data)
    return path


# --- any bytes at all: a result or an InputError, nothing else ------------------------------------


_PREFIXES = st.sampled_from([b"", b"<html><head><meta charset=", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff",
                             b"<!doctype html><p>", b"%PDF", b"\x00<"])


@settings(max_examples=300, deadline=None)
@given(prefix=_PREFIXES, body=st.binary(max_size=600), header=st.none() | st.text(max_size=40))
def test_any_bytes_decode_or_refuse_cleanly(prefix, body, header):
    data = prefix + body
    try:
        check_html_bytes(data)
    except InputError as exc:
        assert str(exc) and "\n" not in str(exc)
    text, enc = decode_html(data, header)
    assert isinstance(text, str)
    codecs.lookup(enc)
