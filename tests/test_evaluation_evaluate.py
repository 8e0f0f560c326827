"""Corpus evaluation with an injected fake detector: scoring, crashes as misses, text/JSON/error output."""

from __future__ import annotations

import json
import re
from pathlib import Path

from detectors.model import INDICATORS, Evidence, IndicatorResult, Page, PageResult
from evaluation import evaluate as ev
from evaluation.corpus import load_corpus

HEADER = "file,language,url_if_known," + ",".join(INDICATORS) + ",notes"


def fake_page(url: str, body: bytes) -> Page:
    return Page(url=url, html=body.decode("utf-8"))


def fake_detect(page: Page) -> PageResult:
    """Says present for every indicator named in a `fires:` marker; raises on `boom`."""
    if "boom" in page.html:
        raise RuntimeError("detector exploded\nsecond line")
    fired = set(re.findall(r"fires:(\w+)", page.html))
    return PageResult(
        url=page.url,
        language=None,
        indicators={
            i: IndicatorResult(
                i, i in fired, 0.9 if i in fired else 0.1,
                (Evidence(i, f"{i}.marker", f"fires:{i}", "body > p", None, 1.0),) if i in fired else (),
            )
            for i in INDICATORS
        },
    )


def labels(*present: str) -> str:
    return ",".join("1" if i in present else "0" for i in INDICATORS)


def make_corpus(root: Path) -> Path:
    pages = {
        # true positive mobile_app, false positive open_data
        "tp.html": ("fires:mobile_app fires:open_data", labels("mobile_app"), "https://example.org/tp"),
        # false negative contact_info
        "fn.html": ("nothing here", labels("contact_info"), ""),
        # crash: a miss for every indicator, including the labelled one
        "crash.html": ("boom", labels("search_function"), ""),
    }
    (root / "pages").mkdir(parents=True)
    rows = []
    for name, (text, label_cells, url) in pages.items():
        (root / "pages" / name).write_text(f"<p>{text}</p>", encoding="utf-8")
        rows.append(f"{name},en,{url},{label_cells},note for {name}")
    (root / "manifest.csv").write_text(HEADER + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return root


def test_evaluate_corpus_scores_and_counts_crash_as_miss(tmp_path):
    corpus = load_corpus(make_corpus(tmp_path))
    result = ev.evaluate_corpus(corpus, fake_detect, fake_page)
    card = result.scorecard.indicators
    assert (card["mobile_app"].tp, card["mobile_app"].tn) == (1, 2)
    assert card["open_data"].fp == 1
    assert card["contact_info"].fn == 1
    assert card["search_function"].fn == 1  # the crashed page's only positive
    assert all(c.n == 3 for c in card.values())
    [crash] = result.crashes
    assert crash.page.file == "crash.html" and crash.error == "RuntimeError: detector exploded"
    kinds = {(m.kind, m.indicator, m.outcome.page.file) for m in result.mistakes()}
    assert kinds == {
        ("FP", "open_data", "tp.html"), ("FN", "contact_info", "fn.html"), ("FN", "search_function", "crash.html"),
    }


def test_page_url_is_the_known_url_or_a_file_uri(tmp_path):
    seen: list[str] = []

    def spy(url: str, body: bytes) -> Page:
        seen.append(url)
        return fake_page(url, body)

    corpus = load_corpus(make_corpus(tmp_path))
    ev.evaluate_corpus(corpus, fake_detect, spy)
    assert seen[0] == "https://example.org/tp"
    assert seen[1] == (tmp_path / "pages" / "fn.html").resolve().as_uri()


def test_text_output_with_errors(tmp_path, capsys):
    assert ev.main([str(make_corpus(tmp_path)), "--errors"], fake_detect, fake_page) == 0
    out = capsys.readouterr().out
    assert f"corpus {tmp_path.name}: 3 pages" in out and "1 crashed" in out
    assert re.search(r"\* mobile_app\s+1\s+0\s+0\s+2\s+1\.000\s+1\.000\s+1\.000", out)
    assert re.search(r"  privacy_policy\s+0\s+0\s+0\s+3\s+-\s+-\s+-", out)
    assert "macro-F1 0.250 over 4 of 9 indicators" in out  # mobile 1, open_data 0, contact 0, search 0
    assert "CRASH crash.html: RuntimeError: detector exploded" in out
    assert "FP open_data" in out and "tp.html conf=0.90  open_data.marker [fires:open_data]" in out
    assert "FN contact_info" in out and "fn.html conf=0.10  no evidence  notes: note for fn.html" in out


def test_json_output(tmp_path, capsys):
    assert ev.main([str(make_corpus(tmp_path)), "--format", "json", "--errors"], fake_detect, fake_page) == 0
    data = json.loads(capsys.readouterr().out)
    [corpus] = data["corpora"]
    assert corpus["pages"] == 3
    assert corpus["indicators"]["mobile_app"] == {
        "n": 3, "tp": 1, "fp": 0, "fn": 0, "tn": 2, "precision": 1.0, "recall": 1.0, "f1": 1.0,
    }
    assert corpus["macro_f1"] == 0.25
    assert corpus["crashes"] == [{"file": "crash.html", "error": "RuntimeError: detector exploded"}]
    fp = next(e for e in corpus["errors"] if e["kind"] == "FP")
    assert fp["rules"] == [{"rule": "open_data.marker", "snippet": "fires:open_data", "target_url": None}]


def test_bad_corpus_exits_2_listing_problems(tmp_path, capsys):
    make_corpus(tmp_path)
    (tmp_path / "pages" / "fn.html").unlink()
    assert ev.main([str(tmp_path)], fake_detect, fake_page) == 2
    err = capsys.readouterr().err
    assert "1 problem(s)" in err and "line 3: file 'fn.html' does not exist in pages/" in err
    assert ev.main([str(tmp_path / "absent")], fake_detect, fake_page) == 2
    assert "no such manifest file" in capsys.readouterr().err


def test_default_corpora_are_found_relative_to_the_repository():
    assert Path(ev.__file__).resolve().parents[1] / "tests" / "corpus" == ev.FIXTURE_CORPUS
    assert ev.SHARED_CORPUS.parts[-2:] == ("shared", "realworld")
    assert ev.FIXTURE_CORPUS in ev.default_corpus_dirs()
