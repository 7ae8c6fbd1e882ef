"""The demand basis and the headline figures with their ranges, as the Map page shows them (issue 19).

Only wires widgets: the figures come from :func:`planning.ranges.headline_ranges`, the rate from the region's
``region.json`` (:func:`planning.need.rate_from_meta`). Incidents are not offered here (the Map page's coverage
carries none); the command line's ``coverage --demand incidents`` gives them as released cells.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from geo.region import Region
from planning.coverage import Coverage
from planning.i18n import fmt_number, t
from planning.markup import markdown_text
from planning.need import NeedRate, NeedRateError, rate_from_meta
from planning.ranges import DEFAULT_ASSUMPTIONS, headline_ranges, range_text

THOUSANDS_FROM = 10_000
"""From this many people (or cases) the demand beyond is shown in thousands, so that its range fits the metric."""


PEOPLE = ("population", "need")
"""Suggest's demand modes that need no incident data."""


def region_rate(region: Region) -> NeedRate | None:
    """The region's default rate of expected need (region.json ``need_rate``); None, with a warning naming the
    fix, when it is there but unusable."""
    try:
        return rate_from_meta(region.meta)
    except NeedRateError as error:
        st.warning(markdown_text(str(error)))
        return None


def need_caption(rate: NeedRate | None, lang: str) -> None:
    """The rate with its range and source, or where to set one."""
    if rate is None:
        st.caption(t("need.no_rate", lang))
        return
    st.caption(
        t(
            "need.rate",
            lang,
            rate=fmt_number(rate.per_1000, lang, decimals=1),
            low=fmt_number(rate.low, lang, decimals=1),
            high=fmt_number(rate.high, lang, decimals=1),
            source=markdown_text(rate.source),
        )
    )


def headline_section(region: Region, cov: Coverage, nearest_minutes: np.ndarray, *, key: str, lang: str) -> None:
    """A demand-basis choice (people, or expected need where the region sets a rate) and, per threshold, the share
    of the demand within it, the settlements beyond and the demand beyond, each as "62 % (55–68 %)"."""
    rate = region_rate(region)
    bases = ["people", "need"] if rate is not None else ["people"]
    basis = st.radio(
        t("need.basis", lang), bases, format_func=lambda b: t(f"need.basis.{b}", lang), horizontal=True, key=key
    )
    need_caption(rate, lang)
    figures = headline_ranges(nearest_minutes, region.settlements, basis, thresholds=cov.thresholds_minutes, rate=rate)
    for minutes, row in figures.items():
        columns = st.columns(3)
        columns[0].metric(
            t(f"need.within.{basis}", lang, minutes=minutes), range_text(row["share_within"], lang, share=True)
        )
        columns[1].metric(
            t("need.settlements_beyond", lang, minutes=minutes), range_text(row["settlements_beyond"], lang)
        )
        demand = row["demand_beyond"]
        large = max(v or 0.0 for v in (demand.value, demand.high)) >= THOUSANDS_FROM  # in thousands: fits the metric
        label = t(f"need.beyond.{basis}", lang, minutes=minutes) + (t("need.thousands", lang) if large else "")
        columns[2].metric(label, range_text(demand, lang, scale=1000.0 if large else 1.0))
    st.caption(
        t(
            "need.assumptions",
            lang,
            low=fmt_number(100 * DEFAULT_ASSUMPTIONS.speed_low, lang),
            high=fmt_number(100 * DEFAULT_ASSUMPTIONS.speed_high, lang),
            draws=fmt_number(DEFAULT_ASSUMPTIONS.draws, lang),
        )
    )
