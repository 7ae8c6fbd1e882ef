"""Suggested sites for a region: a thin adapter from a Region and a scenario's services to :mod:`planning.siting`.

It chooses the candidate sites (settlements above a population, district centres, or an uploaded list), turns the
demand choice into weights, reads the minutes of the existing sites and of the candidates from a
:class:`planning.analysis.SiteMinutes` table, and explains every pick in people and incidents newly within the
threshold. The existing sites are fixed: they always count and are never moved.

Incidents come in as the protected release (:mod:`planning.release`). The models weigh settlements by their protected
values (never by raw counts), and every incident figure shown, the gains and the objective included, is a cell of that
release or is computed from protected values only (:attr:`Pick.gain_objective_shown`,
:attr:`Suggestion.objective_shown`). A :class:`Suggestion` is still kept per session, never in a shared cache or on
disk.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.default_region import BASELINE_MIN_POPULATION
from geo.region import Region, read_services, region_outline
from geo.settings import STORAGE_CRS
from planning.analysis import SiteMinutes
from planning.baseline import centre_settlements
from planning.coverage import is_beyond, is_within, reach_minutes_of
from planning.estimates import people
from planning.release import IncidentRelease, scaled_text
from planning.scenarios import Site
from planning.siting import (
    DEFAULT_INCIDENT_WEIGHT,
    DEFAULT_UNDERREPORTING_FACTOR,
    DemandWeights,
    SitingError,
    SitingModel,
    SitingOptions,
    SitingResult,
    demand_weights,
    model_of,
    with_exact_gap,
)

CANDIDATE_SOURCES = ("population", "district_centres", "upload")
"""Where candidate sites come from: settlements of at least a population, district centres, or an uploaded list."""

DEFAULT_MIN_POPULATION = 1_000
"""People a settlement needs to be a candidate under ``source="population"``."""

DISTRICT_CENTRE_MIN_POPULATION = BASELINE_MIN_POPULATION
"""Without district outlines, towns of at least this many people stand in for district centres (as the baseline)."""

EXACT_GAP_MAX_CANDIDATES = 300
"""Up to this many candidates, pages solve exactly as well by default, to say how far greedy is from the optimum."""

SUGGESTED_ID_PREFIX = "suggested-"
"""Service ids of suggested sites saved into a scenario: ``suggested-01``, ``suggested-02``, …"""

NO_DISTRICT = -1
"""District index of a site outside every district outline."""

CANDIDATE_COLUMNS = ["settlement_id", "name", "district_id", "population", "geometry"]


@dataclass(frozen=True)
class Pick:
    """One suggested site, in the order picked.

    Attributes
    ----------
    order : int
        1 for the first pick.
    settlement_id, name : str
        The candidate (an uploaded candidate's own id and name).
    lat, lon : float
        Degrees, EPSG:4326.
    district_id : str or None
    gain_people : float
        People newly within the threshold of a service (known or estimated, :func:`planning.estimates.people`).
    gain_incidents : str or None
        Reported incidents newly within the threshold: the release's cell of those settlements (``"<5"`` when
        hidden); None without incident data.
    gain_settlements : int
        Settlements newly within the threshold.
    gain_objective : float
        The model's own gain (:attr:`planning.siting.SitingResult.gain`): demand newly covered (mclp, lscp) or
        demand-weighted minutes saved (pmedian), computed on protected values.
    gain_objective_shown : float or str
        ``gain_objective`` as it may be shown: with demand = incidents under a model whose gains count demand
        (:attr:`planning.siting.SitingModel.counts_released_cells`: mclp, lscp), the released cell of the newly
        covered settlements times the under-reporting factor (text, ``"<5"`` when hidden); else the number.
    """

    order: int
    settlement_id: str
    name: str
    lat: float
    lon: float
    district_id: str | None
    gain_people: float
    gain_incidents: str | None
    gain_settlements: int
    gain_objective: float
    gain_objective_shown: float | str


@dataclass(frozen=True)
class Suggestion:
    """Sites to add to a scenario, why each one, and how good the answer is.

    Attributes
    ----------
    picks : tuple of Pick
    objective : float
        See :attr:`planning.siting.SitingResult.objective` (in demand units, on protected values).
    objective_shown : float or str
        ``objective`` as it may be shown: with demand = incidents under a model whose objective is covered demand
        (:attr:`planning.siting.SitingModel.objective_counts_demand`: mclp), the released cell of the settlements
        covered in the end times the under-reporting factor (text); else the number.
    solver, status : str
        "greedy" / "greedy+swap" / "cbc"; "heuristic" / "optimal" / "feasible".
    gap : float or None
        Share (0.05 = 5 %) the objective may be from the optimum; exact when ``bound_kind == "optimal"``.
    bound_kind : str or None
        "optimal", "lp" or "greedy_guarantee".
    unreachable : tuple of str
        Settlement ids no candidate and no existing site can serve (within the threshold; p-median: at all).
    districts_without_candidates : tuple of str
        District ids the district option could not satisfy: no existing site and no candidate in them.
    demand : DemandWeights
        The weights used, their explanation and the unknown counts.
    base : GeoDataFrame
        The fixed services of the base scenario (canonical services schema).
    result : SitingResult
        The core's answer (candidate row indices).
    """

    model: str
    method: str
    threshold_minutes: float
    picks: tuple[Pick, ...]
    objective: float
    objective_shown: float | str
    solver: str
    status: str
    gap: float | None
    bound_kind: str | None
    unreachable: tuple[str, ...]
    districts_without_candidates: tuple[str, ...]
    n_candidates: int
    demand: DemandWeights
    base: gpd.GeoDataFrame
    result: SitingResult

    @property
    def siting_model(self) -> SitingModel:
        """The model object of :attr:`model` (:data:`planning.siting.MODELS`)."""
        return model_of(self.model)


def candidate_sites(
    region: Region,
    *,
    source: str = "population",
    min_population: float = DEFAULT_MIN_POPULATION,
    upload: bytes | None = None,
    upload_name: str = "candidates.csv",
    notes: list | None = None,
) -> gpd.GeoDataFrame:
    """Candidate sites as a frame of :data:`CANDIDATE_COLUMNS` (EPSG:4326).

    Parameters
    ----------
    region : geo.region.Region
    source : {"population", "district_centres", "upload"}
        ``"population"``: settlements of at least ``min_population`` people, known or estimated (so that a
        district whose villages lack figures is not left without candidates).
        ``"district_centres"``: the settlements of the region's declared baseline (the KATO centres of the bundled
        default), else the most populous settlement of each district, or, without district outlines, every
        settlement of at least :data:`DISTRICT_CENTRE_MIN_POPULATION` people
        (:func:`planning.baseline.centre_settlements`).
        ``"upload"``: the rows of ``upload``, a ``services.csv``-shaped table (id, name, kind, lat, lon, …) checked
        against the region outline.
    min_population : float
        People; ``source="population"`` only.
    upload : bytes, optional
        The uploaded file; ``source="upload"`` only.
    notes : list, optional
        Receives the warnings of the upload (which column was read as what), for the page to show.

    Raises
    ------
    SitingError
        For an unknown source or a missing upload.
    geo.errors.ValidationError
        With every problem of the uploaded file.
    """
    settlements = region.settlements
    if source == "population":
        # known or estimated (planning.estimates): a district whose villages lack figures still has candidates
        chosen = settlements[people(settlements) >= min_population]
    elif source == "district_centres":
        chosen = centre_settlements(region)
    elif source == "upload":
        if upload is None:
            raise SitingError("`source='upload'` needs `upload`, the bytes of a services.csv-shaped file.")
        sites = read_services(
            upload,
            name=upload_name,
            outline=region_outline(region),
            districts=region.districts,
            analysis_crs=region.analysis_crs,
            notes=notes,
        )
        frame = gpd.GeoDataFrame(
            {
                "settlement_id": sites["service_id"].astype(object).to_numpy(),
                "name": sites["name"].astype(object).to_numpy(),
                "district_id": _ids(sites["district_id"]),
                "population": np.full(len(sites), np.nan),
            },
            geometry=sites.geometry.to_numpy(),
            crs=sites.crs,
        )
        return frame.to_crs(STORAGE_CRS)[CANDIDATE_COLUMNS]
    else:
        raise SitingError(f"`source` must be one of {CANDIDATE_SOURCES}; got {source!r}.")
    frame = gpd.GeoDataFrame(chosen[CANDIDATE_COLUMNS].copy(), geometry="geometry", crs=settlements.crs)
    frame["district_id"] = _ids(frame["district_id"])
    return frame.reset_index(drop=True)


def suggest(
    region: Region,
    services: gpd.GeoDataFrame,
    site_minutes: SiteMinutes,
    candidates: gpd.GeoDataFrame,
    *,
    model: str | SitingModel,
    threshold_minutes: float,
    add: int | None = None,
    demand: str = "population",
    incidents: IncidentRelease | None = None,
    incident_weight: float = DEFAULT_INCIDENT_WEIGHT,
    underreporting_factor: float = DEFAULT_UNDERREPORTING_FACTOR,
    rate_per_1000: float | None = None,
    method: str = "greedy",
    every_district: bool = False,
    exact_gap: bool = False,
) -> Suggestion:
    """Suggest sites to add to ``services`` (kept fixed) with one of the location models.

    Parameters
    ----------
    region : geo.region.Region
    services : GeoDataFrame
        The base scenario's sites (canonical services schema); fixed. A mobile team serves only within its own
        ``reach_minutes``.
    site_minutes : SiteMinutes
        Built for ``region.settlements``.
    candidates : GeoDataFrame
        From :func:`candidate_sites`.
    model : str or planning.siting.SitingModel
        A model of :data:`planning.siting.MODELS`, or its name ("mclp", "lscp", "pmedian").
    threshold_minutes : float
        T: coverage threshold (mclp, lscp), and the threshold the per-pick gains in people and incidents are
        counted at (all models).
    add : int, optional
        K, sites to add; required by the models that take K (:attr:`planning.siting.SitingModel.takes_k`: mclp and
        pmedian), ignored by the others (lscp adds as few as needed).
    demand : {"population", "need", "incidents", "blend"}
        See :data:`planning.siting.DEMAND_MODES`. People are known or estimated (:func:`planning.estimates.people`):
        no settlement of unknown population counts as 0.
    incidents : IncidentRelease, optional
        The protected release of the incidents, aligned with ``region.settlements``; the models weigh its
        protected values.
    incident_weight, underreporting_factor, rate_per_1000 : float
        See :func:`planning.siting.demand_weights`.
    method : {"greedy", "exact"}
    every_district : bool
        At least one service in every district of ``region.districts`` (an existing site counts).
    exact_gap : bool
        Greedy only: also solve exactly, to report the greedy's exact distance from the optimum.

    Returns
    -------
    Suggestion
    """
    siting_model = model_of(model)
    if siting_model.takes_k and add is None:
        raise SitingError(f"`model={siting_model.name!r}` needs `add`, the number of sites to add (K).")
    if len(candidates) == 0:
        raise SitingError("there are no candidate sites; lower the population limit or upload a list of sites.")
    settlements = region.settlements
    weights = demand_weights(
        people(settlements),
        None if incidents is None else incidents.protected,
        mode=demand,
        incident_weight=incident_weight,
        underreporting_factor=underreporting_factor,
        rate_per_1000=rate_per_1000,
    )
    candidate_minutes = np.asarray(site_minutes.rows(candidates), dtype=np.float64)
    fixed_minutes = _fixed_minutes(services, site_minutes)
    district_ids = [str(d) for d in region.districts["district_id"]]
    options: SitingOptions = {"fixed_minutes": fixed_minutes, "method": method}
    if every_district and district_ids:
        options.update(
            {
                "district_of_site": _district_index(candidates["district_id"], district_ids),
                "district_of_fixed": _district_index(_service_districts(region, services), district_ids),
                "require_districts": range(len(district_ids)),
            }
        )
    result = siting_model.solve(
        candidate_minutes, weights.weights, add=add, threshold_minutes=threshold_minutes, **options
    )
    if exact_gap and method == "greedy":
        exact = siting_model.solve(
            candidate_minutes,
            weights.weights,
            add=add,
            threshold_minutes=threshold_minutes,
            **(options | {"method": "exact"}),
        )
        if exact.status == "optimal":
            result = with_exact_gap(result, exact)
    counted = siting_model.counts_released_cells and demand == "incidents"
    picks = picks_of(
        result.chosen,
        result.gain,
        candidates,
        candidate_minutes,
        fixed_minutes,
        settlements,
        incidents,
        threshold_minutes=threshold_minutes,
        factor=underreporting_factor if counted else None,
    )
    objective_shown: float | str = result.objective
    if counted and siting_model.objective_counts_demand and incidents is not None:
        reached = np.vstack([fixed_minutes, candidate_minutes[list(result.chosen)]])
        covered = is_within(reached, threshold_minutes).any(axis=0)
        objective_shown = scaled_text(incidents.value(covered), underreporting_factor, incidents.k)
    ids = settlements["settlement_id"].astype(object).to_numpy()
    return Suggestion(
        model=siting_model.name,
        method=method,
        threshold_minutes=float(threshold_minutes),
        picks=picks,
        objective=result.objective,
        objective_shown=objective_shown,
        solver=result.solver,
        status=result.status,
        gap=result.gap,
        bound_kind=result.bound_kind,
        unreachable=tuple(str(ids[i]) for i in result.unreachable),
        districts_without_candidates=tuple(district_ids[d] for d in result.districts_without_candidates),
        n_candidates=len(candidates),
        demand=weights,
        base=services,
        result=result,
    )


def suggested_sites(
    base: list[Site] | tuple[Site, ...],
    suggestion: Suggestion,
    *,
    name_prefix: str = "",
    orders: Collection[int] | None = None,
) -> list[Site]:
    """The base sites unchanged, then the picks as permanent sites (ids ``suggested-01``…, never clashing).

    ``orders``: only the picks of these :attr:`Pick.order` numbers (default every pick); a pick where a base site
    already stands (same point to :data:`SAME_SITE_DEGREES`, e.g. added before) is not added again.
    """
    return sites_of_picks(base, suggestion.picks, name_prefix=name_prefix, orders=orders)


def sites_of_picks(
    base: list[Site] | tuple[Site, ...],
    picks: Iterable[Pick],
    *,
    name_prefix: str = "",
    orders: Collection[int] | None = None,
) -> list[Site]:
    """:func:`suggested_sites` for any picks (the central suggestion's, or the robust choice's of
    :mod:`planning.robust`)."""
    taken = {s.service_id for s in base}
    added, number = [], 0
    for pick in picks:
        if orders is not None and pick.order not in orders:
            continue
        if any(abs(s.lat - pick.lat) <= SAME_SITE_DEGREES and abs(s.lon - pick.lon) <= SAME_SITE_DEGREES for s in base):
            continue
        number += 1
        while f"{SUGGESTED_ID_PREFIX}{number:02d}" in taken:
            number += 1
        added.append(
            Site(f"{SUGGESTED_ID_PREFIX}{number:02d}", f"{name_prefix}{pick.name}", "permanent", pick.lat, pick.lon)
        )
    return [*base, *added]


SAME_SITE_DEGREES = 1e-6
"""A pick and a site this close (degrees, both coordinates) stand at one point: the pick is not added twice."""


def pick_table(suggestion: Suggestion, *, show_incidents: bool = True) -> pd.DataFrame:
    """The picks as a table for pages, exports and the CLI: every incident figure from the release.

    Columns: order, settlement_id, name, lat, lon, district_id, gain_people, gain_settlements, gain_objective (as
    it may be shown, :attr:`Pick.gain_objective_shown`) and, when there are incident data and ``show_incidents``,
    gain_incidents (released cells, e.g. ``"<5"``).
    """
    columns = [
        "order",
        "settlement_id",
        "name",
        "lat",
        "lon",
        "district_id",
        "gain_people",
        "gain_settlements",
        "gain_objective",
    ]
    if show_incidents and suggestion.picks and suggestion.picks[0].gain_incidents is not None:
        columns.append("gain_incidents")
    rows = []
    for pick in suggestion.picks:
        row = {
            "order": pick.order,
            "settlement_id": pick.settlement_id,
            "name": pick.name,
            "lat": pick.lat,
            "lon": pick.lon,
            "district_id": pick.district_id,
            "gain_people": pick.gain_people,
            "gain_settlements": pick.gain_settlements,
            "gain_objective": pick.gain_objective_shown,
        }
        if "gain_incidents" in columns:
            row["gain_incidents"] = pick.gain_incidents
        rows.append(row)
    return pd.DataFrame(rows, columns=columns)


# --- helpers ----------------------------------------------------------------------------------------------------


def _fixed_minutes(services: gpd.GeoDataFrame, site_minutes: SiteMinutes) -> np.ndarray:
    """Minutes from the fixed sites; a mobile team does not serve beyond its own reach."""
    minutes = np.asarray(site_minutes.rows(services), dtype=np.float64)
    if len(services):
        reach = reach_minutes_of(services)
        minutes = np.where(is_beyond(minutes, np.where(np.isnan(reach), np.inf, reach)[:, None]), np.inf, minutes)
    return minutes


def _ids(values: pd.Series) -> np.ndarray:
    return np.array([str(v) if pd.notna(v) else None for v in values], dtype=object)


def _district_index(values: Iterable[object], district_ids: list[str]) -> np.ndarray:
    position = {d: i for i, d in enumerate(district_ids)}
    return np.array([position.get(str(v), NO_DISTRICT) if pd.notna(v) else NO_DISTRICT for v in values], dtype=np.int64)


def _service_districts(region: Region, services: gpd.GeoDataFrame) -> np.ndarray:
    """The district of each service by location (scenario sites carry no district of their own)."""
    if services.empty:
        return np.empty(0, dtype=object)
    points = gpd.GeoDataFrame(geometry=services.geometry.to_crs(STORAGE_CRS).to_numpy(), crs=STORAGE_CRS)
    joined = gpd.sjoin(points, region.districts[["district_id", "geometry"]], how="left", predicate="within")
    joined = joined[~joined.index.duplicated(keep="first")].sort_index()
    return _ids(joined["district_id"])


def picks_of(
    chosen: Iterable[int],
    gains: Iterable[float],
    candidates: gpd.GeoDataFrame,
    candidate_minutes: np.ndarray,
    fixed_minutes: np.ndarray,
    settlements: gpd.GeoDataFrame,
    incidents: IncidentRelease | None,
    *,
    threshold_minutes: float,
    factor: float | None,
) -> tuple[Pick, ...]:
    """Each chosen candidate row as a :class:`Pick` with the people and incidents (released cells) it newly brings
    within the threshold, in the order given; ``gains``: the model's gain of each (:attr:`Pick.gain_objective`);
    ``factor``: the objective counts incidents times this (its shown gain is then a scaled cell)."""
    population = people(settlements)  # known or estimated, never an unknown as 0
    covered = is_within(fixed_minutes, threshold_minutes).any(axis=0)
    points = candidates.geometry.to_crs(STORAGE_CRS)
    picks = []
    for order, (row, gain) in enumerate(zip(chosen, gains), start=1):
        new = is_within(candidate_minutes[row], threshold_minutes) & ~covered
        covered = covered | new
        candidate = candidates.iloc[row]
        district = candidate["district_id"]
        picks.append(
            Pick(
                order=order,
                settlement_id=str(candidate["settlement_id"]),
                name=str(candidate["name"]),
                lat=float(points.iloc[row].y),
                lon=float(points.iloc[row].x),
                district_id=str(district) if pd.notna(district) else None,
                gain_people=float(population[new].sum()),
                gain_incidents=None if incidents is None else incidents.text(new),
                gain_settlements=int(new.sum()),
                gain_objective=float(gain),
                gain_objective_shown=float(gain)
                if factor is None or incidents is None
                else scaled_text(incidents.value(new), factor, incidents.k),
            )
        )
    return tuple(picks)
