"""Folded, sentence-chunked text of a page region, built once and shared by all text rules.

The raw text of a region is split into sentence-sized chunks, joined with newlines and folded
in a single call (folding never adds or removes a newline), so one regex scan over the folded
text finds every match and a binary search maps each match back to its raw sentence for the
snippet. Token sets let rules whose words cannot occur skip the scan entirely.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from itertools import accumulate

from detectors.folding import fold_lines, token_set

# Sentence boundaries: end punctuation followed by spaces and a capital letter (so "Tel. 0841"
# and "W.I Tel: 1 (876)" stay whole), or CJK full stops. The full stop's pattern starts with the
# stop itself, so the regex engine skips to candidates in C; the lookbehinds, tried only there,
# keep the street abbreviations of postal addresses ("ul. Piotrkowska 104", "Jl. Merdeka",
# "Av. Paulista", "ул. Ленина", "P.O. Box 99") inside their sentence.
_CAPITAL_AFTER_SPACES = r"\s+(?=[A-ZÀ-ÞА-ЯЁ])"
_FULL_STOP_END = re.compile(
    r"\.(?<![\s(][uUaAjJ]l\.)(?<![\s(][aA]v\.)(?<![\s(](?:ул|пр|Ул|Пр)\.)(?<![Pp]\.[Oo]\.)" + _CAPITAL_AFTER_SPACES
)
_MARK_END = re.compile(r"([!?])" + _CAPITAL_AFTER_SPACES)
_CJK_STOPS = "。！？"


def split_sentences(raw: str) -> list[str]:
    """Non-empty, stripped sentence chunks of a text, each keeping its end punctuation.

    Each boundary becomes a line break in C (substitutions with a plain replacement, then one
    split): a Python step per sentence cost three times as much. The text is
    whitespace-collapsed, so it has no line break of its own."""
    if "\n" in raw:
        raw = " ".join(raw.split())
    text = _FULL_STOP_END.sub(".\n", raw)
    if "!" in text or "?" in text:
        text = _MARK_END.sub("\\1\n", text)
    for stop in _CJK_STOPS:
        if stop in text:
            text = text.replace(stop, stop + "\n")
    return [piece for piece in map(str.strip, text.split("\n")) if piece]


def line_starts(text: str) -> list[int]:
    """Offset of each line of a newline-joined text: 0, then each line's length plus its
    newline, summed in C."""
    return list(accumulate(map((1).__add__, map(len, text.split("\n")[:-1])), initial=0))


def lines_containing(text: str, starts: list[int], needles: Iterable[str], limit: int | None = None) -> set[int] | None:
    """Indexes of the lines (`starts` from `line_starts`) holding one of the needles, found
    with `str.find`; None as soon as more than `limit` lines are found. One occurrence is
    enough to select a line, so each search resumes at the start of the next line."""
    found: set[int] = set()
    last = len(starts) - 1
    for needle in needles:
        at = text.find(needle)
        while at >= 0:
            line = bisect.bisect_right(starts, at) - 1
            found.add(line)
            if limit is not None and len(found) > limit:
                return None
            at = text.find(needle, starts[line + 1]) if line < last else -1
    return found


@dataclass
class RegionText:
    raw_chunks: list[str]
    folded: str  # folded chunks joined by "\n"
    starts: list[int] = field(default_factory=list)  # offset of each chunk in `folded`

    @classmethod
    def build(cls, raw: str) -> RegionText:
        """Index a region's text, whitespace-collapsed as `Document.text_by_region` holds it."""
        chunks = split_sentences(raw)
        joined = "\n".join(chunks)
        # ASCII chunks of collapsed text have single spaces and no edge spaces: lower-casing is
        # all that folding does to them. Other text may gain spaces (NFKD), so it is re-collapsed.
        folded = joined.lower() if joined.isascii() else fold_lines(joined, collapsed=True)
        return cls(chunks, folded, line_starts(folded))

    def chunk_at(self, offset: int) -> int:
        return bisect.bisect_right(self.starts, offset) - 1

    def folded_chunk(self, index: int) -> str:
        end = self.starts[index + 1] - 1 if index + 1 < len(self.starts) else len(self.folded)
        return self.folded[self.starts[index]:end]

    def chunks_containing(self, needles: tuple[str, ...]) -> list[int]:
        """Indexes, ascending, of the chunks whose folded text contains one of the needles."""
        return sorted(lines_containing(self.folded, self.starts, needles) or ())

    @cached_property
    def tokens(self) -> frozenset[str]:
        return token_set(self.folded)
