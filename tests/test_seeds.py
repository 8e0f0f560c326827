"""The strict seeds CSV loader: every bad row reported with its line, whole file refused."""

from __future__ import annotations

import codecs
import csv
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seeds.build_from_sources import build
from seeds.loader import Seed, SeedsError, load_seeds

SEEDS_DIR = Path(__file__).resolve().parents[1] / "seeds"
SHARED_SOURCES = Path(__file__).resolve().parents[1].parent / "shared" / "seeds-sources"

HEADER = "id,country,name,level,url,languages,extra_hosts\n"
GOOD = "ahlen,DEU,Stadt Ahlen,city,https://www.ahlen.de/,de,\n"


def write(tmp_path: Path, text: str | bytes, name: str = "seeds.csv") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def problems_of(path: Path) -> tuple[str, ...]:
    with pytest.raises(SeedsError) as info:
        load_seeds(path)
    return info.value.problems


def test_good_file_loads(tmp_path):
    path = write(
        tmp_path,
        HEADER
        + GOOD
        + "paris,FRA,Ville de Paris,city,https://paris.fr/, fr ; en ,data.paris.fr;OPENDATA.Paris.fr.\n"
        + 'gb,GBR,"GOV.UK, the UK portal",national,https://www.gov.uk/,en,\n',
    )
    seeds = load_seeds(path)
    assert [s.id for s in seeds] == ["ahlen", "paris", "gb"]
    assert seeds[1] == Seed(
        id="paris", country="FRA", name="Ville de Paris", level="city", url="https://paris.fr/",
        languages=("fr", "en"), extra_hosts=("data.paris.fr", "opendata.paris.fr"), source=None,
    )
    assert seeds[2].name == "GOV.UK, the UK portal"
    assert seeds[0].languages == ("de",) and seeds[0].extra_hosts == ()


def test_seed_is_frozen(tmp_path):
    seed = load_seeds(write(tmp_path, HEADER + GOOD))[0]
    with pytest.raises(AttributeError):
        seed.url = "https://elsewhere.example/"  # type: ignore[misc]


def test_minimal_columns_bom_whitespace_and_blank_lines(tmp_path):
    text = " ID , Country,name ,level,url \n\n ahlen , DEU ,Stadt Ahlen, city ,https://www.ahlen.de/ \n   \n"
    seeds = load_seeds(write(tmp_path, codecs.BOM_UTF8 + text.encode()))
    assert len(seeds) == 1
    assert seeds[0].id == "ahlen" and seeds[0].level == "city" and seeds[0].url == "https://www.ahlen.de/"


def test_source_and_notes_columns_allowed(tmp_path):
    path = write(tmp_path, "id,country,name,level,url,source,notes\n"
                 "x,DEU,X,regional,http://127.0.0.1:8001/,registry.csv@abc,checked by hand\n")
    seed = load_seeds(path)[0]
    assert seed.source == "registry.csv@abc" and seed.level == "regional"


def test_missing_file(tmp_path):
    missing = tmp_path / "nope.csv"
    with pytest.raises(SeedsError, match="no such file") as info:
        load_seeds(missing)
    assert str(missing) in str(info.value)


def test_directory_refused(tmp_path):
    with pytest.raises(SeedsError, match="directory"):
        load_seeds(tmp_path)


@pytest.mark.parametrize("content", ["", "   \n\n", "\ufeff"])
def test_empty_file(tmp_path, content):
    with pytest.raises(SeedsError, match="empty"):
        load_seeds(write(tmp_path, content))


def test_header_only(tmp_path):
    assert problems_of(write(tmp_path, HEADER)) == ("line 1: the file has a header but no seed rows",)


def test_not_utf8_reports_each_line(tmp_path):
    body = (HEADER + GOOD).encode() + "zurich,CHE,Zürich,city,https://www.stadt-zuerich.ch/,de,\n".encode("latin-1")
    body += b"wien,AUT,Wien,city,https://www.wien.gv.at/,de,\n" + "x,FRA,Orléans,city,https://orleans.fr/,fr,\n".encode("cp1252")
    problems = problems_of(write(tmp_path, body))
    assert len(problems) == 2
    assert problems[0].startswith("line 3: not UTF-8")
    assert problems[1].startswith("line 5: not UTF-8")


def test_missing_required_columns(tmp_path):
    problems = problems_of(write(tmp_path, "id,name,url\na,A,https://a.example/\n"))
    assert problems == ("line 1: missing required column(s): country, level",)


def test_unknown_and_repeated_columns(tmp_path):
    problems = problems_of(write(tmp_path, "id,country,name,level,url,website,,url\n"))
    assert any(p.startswith("line 1: unknown column(s): website, (empty name)") for p in problems)
    assert "line 1: column(s) given twice: url" in problems


def test_every_bad_row_is_listed_with_its_line(tmp_path):
    rows = [
        HEADER,
        GOOD,                                                              # line 2: fine
        "dup,DEU,A,city,https://a.example/,,\n",                           # line 3: fine
        ",DEU,,city,https://b.example/,,\n",                               # line 4: empty id, name
        "DUP,DEU,B,city,https://c.example/,,\n",                           # line 5: duplicate id
        "c,DEU,C,city,ftp://c.example/,,\n",                               # line 6: scheme
        "d,DEU,D,city,https:///nohost,,\n",                                # line 7: no host
        "e,DEU,E,city,www.example.org,,\n",                                # line 8: no scheme
        "f,DEU,F,city,https://f.example/,EN;deu,\n",                       # line 9: languages
        "g,DEU,G,city,https://g.example/,de,https://data.g.example/\n",    # line 10: host is a URL
        "h,DEU,H,city,https://h.example/,de,bad_host!.example\n",          # line 11: host chars
        "i,DEU,I,city,https://i.example/,xx,\n",                           # line 12: not ISO 639-1
        "j,DEU,J,city\n",                                                  # line 13: too few fields
        "k,DEU,K,city,https://k.example:99999/,,\n",                       # line 14: port
        "l,DEU,L,city,https://exa mple.org/,,\n",                          # line 15: whitespace
        '"m\nn",DEU,M,city,https://m.example/,,\n',                        # lines 16-17: control char
        "o,DEU,O,city,https://o.example/,,,extra\n",                       # line 18: too many fields
    ]
    problems = problems_of(write(tmp_path, "".join(rows)))
    lines = [int(p.split(":")[0].removeprefix("line ")) for p in problems]
    assert lines == [4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 18]
    text = "\n".join(problems)
    assert "line 4: empty required field(s): id, name" in text
    assert "line 5: duplicate id 'DUP' (first used on line 3)" in text
    assert "line 6: bad url 'ftp://c.example/': must start with http:// or https://" in text
    assert "line 7: bad url 'https:///nohost': has no host" in text
    assert "line 9: bad language code(s) 'EN', 'deu'" in text
    assert "line 10: bad extra host 'https://data.g.example/'" in text
    assert "line 11: bad extra host 'bad_host!.example'" in text
    assert "line 12: bad language code(s) 'xx'" in text
    assert "line 13: expected 7 fields, found 4" in text
    assert "line 14: bad url" in text and "port" in text
    assert "line 15: bad url 'https://exa mple.org/': contains whitespace" in text
    assert "line 16: id contains control characters" in text
    assert "line 18: expected 7 fields, found 8" in text


def test_error_message_lists_every_problem(tmp_path):
    path = write(tmp_path, HEADER + "a,DEU,A,city,nope,,\nb,DEU,B,city,nope,,\n")
    with pytest.raises(SeedsError) as info:
        load_seeds(path)
    message = str(info.value)
    assert message.splitlines()[0] == f"{path}: 2 problems"
    assert "line 2:" in message and "line 3:" in message


def test_unterminated_quote_is_reported(tmp_path):
    problems = problems_of(write(tmp_path, HEADER + GOOD + 'b,DEU,"unterminated,city,https://b.example/,,\n'))
    assert problems and problems[0].startswith("line 3:")


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8001/", "https://[::1]:8443/", "https://münchen.de/", "https://a-b.example.org/x?y=1"]
)
def test_accepted_urls(tmp_path, url):
    assert load_seeds(write(tmp_path, HEADER + f"x,DEU,X,city,{url},,\n"))[0].url == url


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "https://-bad-.example/", "http://", "https://a..b/", "http://999.1.1.1/"]
)
def test_refused_urls(tmp_path, url):
    problems = problems_of(write(tmp_path, HEADER + f"x,DEU,X,city,{url},,\n"))
    assert problems[0].startswith("line 2: bad url")


@pytest.mark.parametrize("name", ["national.csv", "cities.csv"])
def test_shipped_lists_load(name):
    seeds = load_seeds(SEEDS_DIR / name)
    assert len(seeds) >= 80
    assert all(s.source for s in seeds), "every shipped seed keeps its source"
    assert {s.level for s in seeds} == {"national" if name == "national.csv" else "city"}
    assert len({s.country for s in seeds}) == len(seeds) or name == "cities.csv"


def test_national_list_covers_all_member_states():
    seeds = load_seeds(SEEDS_DIR / "national.csv")
    assert len(seeds) == 193
    assert len({s.country for s in seeds}) == 193


@pytest.mark.skipif(not SHARED_SOURCES.is_dir(), reason="shared seeds-sources not beside the clone")
def test_build_reproduces_shipped_lists(tmp_path):
    written = build(SHARED_SOURCES, tmp_path)
    assert written == {"national.csv": 193, "cities.csv": 86}
    for name in written:
        assert (tmp_path / name).read_bytes() == (SEEDS_DIR / name).read_bytes()
        with open(tmp_path / name, encoding="utf-8", newline="") as fh:
            assert "source" in next(csv.reader(fh))


def test_duplicate_reported_alongside_other_problems(tmp_path):
    problems = problems_of(write(tmp_path, HEADER + GOOD + "ahlen,DEU,Again,city,ftp://x.example/,EN,\n"))
    assert len(problems) == 1
    assert problems[0].startswith("line 3: duplicate id 'ahlen' (first used on line 2); bad url")
    assert "bad language code(s) 'EN'" in problems[0]




_TOKENS = st.sampled_from([*'ab,;:/."\n\r\t \x00é', "https://", "a.example", "de", "id,country,name,level,url\n"])


@settings(max_examples=200, deadline=None)
@given(tokens=st.lists(_TOKENS, max_size=60))
def test_any_text_loads_or_is_refused_cleanly(tmp_path_factory, tokens):
    path = tmp_path_factory.mktemp("fuzz") / "seeds.csv"
    path.write_text("".join(tokens), encoding="utf-8")
    try:
        seeds = load_seeds(path)
    except SeedsError as exc:
        assert exc.problems and all(p for p in exc.problems)
    else:
        assert seeds and all(s.id and s.url.startswith(("http://", "https://")) for s in seeds)
