"""The planner's question: which villages are beyond 30/60 minutes of any service, and how many people live there,
district by district; and, for one village, its minutes, its nearest service and the road it takes there.

A pure core on a :class:`planning.coverage.Coverage` (:func:`beyond_by_district`, :func:`gap_totals`) under thin
adapters that translate and format for a page (:func:`beyond_table`, :func:`display`, :func:`village_access`).
Incident figures are cells of the protected release: per district, and per village only as each village's own
released cell (``"<k"`` for a small count) where the reader may see settlements' incidents and demand = incidents
(:func:`demand_column`). The demand basis (people, expected need, incidents) is named in every header.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.network import RoadNetwork
from geo.region import Region
from geo.traveltime import (
    DEFAULT_CONSTANTS,
    METHOD_ESTIMATE,
    METHOD_NETWORK,
    Route,
    TravelConstants,
    nearest_service_minutes,
    route,
)
from planning.coverage import NO_DISTRICT_ID, AreaCoverage, Coverage, is_beyond, threshold_key
from planning.estimates import population_source_of
from planning.i18n import fmt_number, place_names, t
from planning.need import NeedRate, demand_of
from planning.release import IncidentRelease, empty_release

if TYPE_CHECKING:
    from pandas.io.formats.style import Styler

TOTAL_ROW_ID = "__total__"
"""``district_id`` of the totals row of :func:`beyond_by_district`."""
SETTLEMENT_MATCH_DEG = 1e-5
"""A map click at most this far (degrees, about 1 m) from a settlement's point is a click on that settlement."""
NEED_DECIMALS = 1
"""Expected cases are shown with one decimal (a village of 300 people at 12 per 1,000 expects 3.6)."""


def beyond_columns(thresholds_minutes: Iterable[float]) -> list[str]:
    """The figure columns of :func:`beyond_by_district` for ``thresholds_minutes``, in order."""
    columns = ["settlements"]
    for step in thresholds_minutes:
        key = threshold_key(step)
        columns += [f"beyond_{key}_settlements", f"beyond_{key}_people", f"beyond_{key}_unknown_population"]
    return columns


def beyond_by_district(cov: Coverage, *, district_ids: Iterable[str] = ()) -> pd.DataFrame:
    """Per district: settlements, and beyond each threshold the settlements, the people known to live there and the
    settlements of unknown population; then a totals row.

    Parameters
    ----------
    cov : Coverage
        The scenario's coverage (:func:`planning.coverage.coverage`); a settlement is beyond a threshold when its
        minutes to the nearest service exceed it.
    district_ids : sequence of str
        The region's districts, in the order to show them: a district without settlements gets a row of zeros.
        Settlements of other keys (no district: :data:`planning.coverage.NO_DISTRICT_ID`) follow, sorted.

    Returns
    -------
    DataFrame
        ``district_id`` then :func:`beyond_columns` (whole numbers; people known or estimated; "unknown
        population": settlements whose population is not known, estimated or not),
        the last row ``district_id == TOTAL_ROW_ID`` for the whole region. Nothing is derived from incidents.
    """
    order = [str(d) for d in district_ids]
    order += sorted(d for d in cov.districts if d not in set(order))
    rows = [_beyond_row(d, cov.districts.get(d), cov.thresholds_minutes) for d in order]
    rows.append(_beyond_row(TOTAL_ROW_ID, cov.region, cov.thresholds_minutes))
    frame = pd.DataFrame(rows, columns=["district_id", *beyond_columns(cov.thresholds_minutes)])
    return frame.astype({c: "int64" for c in frame.columns if c != "district_id"})


def _beyond_row(district_id: str, area: AreaCoverage | None, thresholds: Iterable[float]) -> dict:
    row = {"district_id": district_id, "settlements": 0}
    for step in thresholds:
        key = threshold_key(step)
        figures = area.within[key] if area is not None else None
        row["settlements"] = figures.settlements_total if figures else 0
        row[f"beyond_{key}_settlements"] = figures.settlements_total - figures.settlements_covered if figures else 0
        row[f"beyond_{key}_people"] = round(figures.population_total - figures.population_covered) if figures else 0
        row[f"beyond_{key}_unknown_population"] = (  # no known population: unknown or estimated
            (
                figures.settlements_unknown_population
                - figures.settlements_unknown_population_covered
                + figures.settlements_estimated_population
                - figures.settlements_estimated_population_covered
            )
            if figures
            else 0
        )
    return row


@dataclass(frozen=True)
class GapTotals:
    """Totals of a gap list: the settlements beyond the threshold, the people living there (known or estimated,
    :mod:`planning.estimates`), and how many of them have no known population (estimated or unknown)."""

    settlements: int
    people: int
    settlements_unknown_population: int


def gap_mask(cov: Coverage, *, threshold_minutes: float, district_id: str | None = None) -> np.ndarray:
    """Settlements beyond ``threshold_minutes`` of any service (of one district when ``district_id``; the key
    :data:`planning.coverage.NO_DISTRICT_ID` selects those without a district)."""
    mask = is_beyond(cov.nearest_minutes, threshold_minutes)
    if district_id is not None:
        mask &= cov.district_ids == district_id
    return mask


def gap_totals(cov: Coverage, *, threshold_minutes: float, district_id: str | None = None) -> GapTotals:
    """The totals of the gap list beyond ``threshold_minutes`` (of one district when ``district_id``)."""
    mask = gap_mask(cov, threshold_minutes=threshold_minutes, district_id=district_id)
    unknown = np.isnan(cov.population)  # only where nothing could be estimated
    return GapTotals(
        settlements=int(mask.sum()),
        people=int(round(float(cov.population[mask & ~unknown].sum()))),
        settlements_unknown_population=int((mask & cov.without_known_population()).sum()),
    )


def demand_column(
    settlements: pd.DataFrame,
    basis: str,
    *,
    rate: NeedRate | None = None,
    incidents: IncidentRelease | None = None,
) -> np.ndarray | None:
    """Each settlement's demand on ``basis`` for a gap list: None where a separate column adds nothing.

    Parameters
    ----------
    settlements : DataFrame
        The region's settlements (populations known or estimated, :mod:`planning.estimates`).
    basis : {"people", "need", "incidents"}
        ``people``: None (the list's population column is the demand already). ``need``: expected cases per
        settlement, ``people × rate / 1000`` (cases, float; never NaN: :func:`planning.need.demand_of`).
        ``incidents``: each settlement as a released cell of its own (``"0"``, ``"<k"`` or a perturbed number of
        at least k, :meth:`planning.release.IncidentRelease.settlement_texts`), never a raw or small count.
    rate : NeedRate, optional
        Required for ``basis="need"``.
    incidents : IncidentRelease, optional
        The protected release, only for a reader who may see settlements' incidents; without it (None) the
        incidents basis has no per-settlement column (None).

    Returns
    -------
    ndarray or None
        Float expected cases (need), object array of cell texts (incidents), or None.
    """
    if basis == "need":
        return demand_of(settlements, "need", rate=rate)
    if basis == "incidents" and incidents is not None:
        return incidents.settlement_texts()
    return None


def demand_title(basis: str, lang: str) -> str:
    """The header of the gap list's demand column on ``basis`` (it names the basis)."""
    return t(f"beyond.col.demand.{basis}", lang)


def demand_beyond_title(basis: str, minutes: str, lang: str) -> str:
    """The header of the district table's column of expected cases beyond ``minutes`` (demand = need)."""
    return t(f"beyond.col.{basis}_beyond", lang, minutes=minutes)


# --------------------------------------------------------------------------------------------------------
# for a page: translated, formatted
# --------------------------------------------------------------------------------------------------------
def district_label(district_id: str, names: dict[str, str], *, has_districts: bool, lang: str) -> str:
    """The name a row of the district table shows: the district's name, "whole region" for the totals row (and the
    only row of a region without districts), "no district" for settlements without one."""
    if district_id == TOTAL_ROW_ID:
        return t("beyond.total", lang)
    if district_id == NO_DISTRICT_ID:
        return t("beyond.no_district" if has_districts else "beyond.whole_region", lang)
    return names.get(district_id, district_id)


def beyond_table(
    region: Region,
    cov: Coverage,
    *,
    lang: str,
    incidents: bool = False,
    need: NeedRate | None = None,
    release: IncidentRelease | None = None,
) -> pd.DataFrame:
    """:func:`beyond_by_district` with translated column names and district names (numbers stay numbers, for
    sorting); with ``incidents``, per district and threshold the incidents beyond it as the release's cell; with
    ``need`` (the rate, demand = need), per district and threshold the expected cases beyond it (cases, one decimal).
    ``release``: the protected release the incident cells come from (default the coverage's own).

    A region without districts has one row, "whole region", and no totals row (it would repeat it).
    """
    names = dict(zip(region.districts["district_id"].astype(str), place_names(region.districts, lang)))
    has_districts = not region.districts.empty
    frame = beyond_by_district(cov, district_ids=list(names))
    if not has_districts and len(frame) == 2:
        frame = frame.iloc[:1]
    out = pd.DataFrame(
        {
            t("field.district", lang): [
                district_label(d, names, has_districts=has_districts, lang=lang) for d in frame["district_id"]
            ]
        }
    )
    if release is None:
        release = cov.release if cov.release is not None else empty_release(len(cov.nearest_minutes))
    expected = demand_of(region.settlements, "need", rate=need) if need is not None else None
    for column in beyond_columns(cov.thresholds_minutes):
        out[column_title(column, lang)] = frame[column].to_numpy()
        if expected is not None and column.endswith("_people"):
            step = float(column.split("_")[1])
            out[demand_beyond_title("need", threshold_key(step), lang)] = [
                round(
                    float(
                        expected[
                            gap_mask(cov, threshold_minutes=step, district_id=None if d == TOTAL_ROW_ID else d)
                        ].sum()
                    ),
                    NEED_DECIMALS,
                )
                for d in frame["district_id"]
            ]
        if incidents and column.endswith("_unknown_population"):
            step = float(column.split("_")[1])
            out[t("beyond.col.incidents", lang, minutes=threshold_key(step))] = [
                release.text(gap_mask(cov, threshold_minutes=step, district_id=None if d == TOTAL_ROW_ID else d))
                for d in frame["district_id"]
            ]
    return out


def column_title(column: str, lang: str) -> str:
    """The translated header of a :func:`beyond_columns` column."""
    if column == "settlements":
        return t("beyond.col.all_settlements", lang)
    _, key, what = column.split("_", 2)
    return t(f"beyond.col.{what}", lang, minutes=key)


def beyond_help(cov: Coverage, *, lang: str, incidents: bool = False, need: bool = False) -> dict[str, str]:
    """Header -> long explanation of each figure column of :func:`beyond_table` (for the columns' tooltips)."""
    helps = {t("beyond.col.all_settlements", lang): t("beyond.help.settlements_all", lang)}
    for step in cov.thresholds_minutes:
        key = threshold_key(step)
        for what in ("settlements", "people", "unknown_population") + (("incidents",) if incidents else ()):
            helps[t(f"beyond.col.{what}", lang, minutes=key)] = t(f"beyond.help.{what}", lang, minutes=key)
        if need:
            helps[demand_beyond_title("need", key, lang)] = t("beyond.help.need_beyond", lang, minutes=key)
    return helps


def gap_table(
    region: Region,
    cov: Coverage,
    nearest_service_ids: Sequence[str | None] | np.ndarray,
    *,
    threshold_minutes: float,
    lang: str,
    services: gpd.GeoDataFrame,
    district_id: str | None = None,
    access_km: np.ndarray | None = None,
    demand: np.ndarray | None = None,
    basis: str = "people",
) -> pd.DataFrame:
    """The settlements beyond ``threshold_minutes`` (of one district when ``district_id``): name, district, minutes
    (``inf``: no service reachable; it sorts as the farthest), how the minutes were obtained (network or straight-line
    estimate, from ``cov.estimated``), the distance to the nearest road (``access_km``, km; NaN without a network),
    nearest service, population (known or estimated; NaN: unknown) and where it comes from ("estimate", "region
    file", ...); with ``demand`` (:func:`demand_column` on ``basis``) the demand on that basis beside the minutes,
    under a header naming it (expected cases; or incidents, as released cells only); most people first (unknown
    last), then the farthest, then by name."""
    mask = gap_mask(cov, threshold_minutes=threshold_minutes, district_id=district_id)
    rows = np.flatnonzero(mask)
    settlements = region.settlements
    names = dict(zip(region.districts["district_id"].astype(str), place_names(region.districts, lang)))
    has_districts = not region.districts.empty
    all_names = place_names(settlements, lang)
    service_names = dict(zip(services["service_id"].astype(str), services["name"].astype(str)))
    ids = np.asarray(list(nearest_service_ids), dtype=object)
    minutes = cov.nearest_minutes[rows]
    n = len(cov.nearest_minutes)
    guessed = cov.estimated if cov.estimated is not None else np.zeros(n, dtype=bool)
    methods = np.where(guessed, METHOD_ESTIMATE, METHOD_NETWORK)
    road_km = np.full(n, np.nan) if access_km is None else np.asarray(access_km, dtype=float)
    out = pd.DataFrame(
        {
            t("field.name", lang): [all_names[i] for i in rows],
            t("field.district", lang): [
                district_label(cov.district_ids[i], names, has_districts=has_districts, lang=lang) for i in rows
            ],
            t("scen.col_minutes", lang): np.round(minutes, 1),
            t("travel.col.method", lang): [t(f"travel.method.{m}", lang) for m in methods[rows]],
            t("travel.col.access_km", lang): np.round(road_km[rows], 1),
            t("scen.col_nearest_service", lang): [
                service_names.get(str(ids[i]), "—") if ids[i] is not None else "—" for i in rows
            ],
            t("field.population", lang): cov.population[rows],
            t("population.col_source", lang): [
                t(f"population.source.{source}", lang) for source in population_source_of(settlements)[rows]
            ],
        }
    )
    if demand is not None:
        values = np.asarray(demand)[rows]
        out.insert(  # beside the minutes, where a table this wide still shows it
            out.columns.get_loc(t("scen.col_minutes", lang)) + 1,
            demand_title(basis, lang),
            np.round(values.astype(float), NEED_DECIMALS) if basis == "need" else values.astype(object),
        )
    people = cov.population[rows]
    # most pressing first, as planning.coverage.gaps ranks: most people (unknown last), then farthest, then name
    order = np.lexsort(
        (
            out[t("field.name", lang)].to_numpy(dtype=str),
            -np.where(np.isfinite(minutes), minutes, np.finfo(float).max),
            -np.where(np.isnan(people), -1.0, people),
        )
    )
    return out.iloc[order].reset_index(drop=True)


def display(
    frame: pd.DataFrame, *, lang: str, infinite: dict[str, str] | None = None, decimals: dict[str, int] | None = None
) -> Styler:
    """``frame`` for ``st.dataframe``: numbers formatted for ``lang`` (12 300, 12,5), ``inf`` shown as
    ``infinite[column]`` (default an em dash); the cells keep their numbers, so a column still sorts by value.
    A missing number (NaN) is a null cell, which only ``st.dataframe(placeholder=...)`` words: pass one.

    Returns
    -------
    pandas.io.formats.style.Styler
    """
    infinite = infinite or {}
    decimals = decimals or {}
    formats = {}
    for column in frame.columns:
        if pd.api.types.is_numeric_dtype(frame[column]):
            places, far = decimals.get(column, 0), infinite.get(column, "—")
            formats[column] = lambda v, places=places, far=far: (
                "—"
                if v is None or (isinstance(v, float) and math.isnan(v))
                else far
                if math.isinf(v)
                else fmt_number(v, lang, decimals=places)
            )
    return frame.style.format(formats, na_rep="—")


# --------------------------------------------------------------------------------------------------------
# one village
# --------------------------------------------------------------------------------------------------------
def settlement_at(
    settlements: gpd.GeoDataFrame, lat: float, lon: float, *, tolerance_deg: float = SETTLEMENT_MATCH_DEG
) -> int | None:
    """Position of the settlement drawn at (``lat``, ``lon``) (a click on its marker), or None when none is."""
    if settlements.empty:
        return None
    d = np.hypot(settlements.geometry.x.to_numpy() - lon, settlements.geometry.y.to_numpy() - lat)
    best = int(np.argmin(d))
    return best if d[best] <= tolerance_deg else None


@dataclass(frozen=True)
class VillageAccess:
    """One settlement's access to help: its minutes to the nearest service and that service, and with roads the
    route there.

    Attributes
    ----------
    name : str
    minutes : float
        ``inf`` when no service is reachable.
    service_name : str or None
    route : Route or None
        The road path (None without roads, or when no service is reached).
    by_road : bool
        Whether the minutes are over the road network (else a straight-line estimate: no route at all).
    method : {"network", "estimate"}
        The method of the minutes (the scenario's chosen pair).
    access_km : float
        Distance from the settlement to the nearest road (the road it joins by road), km; NaN without a network.
    constants : TravelConstants
        The access and estimate constants the minutes were computed with.
    """

    name: str
    minutes: float
    service_name: str | None
    route: Route | None
    by_road: bool
    method: str = METHOD_ESTIMATE
    access_km: float = math.nan
    constants: TravelConstants = DEFAULT_CONSTANTS

    @property
    def beyond_access(self) -> bool:
        """Whether the nearest road is farther than the maximum access distance (why the time is estimated)."""
        return math.isfinite(self.access_km) and self.access_km > self.constants.max_access_km


def village_access(
    region: Region,
    services: gpd.GeoDataFrame,
    cov: Coverage,
    nearest_service_ids: Sequence[str | None] | np.ndarray,
    settlement: int,
    *,
    network: RoadNetwork | None,
    lang: str,
    constants: TravelConstants = DEFAULT_CONSTANTS,
) -> VillageAccess:
    """What the map shows for a clicked (or chosen) settlement.

    Parameters
    ----------
    region : geo.region.Region
    services : GeoDataFrame
        The scenario's sites, as evaluated.
    cov : Coverage
        Its coverage; ``cov.nearest_minutes[settlement]`` is the time shown.
    nearest_service_ids : sequence
        ``service_id`` of each settlement's nearest service (None: none reachable).
    settlement : int
        Position in ``region.settlements``.
    network : RoadNetwork or None
        The road network the minutes came from; None: they are a straight-line estimate and no route is drawn.
    lang : str
    constants : TravelConstants
        The access and estimate constants of the minutes (``SiteMinutes.constants``).
    """
    settlements = region.settlements
    name = place_names(settlements.iloc[[settlement]], lang)[0]
    minutes = float(cov.nearest_minutes[settlement])
    service_id = list(nearest_service_ids)[settlement]
    chosen = (
        services[services["service_id"].astype(str) == str(service_id)] if service_id is not None else services.iloc[:0]
    )
    service_name = str(chosen["name"].iloc[0]) if len(chosen) else None
    estimated = cov.estimated[settlement] if cov.estimated is not None else network is None
    method = METHOD_ESTIMATE if network is None or estimated or not math.isfinite(minutes) else METHOD_NETWORK
    path, access_km = None, math.nan
    if network is not None:
        times = nearest_service_minutes(
            network,
            settlements.iloc[[settlement]],
            chosen.iloc[[0]] if len(chosen) else services.iloc[:0],
            analysis_crs=region.analysis_crs,
            constants=constants,
            keep_routes=True,
        )
        access_km = float(times.access_km[0])
        if method == METHOD_NETWORK and len(chosen):
            path = route(network, times, 0)
    return VillageAccess(
        name=name,
        minutes=minutes,
        service_name=service_name,
        route=path,
        by_road=method == METHOD_NETWORK,
        method=method,
        access_km=access_km,
        constants=constants,
    )
