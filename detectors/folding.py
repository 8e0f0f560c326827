"""Case and accent folding, and compiling multilingual word lists into one folded regex.

Rules and page text are compared after the same folding (casefold, strip combining marks,
collapse whitespace), so "Déclaration d'accessibilité", "DECLARATION D'ACCESSIBILITE" and
"declaration d’accessibilite" all match the same word.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

_SPACE = re.compile(r"\s+")
# Typographic apostrophes and dashes are folded to ASCII so word lists need one spelling.
_PUNCT = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "´": "'", "–": "-", "—": "-", "\u00ad": ""})


def fold(text: str) -> str:
    """Casefold, drop accents and other combining marks, normalise punctuation and whitespace."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKD", text.translate(_PUNCT).casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    # NFKD turns e.g. German sharp s into "ss" via casefold already; collapse spacing last.
    return _SPACE.sub(" ", text).strip()


@lru_cache(maxsize=4096)
def fold_cached(text: str) -> str:
    return fold(text)


def _is_cjk(ch: str) -> bool:
    code = ord(ch)
    return (
        0x3040 <= code <= 0x30FF  # kana
        or 0x3400 <= code <= 0x4DBF
        or 0x4E00 <= code <= 0x9FFF
        or 0xAC00 <= code <= 0xD7AF  # hangul
        or 0xF900 <= code <= 0xFAFF
    )


def word_regex(word: str) -> str:
    """Regex source for one folded word or phrase.

    A trailing `*` allows any continuation (German compounds: "datenschutz*").
    Word boundaries are only asserted next to alphabetic scripts: Chinese and
    Japanese are written without spaces, so a boundary there would never match.
    """
    prefix_only = word.endswith("*")
    core = fold(word.rstrip("*"))
    if not core:
        raise ValueError(f"empty word {word!r}")
    body = r"\s+".join(re.escape(part) for part in core.split(" "))
    left = "" if _is_cjk(core[0]) or not core[0].isalnum() else r"(?<!\w)"
    right = ""
    if not prefix_only and not _is_cjk(core[-1]) and core[-1].isalnum():
        right = r"(?!\w)"
    elif prefix_only:
        right = r"\w*"
    return f"{left}{body}{right}"


def compile_words(words: Iterable[str]) -> re.Pattern[str]:
    """One alternation over folded words, longest first so the snippet shows the longest match."""
    sources = sorted({word_regex(w) for w in words}, key=len, reverse=True)
    if not sources:
        raise ValueError("empty word list")
    return re.compile("|".join(sources))
