"""What population-weighted figures leave out, as sentences beside them.

:func:`unknown_population_note` states, beside every population-weighted figure, how many settlements have no
known population and how many of those are beyond the threshold: a share of the *known* population can read
"100 %" while half the villages of a district are beyond it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from planning.i18n import fmt_number, t

if TYPE_CHECKING:  # the figures are only read here; importing the coverage core would load h3 for nothing
    from planning.coverage import Figures


@dataclass(frozen=True)
class UnknownPopulation:
    """Settlements of an area whose population is not known (left out of every population figure).

    Attributes
    ----------
    unknown : int
        Settlements without a known population.
    total : int
        Settlements of the area.
    beyond : int
        Of the ``unknown``, those beyond the threshold (so a share of the known population says nothing of them).
    """

    unknown: int
    total: int
    beyond: int


def unknown_population(figures: Figures) -> UnknownPopulation:
    """The settlements a :class:`planning.coverage.Figures` (one area, one threshold) leaves out of its
    population figures."""
    unknown = int(figures.settlements_unknown_population)
    return UnknownPopulation(
        unknown, int(figures.settlements_total), unknown - int(figures.settlements_unknown_population_covered)
    )


def unknown_population_note(figures: Figures, *, minutes: float, lang: str) -> str:
    """ "population of 18 of 38 settlements estimated (23 % of the people counted)" and/or "18 of 38 settlements
    have no known population (12 of them beyond 60 min)" in ``lang``; empty text when every settlement's population
    is known. Shown beside every population-weighted figure."""
    parts = []
    if figures.settlements_estimated_population:
        parts.append(
            t(
                "population.estimated_note",
                lang,
                estimated=fmt_number(figures.settlements_estimated_population, lang),
                total=fmt_number(figures.settlements_total, lang),
                share=fmt_number(100.0 * figures.estimated_share, lang, decimals=0),
            )
        )
    counts = unknown_population(figures)
    if counts.unknown:
        parts.append(_unknown_note(counts, minutes=minutes, lang=lang))
    return "; ".join(parts)


def _unknown_note(counts: UnknownPopulation, *, minutes: float, lang: str) -> str:
    return t(
        "population.unknown_note",
        lang,
        unknown=fmt_number(counts.unknown, lang),
        total=fmt_number(counts.total, lang),
        beyond=fmt_number(counts.beyond, lang),
        minutes=fmt_number(minutes, lang),
    )


def population_share_text(figures: Figures, *, minutes: float, lang: str) -> str:
    """The covered share of the known population with what it leaves out: "78 % of the known population within
    60 min; 18 of 38 settlements have no known population (12 of them beyond 60 min)"."""
    share = 100.0 * figures.population_share
    key = "population.share_within_estimated" if figures.settlements_estimated_population else "population.share_within"
    first = (
        t(key, lang, share=fmt_number(share, lang, decimals=1), minutes=fmt_number(minutes, lang))
        if math.isfinite(share)
        else t("population.none_known", lang, minutes=fmt_number(minutes, lang))
    )
    note = unknown_population_note(figures, minutes=minutes, lang=lang)
    return f"{first}; {note}" if note else first
