"""Best-first link scoring: how strongly a link's text, title or URL suggests indicator evidence.

The multilingual hints are data (`crawler/link_hints.yaml`), compiled once. Scores only order the
crawl frontier (a higher score is fetched earlier); evidence itself is decided by the detectors.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

import yaml

from detectors.folding import fold

HINTS_FILE = Path(__file__).with_name("link_hints.yaml")
_URL_SEPARATORS = re.compile(r"[/_\-.+=&?%:;,~]+")


class HintsError(ValueError):
    """The link-hints data file is malformed."""


@dataclass(frozen=True)
class HintGroup:
    name: str
    weight: int
    pattern: re.Pattern[str]  # over folded text
    url_pattern: re.Pattern[str] | None  # over a folded URL path (ASCII words only)


def _word_source(word: str) -> str:
    core = re.escape(word).replace(r"\ ", r"\s+")
    ascii_word = word.isascii()
    left = r"(?<!\w)" if ascii_word or (word[:1].isalpha() and not _is_cjk(word[0])) else ""
    # Long words match inside compounds ("datenschutzerklarung"); short ones only as whole words.
    right = "" if len(word) >= 5 or not ascii_word else r"(?!\w)"
    return f"{left}{core}{right}"


def _is_cjk(ch: str) -> bool:
    return 0x3400 <= ord(ch) <= 0x9FFF


@lru_cache(maxsize=4)
def load_hints(path: Path = HINTS_FILE) -> tuple[HintGroup, ...]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not data:
        raise HintsError(f"{path.name}: expected a mapping of hint groups")
    groups = []
    for name, spec in data.items():
        if not isinstance(spec, dict) or set(spec) != {"weight", "words"}:
            raise HintsError(f"{path.name}: group {name!r} needs exactly the keys weight and words")
        if not isinstance(spec["weight"], int) or spec["weight"] < 1:
            raise HintsError(f"{path.name}: group {name!r} needs a positive integer weight")
        words = sorted(
            {fold(str(w)) for ws in spec["words"].values() for w in ws or ()}, key=len, reverse=True
        )
        if not words or "" in words:
            raise HintsError(f"{path.name}: group {name!r} has an empty word")
        pattern = re.compile("|".join(_word_source(w) for w in words))
        ascii_words = [w for w in words if w.isascii()]
        url_pattern = re.compile("|".join(_word_source(w) for w in ascii_words)) if ascii_words else None
        groups.append(HintGroup(str(name), spec["weight"], pattern, url_pattern))
    return tuple(groups)


@dataclass(frozen=True)
class LinkScore:
    score: int
    groups: tuple[str, ...]


def score_link(url: str, text: str = "", title: str = "") -> LinkScore:
    """Sum of the weights of the hint groups that the link's text/title or URL path matches."""
    # Navigation links repeat on every page of a portal: score each (url, text, title) once.
    return _score_link(url, text, title)


@lru_cache(maxsize=65536)
def _score_link(url: str, text: str, title: str) -> LinkScore:
    label = fold(f"{text} {title}")
    parts = urlsplit(url)
    path = fold(_URL_SEPARATORS.sub(" ", unquote(f"{parts.path} {parts.query}")))
    matched = []
    total = 0
    for group in load_hints():
        if (label and group.pattern.search(label)) or (
            group.url_pattern is not None and path and group.url_pattern.search(path)
        ):
            matched.append(group.name)
            total += group.weight
    return LinkScore(total, tuple(matched))
