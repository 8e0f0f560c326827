"""`portal-evidence decisions import`: a strict answer-key validator, all-or-nothing writes."""

from __future__ import annotations

from click.testing import CliRunner

from portal_evidence.cli import cli
from review.testing import decision_count, demo_database
from review.validation import review_truth


def run(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_good_file_is_appended(tmp_path):
    engine, url = demo_database(tmp_path, portals=3)
    key = tmp_path / "key.csv"
    key.write_text(
        "\ufeffportal,indicator,present,assessor,note\n"
        "fr-nat-000,open_data,1,,\n"
        "fr-nat-000,eparticipation,no,,alias of e_participation\n"
        "sy-cit-001,mobile_app,present,ana,\n"
        "sy-cit-001,mobile_app,absent,ben,\n"
        "\n"
        "ru-cit-002,privacy_policy,unsure,,\n",
        encoding="utf-8",
    )
    result = run("decisions", "import", str(key), "--db", url)
    assert result.exit_code == 0, result.output
    assert "imported 5 decisions (3 final, 2 assessments)" in result.output
    truth, excluded, _rows = review_truth(engine)
    assert truth == {
        ("fr-nat-000", "open_data"): "present",
        ("fr-nat-000", "e_participation"): "absent",
        ("ru-cit-002", "privacy_policy"): "unsure",
    }
    assert excluded == {"unsure": 0, "disagreement": 1}
    # Importing again appends (history), it does not replace.
    assert run("decisions", "import", str(key), "--db", url).exit_code == 0
    assert decision_count(engine) == 10


def test_every_bad_row_is_reported_and_nothing_is_written(tmp_path):
    engine, url = demo_database(tmp_path, portals=3)
    key = tmp_path / "bad.csv"
    key.write_text(
        "portal,indicator,present\n"
        "fr-nat-000,open_data,1\n"  # fine, but the file is refused as a whole
        "nope,open_data,1\n"
        "fr-nat-000,open_dat,1\n"
        "fr-nat-000,mobile_app,2\n"
        "fr-nat-000,mobile_app\n"
        "fr-nat-000,open_data,0\n",
        encoding="utf-8",
    )
    result = run("decisions", "import", str(key), "--db", url)
    assert result.exit_code == 2
    for expected in (
        "line 3: unknown portal 'nope'",
        "line 4: unknown indicator 'open_dat'",
        "line 5: present must be",
        "line 6: 2 fields, the header has 3",
        "line 7: repeats fr-nat-000,open_data of line 2",
        "refused, 5 problem(s); nothing imported",
    ):
        assert expected in result.output
    assert "Traceback" not in result.output
    assert decision_count(engine) == 0


def test_bad_files(tmp_path):
    engine, url = demo_database(tmp_path, portals=1)
    cases = {
        "empty.csv": (b"", "empty file"),
        "header.csv": (b"portal,indicator\n", "missing column(s) present"),
        "latin1.csv": ("portal,indicator,present,note\nfr-nat-000,open_data,1,café\n".encode("latin-1"), "not UTF-8"),
        "binary.csv": (b"\x00\x01\x02", "not a text file"),
        "norows.csv": (b"portal,indicator,present\n", "no rows"),
    }
    for name, (content, message) in cases.items():
        path = tmp_path / name
        path.write_bytes(content)
        result = run("decisions", "import", str(path), "--db", url)
        assert result.exit_code == 2, name
        assert message in result.output, (name, result.output)
    missing = run("decisions", "import", str(tmp_path / "missing.csv"), "--db", url)
    assert missing.exit_code == 2 and "cannot read the file" in missing.output
    assert decision_count(engine) == 0


def test_unknown_portals_can_be_allowed(tmp_path):
    engine, url = demo_database(tmp_path, portals=1)
    key = tmp_path / "key.csv"
    key.write_text("portal,indicator,present\nheld-out,open_data,1\n", encoding="utf-8")
    assert run("decisions", "import", str(key), "--db", url).exit_code == 2
    assert run("decisions", "import", str(key), "--db", url, "--allow-unknown-portals").exit_code == 0
    assert decision_count(engine) == 1


def test_missing_database_is_exit_2(tmp_path):
    key = tmp_path / "key.csv"
    key.write_text("portal,indicator,present\na,open_data,1\n", encoding="utf-8")
    result = run("decisions", "import", str(key), "--db", f"sqlite:///{tmp_path / 'none.db'}")
    assert result.exit_code == 2 and "no database file" in result.output
    assert not (tmp_path / "none.db").exists()


def test_extra_columns_are_skipped_with_a_warning_or_refused_when_strict(tmp_path):
    engine, url = demo_database(tmp_path, portals=1)
    key = tmp_path / "key.csv"
    key.write_text("portal,indicator,present,asessor\nfr-nat-000,open_data,1,ana\n", encoding="utf-8")
    refused = run("decisions", "import", str(key), "--db", url, "--strict-columns")
    assert refused.exit_code == 2 and "unknown column(s) asessor" in refused.output
    assert decision_count(engine) == 0
    accepted = run("decisions", "import", str(key), "--db", url)
    assert accepted.exit_code == 0 and "warning: ignored column(s) asessor" in accepted.output
    assert decision_count(engine) == 1
