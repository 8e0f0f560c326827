"""The nine indicators as the review app, the exports and `validate` present them.

Labels, UN feature codes and aliases come from `detectors/indicators.yaml` (the one source);
`indicator_id` maps an alias from an answer key (e.g. the corpus's `eparticipation`) to its id.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from detectors.model import HEADLINE_INDICATORS, INDICATORS


@dataclass(frozen=True)
class IndicatorInfo:
    id: str
    label: str
    headline: bool
    definition: str
    un_features: tuple[str, ...]
    aliases: tuple[str, ...]


@lru_cache(maxsize=1)
def catalogue() -> dict[str, IndicatorInfo]:
    from detectors.rules import load_indicator_catalogue

    raw = load_indicator_catalogue()
    return {
        ident: IndicatorInfo(
            id=ident,
            label=str(raw[ident].get("label", ident)),
            headline=ident in HEADLINE_INDICATORS,
            definition=" ".join(str(raw[ident].get("definition", "")).split()),
            un_features=tuple(str(f) for f in raw[ident].get("un_features", ())),
            aliases=tuple(str(a) for a in raw[ident].get("aliases", ())),
        )
        for ident in INDICATORS
    }


@lru_cache(maxsize=1)
def _names() -> dict[str, str]:
    names = {ident: ident for ident in INDICATORS}
    for info in catalogue().values():
        for alias in info.aliases:
            names.setdefault(alias.lower(), info.id)
    return names


def indicator_id(name: str) -> str | None:
    """The indicator id for an id or alias (case-insensitive), None if unknown."""
    return _names().get(name.strip().lower())
