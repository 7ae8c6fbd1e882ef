"""The demand basis of the session and the headline figures with their ranges (issue 19).

One choice for every page: the basis a user picks (people; expected need where the region's rate is in use;
reported incidents where the role may see incidents and the region has them) is kept for the session
(:data:`BASIS_KEY`), and the Map, Compare, Present and Reports pages count on it alike (:func:`choose_basis`).
The rate in use is always :func:`planning.need.rate_from_meta` of the page's region. The figures come from
:func:`planning.render.report.basis_ranges` (:func:`planning.ranges.headline_ranges`), kept per session
(:func:`session_ranges`) so that a rerun computes nothing again; incidents are cells of the protected release only.
The tables under the figures (districts, gap list: :mod:`pages.beyond_view`) read the same basis
(:func:`current_basis`), and Suggest's demand starts from it and sets it (:func:`suggest_demand`).
Only wires widgets.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import streamlit as st

from geo.region import Region
from pages.auth import incident_level
from pages.session import incidents_here
from planning.beyond import demand_column
from planning.coverage import Coverage, threshold_key
from planning.i18n import t
from planning.markup import markdown_text
from planning.need import NeedRate, NeedRateError, rate_from_meta
from planning.ranges import Figure
from planning.release import IncidentRelease
from planning.render.report import (
    THRESHOLDS_MINUTES,
    assumptions_statement,
    basis_ranges,
    basis_statement,
    ranged_figures,
    rate_statement,
)

PEOPLE = ("population", "need")
"""Suggest's demand modes that need no incident data."""
BASIS_KEY = "_demand_basis"
"""Session key of the demand basis the user chose (kept across pages)."""
RANGES_KEY = "_basis_ranges"
"""Session key of the headline figures computed this session (incident-derived: session state only)."""
RANGES_KEPT = 48
"""Sets of headline figures kept per session (a few kilobytes each)."""
WIDGETS = ("radio", "segmented")
"""How :func:`choose_basis` draws its choice: a radio (Map, Compare, Reports) or a compact bar (Present)."""
BASIS_OF_SUGGEST = {"population": "people", "need": "need", "incidents": "incidents"}
"""The session's basis of each of Suggest's demand modes (the blend is Suggest's own: it sets none)."""
SUGGEST_OF_BASIS = {basis: mode for mode, basis in BASIS_OF_SUGGEST.items()}
"""Suggest's demand mode of each basis."""


@dataclass(frozen=True, eq=False)
class Basis:
    """The session's demand basis with what it is computed from.

    Attributes
    ----------
    name : {"people", "need", "incidents"}
    rate : NeedRate or None
        The region's rate in use (:func:`planning.need.rate_from_meta`), whatever the basis.
    incidents : IncidentRelease or None
        The protected release of the incidents when the reader may see incidents and the region has some.
    """

    name: str
    rate: NeedRate | None
    incidents: IncidentRelease | None

    @property
    def k(self) -> int:
        """The small-count threshold of the release (0 without incidents)."""
        return self.incidents.k if self.incidents is not None else 0


def region_rate(region: Region) -> NeedRate | None:
    """The region's rate of expected need in use (``region.meta["need_rate"]``); None, with a warning naming the
    fix, when it is there but unusable."""
    try:
        return rate_from_meta(region.meta)
    except NeedRateError as error:
        st.warning(markdown_text(str(error)))
        return None


def visible_incidents(region: Region) -> IncidentRelease | None:
    """The protected release when this reader may see incident figures (pages.auth.incident_level) and the
    region has incidents; else None."""
    if incident_level() is None or not len(region.incidents):
        return None
    return incidents_here(region)


def need_caption(rate: NeedRate | None, lang: str) -> None:
    """The rate with its range and source, or where to set one."""
    if rate is None:
        st.caption(t("need.no_rate", lang))
        return
    st.caption(markdown_text(rate_statement(rate, lang)))


def _keep(key: str, whole_page: bool = False) -> None:
    chosen = st.session_state.get(key)
    if chosen is not None:
        changed = chosen != st.session_state.get(BASIS_KEY)
        st.session_state[BASIS_KEY] = chosen
        if whole_page and changed:  # inside a fragment: the tables outside it count on the basis too
            st.rerun()


def _options(rate: NeedRate | None, incidents: IncidentRelease | None) -> list[str]:
    return ["people"] + (["need"] if rate is not None else []) + (["incidents"] if incidents is not None else [])


def current_basis(region: Region) -> Basis:
    """The session's demand basis as :func:`choose_basis` last set it, without drawing a choice (for the tables
    under the figures); people when it is not offered here. A rate that cannot be used counts as none (the
    choice above it says why)."""
    try:
        rate = rate_from_meta(region.meta)
    except NeedRateError:
        rate = None
    incidents = visible_incidents(region)
    chosen = st.session_state.get(BASIS_KEY)
    name = chosen if chosen in _options(rate, incidents) else "people"
    return Basis(name, rate, incidents if name == "incidents" else None)


def choose_basis(region: Region, *, key: str, lang: str, widget: str = "radio", whole_page: bool = False) -> Basis:
    """The session's demand basis, with its choice drawn under widget ``key``.

    The options are people; expected need where the region's rate is in use; reported incidents where this reader
    may see incidents and the region has them. The choice is kept for the session: every page shows the basis
    picked on any of them (an option a page cannot offer falls back to people). ``whole_page``: a change reruns
    the whole page, not only the fragment the choice is drawn in (the page's tables count on the basis too).
    """
    if widget not in WIDGETS:
        raise ValueError(f"`widget` must be one of {WIDGETS}; got {widget!r}.")
    rate = region_rate(region)
    incidents = visible_incidents(region)
    options = _options(rate, incidents)
    chosen = st.session_state.get(BASIS_KEY)
    st.session_state[key] = chosen if chosen in options else options[0]  # the session's choice, on every page
    label, names = t("need.basis", lang), (lambda b: t(f"need.basis.{b}", lang))
    kept_help = t("need.session_basis", lang)  # the choice goes along to the other pages
    if widget == "radio":
        st.radio(
            label,
            options,
            format_func=names,
            horizontal=True,
            key=key,
            on_change=_keep,
            args=(key, whole_page),
            help=kept_help,
        )
    else:
        st.segmented_control(
            label,
            options,
            format_func=names,
            key=key,
            on_change=_keep,
            args=(key, whole_page),
            label_visibility="collapsed",
            help=kept_help,
        )
    name = st.session_state.get(key) or options[0]
    return Basis(name, rate, incidents if name == "incidents" else None)


def _fingerprint(*arrays: np.ndarray | None) -> str:
    digest = hashlib.sha256()
    for values in arrays:
        digest.update(b"-" if values is None else np.ascontiguousarray(values).tobytes())
    return digest.hexdigest()


def session_ranges(
    region: Region,
    nearest_minutes: np.ndarray,
    basis: Basis,
    *,
    mask: np.ndarray | None = None,
    thresholds: Sequence[float] = THRESHOLDS_MINUTES,
) -> dict[str, dict[str, Figure]]:
    """The headline figures on ``basis`` with their ranges for a scenario's minutes to the nearest service, over
    the settlements in ``mask`` (a district; default the region): computed once per session for the same minutes,
    demand and area, so that a rerun takes them from the session."""
    release, rate = basis.incidents, basis.rate
    key = (
        basis.name,
        None if rate is None else (rate.per_1000, rate.low, rate.high),
        tuple(float(m) for m in thresholds),
        _fingerprint(
            np.asarray(nearest_minutes, dtype=np.float64),
            None if mask is None else np.asarray(mask, dtype=bool),
            *((None,) * 3 if release is None else (release.protected, release.keys, release.has_records)),
        ),
        None if release is None else release.k,
    )
    kept = st.session_state.get(RANGES_KEY)
    if kept is None or kept[0] is not region:  # another region, or the same one read again after an upload
        kept = (region, {})
        st.session_state[RANGES_KEY] = kept
    figures = kept[1]
    if key not in figures:
        figures[key] = basis_ranges(
            region, nearest_minutes, basis.name, rate=rate, incidents=release, mask=mask, thresholds=thresholds
        )
        while len(figures) > RANGES_KEPT:
            figures.pop(next(iter(figures)))
    figures[key] = figures.pop(key)  # the newest last: the oldest go first
    return figures[key]


def basis_text(basis: Basis, lang: str) -> str:
    """ "Demand counted: people (known + estimated)", to name beside the figures."""
    return basis_statement(basis.name, lang)


def assumptions_caption(region: Region, basis: Basis, lang: str) -> None:
    """What the ranges in brackets vary, by how much, with the number of draws and the seed."""
    st.caption(assumptions_statement(region.settlements, basis.name, rate=basis.rate, lang=lang))


def headline_section(region: Region, cov: Coverage, nearest_minutes: np.ndarray, *, key: str, lang: str) -> None:
    """The session's demand basis (its choice under widget ``key``) and, per threshold, the share of the demand
    within it, the settlements beyond and the demand beyond, each as "62 % (55–68 %)". A change of the basis
    reruns the whole page: the district table and the gap list under it count on the basis too."""
    basis = choose_basis(region, key=key, lang=lang, whole_page=True)
    if basis.name == "need" or basis.rate is None:
        need_caption(basis.rate, lang)
    figures = session_ranges(region, nearest_minutes, basis, thresholds=cov.thresholds_minutes)
    for minutes, row in figures.items():
        columns = st.columns(3)
        for column, figure in zip(columns, ranged_figures(row, basis.name, minutes=minutes, lang=lang, k=basis.k)):
            column.metric(figure.label, figure.value)
    assumptions_caption(region, basis, lang)


def ranged_section(region: Region, cov: Coverage, nearest_minutes: np.ndarray, *, key: str, lang: str) -> None:
    """The Scenarios page's headline figures on the session's basis with their ranges (:func:`headline_section`)
    under a heading, the basis named: they change as sites are added, moved or removed."""
    st.subheader(t("need.ranged_title", lang))
    headline_section(region, cov, nearest_minutes, key=key, lang=lang)
    st.caption(basis_text(current_basis(region), lang))


def gap_demand(region: Region, basis: Basis) -> np.ndarray | None:
    """Each settlement's demand for the gap list on ``basis`` (:func:`planning.beyond.demand_column`): expected
    cases; incidents as each settlement's released cell only where this reader may see settlements' incidents."""
    settlement_level = basis.incidents if incident_level() == "settlement" else None
    return demand_column(region.settlements, basis.name, rate=basis.rate, incidents=settlement_level)


def gap_ranges_caption(
    region: Region,
    cov: Coverage,
    basis: Basis,
    *,
    threshold_minutes: float,
    district_id: str | None,
    lang: str,
) -> None:
    """The gap list's totals beyond ``threshold_minutes`` (of ``district_id``; None: the region) on ``basis`` with
    their ranges: "Settlements beyond 60 min: 120 (104–139) · People beyond 60 min, thousands: 35 (31–41)",
    the basis named; from :func:`session_ranges` (the same figures as the headline's)."""
    mask = None if district_id is None else cov.district_ids == str(district_id)
    minutes = threshold_key(threshold_minutes)
    row = session_ranges(region, cov.nearest_minutes, basis, mask=mask, thresholds=(threshold_minutes,))[minutes]
    figures = ranged_figures(row, basis.name, minutes=minutes, lang=lang, k=basis.k)[1:]  # beyond T: count, demand
    st.caption(" · ".join(f"{f.label}: {f.value}" for f in figures) + " · " + basis_text(basis, lang))
    if basis.name == "incidents" and incident_level() != "settlement":
        st.caption(t("scen.district_only", lang))


def suggest_demand(modes: Sequence[str], *, key: str, lang: str) -> str:
    """Suggest's demand choice (``modes``, :data:`planning.siting.DEMAND_MODES` offered here) under widget
    ``key``: it starts from the session's basis (people → population, need, incidents), and a pick of one of them
    sets the session's basis for the other pages; the blend is Suggest's own and leaves the basis as it is."""
    kept = st.session_state.get(key)
    session = SUGGEST_OF_BASIS.get(st.session_state.get(BASIS_KEY) or "people")
    if kept not in modes or (kept != "blend" and kept != session):
        st.session_state[key] = session if session in modes else modes[0]
    return st.radio(
        t("suggest.demand", lang),
        list(modes),
        format_func=lambda m: t(f"suggest.demand.{m}", lang),
        horizontal=True,
        key=key,
        on_change=_keep_suggest,
        args=(key,),
        help=t("need.session_basis_suggest", lang),
    )


def _keep_suggest(key: str) -> None:
    basis = BASIS_OF_SUGGEST.get(st.session_state.get(key) or "")
    if basis is not None:
        st.session_state[BASIS_KEY] = basis
