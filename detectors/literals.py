"""Literal strings that every match of a regex must contain, for cheap whole-page prefilters.

`required_literals(pattern)` walks the pattern's parse tree (Python's own regex parser) and
returns sets of strings such that any match contains at least one string of each set; nothing
is known inside classes, wildcards, optional parts or case-insensitive patterns. A page whose
text misses every string of one set cannot match, which `str.__contains__` tells far faster
than running the regex: `(?:apps\\.apple\\.com/|play\\.google\\.com/store)` gives
({"apps.apple.com/", "play.google.com/store"},).
"""

from __future__ import annotations

import re
from re import _constants as c  # the parser's opcodes (stable within a Python minor version)
from re import _parser as parser

_ZERO_WIDTH = {c.AT, c.ASSERT, c.ASSERT_NOT}
_REPEATS = {c.MAX_REPEAT, c.MIN_REPEAT, getattr(c, "POSSESSIVE_REPEAT", c.MAX_REPEAT)}
_MIN_USEFUL = 2  # a set whose shortest string is shorter than this would filter nothing


def required_literals(pattern: str, shortest: int = _MIN_USEFUL) -> tuple[frozenset[str], ...]:
    """Sets of strings such that every match contains at least one string of *each* set.

    Empty when nothing useful is known. Example: `^https?://(?:www\\.)?(?:facebook|twitter)\\.com`
    gives ({"http"}, {"facebook", "twitter"}) and ({".com"} as well). Sets holding a string
    shorter than `shortest` are left out (a page-wide test for "@" filters nothing; picking the
    sentences that hold an "@" does).
    """
    try:
        parsed = parser.parse(pattern)
    except re.error:
        return ()
    if parsed.state.flags & (re.IGNORECASE | re.VERBOSE):
        return ()
    found = _candidates(parsed.data)
    useful = {_minimal(s) for s in found if s and min(len(x) for x in s) >= shortest}
    # The most selective sets first (longest shortest string): a page usually fails on the first.
    return tuple(sorted(useful, key=lambda s: (-min(len(x) for x in s), sorted(s))))


def _minimal(choices: set[str]) -> frozenset[str]:
    """The set without strings that contain another of its strings ("pay online" goes where
    "pay" is): the same pages pass the test, with fewer searches."""
    return frozenset(x for x in choices if not any(y != x and y in x for y in choices))


def _best(candidates: list[set[str]]) -> set[str] | None:
    """Of several sets each required, the one with the longest shortest string (then fewest)."""
    usable = [s for s in candidates if s]
    if not usable:
        return None
    return max(usable, key=lambda s: (min(len(x) for x in s), -len(s)))


def _sequence(items: list) -> set[str] | None:
    """The single most useful required set of a sequence (what a branch contributes to a union)."""
    return _best(_candidates(items))


def _candidates(items: list) -> list[set[str]]:
    """Every set of strings that a match of this sequence must hit (one string at least of each)."""
    candidates: list[set[str]] = []
    run: list[str] = []

    def end_run() -> None:
        if run:
            candidates.append({"".join(run)})
            run.clear()

    for op, av in items:
        if op is c.LITERAL:
            run.append(chr(av))
            continue
        if op in _ZERO_WIDTH:
            continue  # consumes nothing: "t(?<!\w.)el" still matches the string "tel"
        end_run()
        if op is c.SUBPATTERN:
            _group, add_flags, _del_flags, body = av
            if add_flags & re.IGNORECASE:
                continue
            inner = _sequence(body.data)
        elif op is c.ATOMIC_GROUP:
            inner = _sequence(av.data)
        elif op is c.BRANCH:
            branches = [_sequence(branch.data) for branch in av[1]]
            inner = None if any(b is None for b in branches) else set().union(*branches)
        elif op in _REPEATS:
            low, _high, body = av
            inner = _sequence(body.data) if low >= 1 else None
        else:  # IN, ANY, NOT_LITERAL, GROUPREF, ...: no literal known
            inner = None
        if inner:
            candidates.append(inner)
    end_run()
    return candidates


def selector_literals(css: str) -> tuple[frozenset[bytes], ...]:
    """Strings that a page's markup must contain for a CSS selector (group) to match anything.

    For each selector of the group, the element the selector picks (its rightmost compound) must
    exist, so its tag name (`b"<address"`) or one of its attribute names (`b"itemprop"`; `.x` needs
    `class`, `#x` needs `id`) is in the markup. Tag and attribute names are ASCII and
    case-insensitive, so the haystack is the page's bytes lower-cased (ASCII only, as
    `bytes.lower` does); attribute *values* are not used (entities may spell them). Gives one
    set, any string of which must be present, or () when a member of the group (`*`, a bare
    pseudo-class) names nothing.
    """
    from cssselect import GenericTranslator, parse  # lxml.cssselect's own dependency
    from cssselect.parser import Attrib, Class, CombinedSelector, Element, Hash, Negation, Pseudo

    del GenericTranslator  # imported only to fail early on a broken cssselect install
    found: set[bytes] = set()
    for selector in parse(css):
        node = selector.parsed_tree
        literal: bytes | None = None
        while literal is None:
            if isinstance(node, CombinedSelector):
                node = node.subselector  # the right-hand side is the element picked
            elif isinstance(node, Attrib):
                literal = node.attrib.lower().encode("ascii", "ignore") or None
                node = node.selector
            elif isinstance(node, Class):
                literal = b"class"
            elif isinstance(node, Hash):
                literal = b"id"
            elif isinstance(node, Negation | Pseudo):
                node = node.selector  # a negation or pseudo-class narrows, but names nothing required
            elif isinstance(node, Element):
                if node.element and node.element != "*":
                    literal = b"<" + node.element.lower().encode("ascii", "ignore")
                break
            else:  # a form this function does not know: no prefilter, never a wrong one
                break
        if literal is None:
            return ()
        found.add(literal)
    return (frozenset(found),)
