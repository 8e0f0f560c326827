"""Loading a labelled corpus: the shared manifest format, aliases, and loud validation with line numbers."""

from __future__ import annotations

from pathlib import Path

import pytest

from detectors.model import INDICATORS
from evaluation.corpus import CorpusError, corpus_digest, label_aliases, load_corpus

# The shared corpus spells the first indicator "eparticipation".
HEADER = "file,language,url_if_known,eparticipation," + ",".join(INDICATORS[1:]) + ",notes"


def write_corpus(root: Path, rows: list[str], header: str = HEADER, pages: dict[str, bytes] | None = None) -> Path:
    (root / "pages").mkdir(parents=True, exist_ok=True)
    for name, body in (pages or {}).items():
        (root / "pages" / name).write_bytes(body)
    (root / "manifest.csv").write_text(header + "\n" + "".join(r + "\n" for r in rows), encoding="utf-8")
    return root


def row(file: str, labels: str = "0,0,0,0,0,0,0,0,0", lang: str = "en", url: str = "", notes: str = "") -> str:
    return f"{file},{lang},{url},{labels},{notes}"


def test_loads_rows_with_alias_url_and_notes(tmp_path):
    write_corpus(
        tmp_path,
        [row("a.html", "1,0,0,0,0,1,0,0,0", url="https://example.org/a", notes='"decoy, see ""x"""'),
         row("b.html", lang="fr")],
        pages={"a.html": b"<p>a</p>", "b.html": b"<p>b</p>"},
    )
    corpus = load_corpus(tmp_path)
    assert len(corpus) == 2 and corpus.name == tmp_path.name
    a, b = corpus.pages
    assert a.labels["e_participation"] is True and a.labels["contact_info"] is True
    assert sum(a.labels.values()) == 2
    assert a.url == "https://example.org/a" and a.uri() == "https://example.org/a"
    assert a.notes == 'decoy, see "x"' and a.line == 2
    assert b.url is None and b.uri().startswith("file://") and b.uri().endswith("/pages/b.html")
    assert b.language == "fr"


def test_aliases_come_from_the_indicator_catalogue():
    aliases = label_aliases()
    assert aliases["eparticipation"] == "e_participation"
    assert all(aliases[i] == i for i in INDICATORS)


def test_accepts_the_manifest_path_and_a_flat_layout(tmp_path):
    (tmp_path / "p.html").write_bytes(b"<p>x</p>")
    (tmp_path / "manifest.csv").write_text(HEADER + "\n" + row("p.html") + "\n", encoding="utf-8")
    assert load_corpus(tmp_path / "manifest.csv").pages[0].path == tmp_path / "p.html"


def test_every_problem_is_reported_with_its_line(tmp_path):
    write_corpus(
        tmp_path,
        [
            row("a.html"),
            row("a.html"),  # duplicate
            row("missing.html"),
            row("c.html", "1,0,0,yes,0,0,0,0,2"),
            row("../escape.html"),
            row("", lang=""),
            "d.html,en",
        ],
        pages={"a.html": b"x", "c.html": b"x"},
    )
    with pytest.raises(CorpusError) as info:
        load_corpus(tmp_path)
    problems = info.value.problems
    assert "line 3: duplicate file 'a.html' (first on line 2)" in problems
    assert "line 4: file 'missing.html' does not exist in pages/" in problems
    assert "line 5: label 'mobile_app' is 'yes', expected 0 or 1" in problems
    assert "line 5: label 'social_media' is '2', expected 0 or 1" in problems
    assert any(p.startswith("line 6: file '../escape.html' must be a plain relative path") for p in problems)
    assert "line 7: empty file name" in problems and "line 7: empty language" in problems
    assert "line 8: 2 fields, the header has 13" in problems


def test_line_numbers_follow_multiline_quoted_fields(tmp_path):
    write_corpus(tmp_path, [row("a.html", notes='"two\nlines"'), row("gone.html")], pages={"a.html": b"x"})
    with pytest.raises(CorpusError) as info:
        load_corpus(tmp_path)
    assert info.value.problems == ["line 4: file 'gone.html' does not exist in pages/"]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("file,language," + ",".join(INDICATORS[:-1]), "line 1: missing column(s): social_media"),
        ("file," + ",".join(INDICATORS), "line 1: missing column(s): language"),
        ("file,language,eparticipation,e_participation," + ",".join(INDICATORS[1:]),
         "line 1: column 'e_participation' duplicates column 'eparticipation'"),
    ],
)
def test_bad_headers(tmp_path, header, expected):
    write_corpus(tmp_path, [], header=header)
    with pytest.raises(CorpusError) as info:
        load_corpus(tmp_path)
    assert expected in info.value.problems


def test_missing_empty_and_non_utf8_manifests(tmp_path):
    with pytest.raises(CorpusError, match="no such manifest file"):
        load_corpus(tmp_path / "nowhere")
    write_corpus(tmp_path, [])
    with pytest.raises(CorpusError, match="no labelled pages"):
        load_corpus(tmp_path)
    (tmp_path / "manifest.csv").write_bytes(b"")
    with pytest.raises(CorpusError, match="line 1: empty manifest"):
        load_corpus(tmp_path)
    (tmp_path / "manifest.csv").write_bytes(b"file,language\n\xff\xfe\xfa\n")
    with pytest.raises(CorpusError, match="not UTF-8"):
        load_corpus(tmp_path)


def test_digest_changes_with_any_label_or_page_byte(tmp_path):
    write_corpus(tmp_path, [row("a.html")], pages={"a.html": b"<p>a</p>"})
    first = corpus_digest(load_corpus(tmp_path))
    assert first == corpus_digest(load_corpus(tmp_path))
    (tmp_path / "pages" / "a.html").write_bytes(b"<p>b</p>")
    second = corpus_digest(load_corpus(tmp_path))
    write_corpus(tmp_path, [row("a.html", "0,0,0,0,0,0,0,0,1")])
    third = corpus_digest(load_corpus(tmp_path))
    assert len({first, second, third}) == 3
