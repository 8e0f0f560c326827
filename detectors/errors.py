"""Errors the detectors raise for input they cannot work on (mapped to exit code 2 by the CLI)."""

from __future__ import annotations


class InputError(ValueError):
    """The input is not a usable HTML page (missing, empty, binary, not HTML)."""


class RuleError(ValueError):
    """A rule file is malformed; the message names the rule id and the reason."""
