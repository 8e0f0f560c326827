"""Case and accent folding, and compiling multilingual word lists into one folded regex.

Rules and page text are compared after the same folding (casefold, strip combining marks,
collapse whitespace), so "Déclaration d'accessibilité", "DECLARATION D'ACCESSIBILITE" and
"declaration d’accessibilite" all match the same word.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

_SPACE = re.compile(r"\s+")
# Typographic apostrophes and dashes are folded to ASCII so word lists need one spelling.
_PUNCT_PAIRS = (("’", "'"), ("‘", "'"), ("ʼ", "'"), ("´", "'"), ("–", "-"), ("—", "-"), ("\u00ad", ""))


# Combining marks of the scripts we fold (Latin, Greek, Cyrillic, Hebrew, Arabic, Thai, kana);
# a regex over these is much faster than testing unicodedata.combining() per character.
_COMBINING = re.compile(
    "[\u0300-\u036f\u0483-\u0489\u0591-\u05c7\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed"
    "\u0e31\u0e34-\u0e3a\u0e47-\u0e4e\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f\u3099\u309a]+"
)


def fold(text: str) -> str:
    """Casefold, drop accents and other combining marks, normalise punctuation and whitespace."""
    if not text:
        return ""
    if text.isascii():
        return " ".join(text.lower().split())
    # str.translate with a dict is a per-character Python call; a few replace() calls are C loops.
    for char, plain in _PUNCT_PAIRS:
        if char in text:
            text = text.replace(char, plain)
    text = unicodedata.normalize("NFKD", text.casefold())
    text = _COMBINING.sub("", text)
    # NFKD turns e.g. German sharp s into "ss" via casefold already; collapse spacing last.
    return " ".join(text.split())


def fold_lines(text: str, collapsed: bool = False) -> str:
    """Fold like `fold`, but keep line breaks (collapse spaces within each line only).

    `collapsed` says the lines already have single spaces and none at their ends (a region's
    sentences): then only spaces that folding itself adds need collapsing, and those are plain
    spaces (NFKD turns a few symbols such as the diaeresis "¨" into a space and a combining
    mark), so the line-by-line collapse runs only when a double or edge space shows them."""
    if not text:
        return ""
    if not text.isascii():
        for char, plain in _PUNCT_PAIRS:
            if char in text:
                text = text.replace(char, plain)
        text = _COMBINING.sub("", unicodedata.normalize("NFKD", text.casefold()))
    else:
        text = text.lower()
    if collapsed and not (
        "  " in text or " \n" in text or "\n " in text or text[0] == " " or text[-1] == " "
    ):
        return text
    return "\n".join(" ".join(line.split()) for line in text.split("\n"))


@lru_cache(maxsize=4096)
def fold_cached(text: str) -> str:
    return fold(text)


def fold_collapsed(text: str) -> str:
    """`fold` for text already whitespace-collapsed (a link's or a heading's): ASCII text then
    needs lower-casing only; other text goes through the cache (a site repeats its labels)."""
    return text.lower() if text.isascii() else fold_cached(text)


# Scripts written without spaces between words (Chinese, Japanese; Thai; Korean, whose words take
# particles and compounds without a space): their words are matched anywhere, without word
# boundaries. One table for `_is_cjk` and for the character class `_CJK_CHAR`.
_CJK_RANGES = (
    (0x0E00, 0x0E7F),  # Thai
    (0x1100, 0x11FF),  # Hangul jamo: folding (NFKD) decomposes Hangul syllables into them
    (0x3040, 0x30FF),  # kana
    (0x3130, 0x318F),  # Hangul compatibility jamo
    (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF),
    (0xAC00, 0xD7AF),  # Hangul syllables (before folding)
    (0xF900, 0xFAFF),
)
_CJK_CHAR = re.compile("[" + "".join(f"{chr(lo)}-{chr(hi)}" for lo, hi in _CJK_RANGES) + "]")


def _is_cjk(ch: str) -> bool:
    """Whether a character belongs to one of the scripts of `_CJK_RANGES` (used when compiling
    word lists, not per character of a page)."""
    code = ord(ch)
    return any(lo <= code <= hi for lo, hi in _CJK_RANGES)


_END = ""  # trie key marking the end of a word


def _tokens(word: str) -> list[str]:
    """A folded word as regex tokens: escaped characters, spaces as \\s+, and an end token."""
    prefix_only = word.endswith("*")
    core = fold(word.rstrip("*"))
    if not core:
        raise ValueError(f"empty word {word!r}")
    tokens = [r"\s+" if ch == " " else re.escape(ch) for ch in core]
    if prefix_only:
        tokens.append(r"\w*")
    elif not _is_cjk(core[-1]) and core[-1].isalnum():
        tokens.append(r"(?!\w)")
    return tokens


def _trie_regex(node: dict) -> str:
    """Regex source of a token trie; longer continuations are tried before a word ends."""
    branches = []
    # Continuations before word ends: the boundary token must not cut "data set" to "data".
    for token, child in sorted(node.items(), key=lambda kv: kv[0] in (r"(?!\w)", r"\w*")):
        if token == _END:
            continue
        branches.append(token + _trie_regex(child))
    if _END in node:
        branches.append("")
    if len(branches) == 1:
        return branches[0]
    optional = branches[-1] == ""
    body = "|".join(b for b in branches if b)
    return f"(?:{body})?" if optional else f"(?:{body})"


def compile_words(words: Iterable[str]) -> re.Pattern[str]:
    """One trie-shaped regex over folded words (fast on long texts, longest match first).

    Words that start with a letter or digit of an alphabetic script get a left word boundary;
    Chinese/Japanese words and words starting with punctuation get none. The boundary is
    checked just after the first character (`w(?<!\\w.)...` rather than `(?<!\\w)w...`), so every
    branch of the pattern starts with a literal character: Python's regex engine then skips,
    in C, every position whose character cannot start a word, instead of trying the whole
    alternation at each position.
    """
    bounded: dict = {}
    free: dict = {}
    count = 0
    for word in words:
        tokens = _tokens(word)
        first = fold(word.rstrip("*"))[0]
        node = bounded if (first.isalnum() and not _is_cjk(first)) else free
        for token in tokens:
            node = node.setdefault(token, {})
        node[_END] = {}
        count += 1
    if not count:
        raise ValueError("empty word list")
    branches = [token + r"(?<!\w.)" + _trie_regex(child) for token, child in bounded.items()]
    branches += [token + _trie_regex(child) for token, child in free.items()]
    return re.compile("|".join(branches))


TOKENS = re.compile(r"\w+")
# The ASCII characters that are not `\w`, each mapped to a space: for ASCII text, translating
# them and splitting gives the tokens of TOKENS without a match object per token.
_ASCII_NON_WORD = {code: " " for code in range(128) if not (chr(code).isalnum() or chr(code) == "_")}


def token_set(folded: str) -> frozenset[str]:
    """The distinct `\\w+` tokens of a folded text."""
    if folded.isascii():
        return frozenset(folded.translate(_ASCII_NON_WORD).split())
    return frozenset(TOKENS.findall(folded))


class TokenView:
    """The `\\w+` tokens of some folded text, with prefix lookup."""

    def __init__(self, tokens: frozenset[str]) -> None:
        self.tokens = tokens
        self._joined: str | None = None
        self._has_cjk: bool | None = None

    @property
    def joined(self) -> str:
        """The tokens, each preceded by a space (built when first asked): `" " + stem` occurs in
        it exactly when a token starts with the stem, found by one C-level substring search
        (sorting the tokens for a binary search cost more than all the searches of a page)."""
        if self._joined is None:
            self._joined = " " + " ".join(self.tokens)
        return self._joined

    @property
    def has_cjk(self) -> bool:
        """Whether the text holds a Chinese, Japanese or Korean character (they are `\\w`, so
        they are in the tokens). Without one, no CJK word can occur: most pages skip the
        substring searches for the CJK words of every list."""
        if self._has_cjk is None:
            joined = self.joined
            self._has_cjk = not joined.isascii() and _CJK_CHAR.search(joined) is not None
        return self._has_cjk

    def has_prefix(self, stem: str) -> bool:
        return " " + stem in self.joined


@dataclass(frozen=True)
class WordIndex:
    """Which tokens a text must contain for words of a list to have a chance of matching.

    A page's folded text is split into `\\w+` tokens once. A word can only match if all of its
    whole tokens are present (and, for a `prefix*` word, some token starts with its stem), so a
    rule is skipped without running its regex when too few of its words are possible. Words that
    cannot be split into tokens (Chinese/Japanese script, a leading punctuation mark) are checked
    instead by plain substring tests of their space-separated parts, a necessary condition too:
    one CJK phrase in a list must not turn the cheap test off for the whole list.

    `needles` goes one step further: for the words that are possible on a page it returns one
    literal string each (the longest token) that any match of that word contains, so the
    engine scans only the sentences holding one of them. `sentence_safe` is false when a word
    could itself span a sentence boundary (it holds ". " or the like); then the whole text is
    scanned.
    """

    words: tuple[tuple[frozenset[str], str, str], ...]  # (whole tokens, stem or "", needle) per word
    substrings: tuple[tuple[str, ...], ...] = ()  # parts that must all occur, per untokenisable word
    sentence_safe: bool = True
    # Positions in `words` by one whole token of each word (its longest), and of the words with
    # no whole token (a bare `stem*`): a page's tokens intersected with the keys, in C, give
    # the few words worth the full test instead of testing every word of a long list.
    _by_token: dict[str, tuple[int, ...]] = field(init=False, repr=False, compare=False)
    _keys: frozenset[str] = field(init=False, repr=False, compare=False)
    _unkeyed: tuple[int, ...] = field(init=False, repr=False, compare=False)
    _cjk_substrings: tuple[bool, ...] = field(init=False, repr=False, compare=False)  # per substrings entry

    def __post_init__(self) -> None:
        object.__setattr__(self, "_cjk_substrings", tuple(
            any(_is_cjk(ch) for part in parts for ch in part) for parts in self.substrings
        ))
        by_token: dict[str, list[int]] = {}
        unkeyed: list[int] = []
        for position, (whole, _stem, _needle) in enumerate(self.words):
            if whole:
                by_token.setdefault(max(sorted(whole), key=len), []).append(position)
            else:
                unkeyed.append(position)
        object.__setattr__(self, "_by_token", {k: tuple(v) for k, v in by_token.items()})
        object.__setattr__(self, "_keys", frozenset(by_token))
        object.__setattr__(self, "_unkeyed", tuple(unkeyed))

    def possible(self, view: TokenView, enough: int = 1, haystacks: Iterable[str] = ()) -> bool:
        return self.needles(view, enough, haystacks, stop_early=True) is not None

    def needles(
        self, view: TokenView, enough: int = 1, haystacks: Iterable[str] = (), stop_early: bool = False
    ) -> tuple[str, ...] | None:
        """One literal per possible word, or None when fewer than `enough` words are possible."""
        found: list[str] = []
        tokens = view.tokens
        positions = list(self._unkeyed)
        for key in self._keys & tokens:
            positions.extend(self._by_token[key])
        positions.sort()  # the list's own order, as a full scan would find them
        words = self.words
        for position in positions:
            whole, stem, needle = words[position]
            if not whole <= tokens:
                continue
            if stem and not view.has_prefix(stem):
                continue
            found.append(needle)
            if stop_early and len(found) >= enough:
                return tuple(found)
        if self.substrings:
            haystacks = tuple(haystacks)
            no_cjk = not view.has_cjk
            for parts, cjk in zip(self.substrings, self._cjk_substrings, strict=True):
                if cjk and no_cjk:
                    continue  # a CJK word in a text without CJK characters
                if all(any(part in h for h in haystacks) for part in parts):
                    found.append(max(parts, key=len))
                    if stop_early and len(found) >= enough:
                        return tuple(found)
        return tuple(dict.fromkeys(found)) if len(found) >= enough else None


# A sentence end inside a word ("u.s. department") would let a match cross chunk boundaries.
_SENTENCE_INSIDE = re.compile(r"[.!?]\s|[。！？]")


def word_index(words: Iterable[str]) -> WordIndex:
    entries: set[tuple[frozenset[str], str, str]] = set()
    substrings: set[tuple[str, ...]] = set()
    sentence_safe = True
    for word in words:
        core = fold(word.rstrip("*"))
        if _SENTENCE_INSIDE.search(core[:-1]):
            sentence_safe = False
        tokens = TOKENS.findall(core)
        if not tokens or _is_cjk(core[0]) or not (core[0].isalnum() or core[0] == "_") or any(
            _is_cjk(ch) for ch in core
        ):
            substrings.add(tuple(core.split(" ")))
            continue
        stem = ""
        if word.endswith("*") and core[-1].isalnum():
            stem = tokens.pop()
        needle = max([*tokens, stem], key=len)
        entries.add((frozenset(tokens), stem, needle))
    return WordIndex(
        tuple(sorted(entries, key=lambda e: (len(e[0]), e[1], e[2]))), tuple(sorted(substrings)), sentence_safe
    )
