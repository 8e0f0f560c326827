"""Highlighting the rule's match inside a stored snippet, across case, accents and scripts."""

from __future__ import annotations

from review.highlight import split_snippet


def test_ascii_and_case():
    assert split_snippet("accessibility.title", "OUR WEB\tACCESSIBILITY page") == ("OUR ", "WEB\tACCESSIBILITY", " page")


def test_accents_and_typographic_apostrophes_map_back_to_the_original_text():
    assert split_snippet("accessibility.statement_title", "Déclaration d’accessibilité — Ville") == (
        "",
        "Déclaration d’accessibilité",
        " — Ville",
    )
    before, match, after = split_snippet("accessibility.statement_title", "Stadt: Erklärung zur Barrierefreiheit!")
    assert (before, match, after) == ("Stadt: ", "Erklärung zur Barrierefreiheit", "!")


def test_no_match_or_unknown_rule_gives_the_whole_snippet():
    assert split_snippet("accessibility.title", "nothing to see") == ("nothing to see", "", "")
    assert split_snippet("no.such_rule", "<script>x</script>") == ("<script>x</script>", "", "")
    assert split_snippet("accessibility.title", "") == ("", "", "")
