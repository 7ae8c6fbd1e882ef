"""From a region and a teams file to a :class:`planning.circuits.Instance` (issue 20).

Which villages must be visited (beyond ``T`` minutes of every fixed service, optionally in some districts), their
demand (people as every view counts them, :func:`planning.estimates.people`: an unknown population is the region's
estimate from the known settlements of the same place type and district, with its range, and flagged as such, so a
village has the same number of people on the Teams page as on the Map), the teams file (name, base, day_hours,
visit_minutes, days), where each base is, and the travel-time matrix between bases and villages over the road
network (or the labelled straight-line estimate without roads, :func:`geo.traveltime.travel_matrix`). No streamlit
here.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.network import RoadNetwork
from geo.region import Region, region_outline
from geo.traveltime import DEFAULT_CONSTANTS, TravelConstants, travel_matrix
from planning.analysis import SiteMinutes
from planning.circuits import (
    DEFAULT_ENGINE,
    MINUTES_PER_HOUR,
    Instance,
    Plan,
    ProgressFn,
    Team,
    TeamError,
    check_team,
    lower_bound_days,
    solve,
)
from planning.estimates import SOURCE_ESTIMATE, SOURCE_UNKNOWN, people, people_range, population_source_of
from planning.i18n import LANGUAGES, place_names
from planning.lookup import name_key

TEAM_COLUMNS = ("name", "base", "day_hours", "visit_minutes", "days")
"""The columns of a teams file, in this order."""
POPULATION_FILL = "estimate"
"""How an unknown population is filled (``population_fill`` of a plan): the region's estimate,
:func:`planning.estimates.estimate_populations` (median of the known settlements of the same place type and district,
where enough are known, else of the region; its range the interquartile range)."""
FIXED_KIND = "permanent"
MATRIX_SLACK_MINUTES = 1.0
"""Pairs up to the longest working day (plus this) are computed; longer ones cannot be in any route."""
SECONDS_PER_VILLAGE = 0.1
MIN_SEARCH_S = 3.0
MAX_SEARCH_S = 60.0


@dataclass(frozen=True)
class Base:
    """Where a team starts and ends each day: a point (degrees) and the label of what it was resolved to."""

    lon: float
    lat: float
    label: str
    settlement_id: str | None = None
    service_id: str | None = None


@dataclass(frozen=True)
class CircuitInput:
    """Everything a plan of the region needs.

    Attributes
    ----------
    instance : Instance
    villages : ndarray of int
        Position in ``region.settlements`` of each village of the instance.
    bases : tuple of Base
    population_filled : ndarray of bool
        True where the village's demand is an estimate (its population unknown, :mod:`planning.estimates`).
    estimated : ndarray of bool, shape like ``instance.minutes``
        True where the pair's time is the straight-line estimate.
    """

    instance: Instance
    villages: np.ndarray
    bases: tuple[Base, ...]
    population_filled: np.ndarray
    estimated: np.ndarray


def demand(settlements: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Each settlement's people as every view counts them (:func:`planning.estimates.people`: known, else the
    region's estimate, never 0), and where that is not a known population.

    Returns
    -------
    weight : ndarray of float
        People per settlement.
    filled : ndarray of bool
        True where the population is estimated (or, in a region that knows none, counted as one unit).
    """
    sources = population_source_of(settlements)
    return people(settlements), np.isin(sources, (SOURCE_ESTIMATE, SOURCE_UNKNOWN))


def required_villages(
    region: Region,
    fixed_minutes: np.ndarray,
    *,
    threshold_minutes: float,
    districts: Sequence[str] | None = None,
    chosen: Sequence[str] | None = None,
) -> np.ndarray:
    """Positions of the settlements to visit: farther than ``threshold_minutes`` from every fixed service
    (``fixed_minutes``, per settlement, ``inf`` = none reaches it), within ``districts`` if given; or exactly the
    settlement ids ``chosen`` (then the threshold does not apply)."""
    settlements = region.settlements
    if chosen is not None:
        ids = settlements["settlement_id"].astype(str).to_numpy()
        want = set(map(str, chosen))
        return np.flatnonzero(np.isin(ids, list(want)))
    mask = ~(np.asarray(fixed_minutes, float) <= threshold_minutes)
    if districts:
        mask &= settlements["district_id"].astype(str).isin(list(districts)).to_numpy()
    return np.flatnonzero(mask)


def fixed_services(services: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The scenario's services that stay in place (mobile teams excluded)."""
    return services[services["kind"].astype(str) == FIXED_KIND]


def read_teams(source: str | Path | io.TextIOBase) -> list[tuple[int, Team]]:
    """The teams of a CSV file (columns :data:`TEAM_COLUMNS`; ``day_hours`` in hours), each with its file row
    (header = row 1), checked by :func:`planning.circuits.check_team`.

    Raises
    ------
    TeamError
        A missing column, a value that is not a number, a bad setting: naming the row and column.
    """
    text = source.read() if isinstance(source, io.TextIOBase) else Path(source).read_text(encoding="utf-8-sig")
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in TEAM_COLUMNS if c not in header]
    if missing:
        raise TeamError(
            f"the teams file lacks column(s) {', '.join(missing)}; its header must be {','.join(TEAM_COLUMNS)}",
            row=1,
            column=missing[0],
            key="columns",
            params=(("missing", ", ".join(missing)), ("header", ",".join(TEAM_COLUMNS))),
        )
    teams = []
    for row, raw in enumerate(reader, start=2):
        record = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items()}
        numbers = {}
        for column in ("day_hours", "visit_minutes", "days"):
            try:
                numbers[column] = float(record[column].replace(",", "."))
            except ValueError:
                raise TeamError(
                    f"row {row}: column '{column}' is {record[column]!r}, not a number",
                    row=row,
                    column=column,
                    key="not_number",
                    params=(("value", record[column]),),
                ) from None
        if not record["base"]:
            raise TeamError(
                f"row {row}: column 'base' is empty; give a settlement or service",
                row=row,
                column="base",
                key="base_empty",
            )
        team = Team(
            name=record["name"],
            base=record["base"],
            day_minutes=numbers["day_hours"] * MINUTES_PER_HOUR,
            visit_minutes=numbers["visit_minutes"],
            days=int(numbers["days"]) if numbers["days"] == int(numbers["days"]) else -1,
        )
        teams.append((row, check_team(team, row=row)))
    if not teams:
        raise TeamError("the teams file has no team rows; add one row per team", row=2, column="name", key="no_rows")
    return teams


def resolve_base(region: Region, services: gpd.GeoDataFrame, text: str, *, row: int | None = None) -> Base:
    """The point of a base given as a service id, a settlement id or KATO code, or a settlement or service name
    (case and spaces do not count; a name matching several settlements is refused).

    Raises
    ------
    TeamError
        Nothing of that id or name, an ambiguous name, or a base outside the region's boundary.
    """
    where = f"row {row}: " if row is not None else ""
    key = name_key(text)
    found: list[Base] = []
    for frame, kind in ((services, "service"), (region.settlements, "settlement")):
        if frame.empty:
            continue
        id_column = "service_id" if kind == "service" else "settlement_id"
        ids = frame[id_column].astype(str).map(name_key)
        hit = ids == key
        if kind == "settlement" and "kato" in frame:
            hit |= frame["kato"].astype(str).map(name_key) == key
        if not hit.any():
            hit = pd.Series(False, index=frame.index)
            for column in ("name", "name_ru", "name_kk", "name_en"):
                if column in frame:
                    hit |= frame[column].astype(str).map(name_key) == key
        for _, rec in frame[hit.to_numpy()].iterrows():
            point = rec.geometry
            found.append(
                Base(
                    float(point.x),
                    float(point.y),
                    str(rec.get("name") or rec[id_column]),
                    settlement_id=str(rec[id_column]) if kind == "settlement" else None,
                    service_id=str(rec[id_column]) if kind == "service" else None,
                )
            )
        if found:
            break
    if not found:
        raise TeamError(
            f"{where}column 'base': no service or settlement {text!r} in the region; give a service id, a settlement "
            "id or a name as on the map",
            row=row,
            column="base",
            key="base_unknown",
            params=(("value", text),),
        )
    if len(found) > 1:
        raise TeamError(
            f"{where}column 'base': {text!r} names {len(found)} places; give the settlement id instead",
            row=row,
            column="base",
            key="base_ambiguous",
            params=(("value", text), ("count", len(found))),
        )
    base = found[0]
    outline = region_outline(region)
    if outline is not None:
        point = gpd.GeoSeries([shapely.Point(base.lon, base.lat)], crs="EPSG:4326").to_crs(region.analysis_crs)[0]
        if not outline.contains(point):
            raise TeamError(
                f"{where}column 'base': {text!r} lies outside the region's boundary; pick a base inside the region",
                row=row,
                column="base",
                key="base_outside",
                params=(("value", text),),
            )
    return base


def nodes_frame(points: Sequence[tuple[float, float]]) -> gpd.GeoDataFrame:
    """Points (lon, lat, degrees) as a GeoDataFrame in EPSG:4326."""
    return gpd.GeoDataFrame(
        geometry=gpd.points_from_xy([p[0] for p in points], [p[1] for p in points]), crs="EPSG:4326"
    )


def node_matrix(
    network: RoadNetwork | None,
    points: Sequence[tuple[float, float]],
    *,
    analysis_crs: str,
    cutoff_minutes: float,
    constants: TravelConstants = DEFAULT_CONSTANTS,
) -> tuple[np.ndarray, np.ndarray]:
    """Minutes between every pair of ``points`` (row = from, column = to; ``inf`` beyond the cutoff) and where the
    pair is the straight-line estimate; the diagonal is 0."""
    frame = nodes_frame(points)
    result = travel_matrix(
        network, frame, frame, cutoff_minutes=cutoff_minutes, analysis_crs=analysis_crs, constants=constants
    )
    # travel_matrix's rows are sites (from the site to the place); driving is taken as from row to column.
    minutes = result.minutes.astype(float)
    np.fill_diagonal(minutes, 0.0)
    return minutes, result.estimated


def build_input(
    region: Region,
    network: RoadNetwork | None,
    teams: Sequence[Team],
    bases: Sequence[Base],
    villages: np.ndarray,
    *,
    constants: TravelConstants = DEFAULT_CONSTANTS,
) -> CircuitInput:
    """The instance of ``teams`` (at ``bases``) and ``villages`` (positions in ``region.settlements``)."""
    settlements = region.settlements.iloc[np.asarray(villages, dtype=np.int64)]
    points = [(b.lon, b.lat) for b in bases] + list(zip(settlements.geometry.x, settlements.geometry.y))
    cutoff = max(t.day_minutes for t in teams) + MATRIX_SLACK_MINUTES
    minutes, estimated = node_matrix(
        network, points, analysis_crs=region.analysis_crs, cutoff_minutes=cutoff, constants=constants
    )
    weight, filled = demand(region.settlements)
    villages = np.asarray(villages, dtype=np.int64)
    return CircuitInput(
        Instance(minutes, tuple(teams), weight[villages]), villages, tuple(bases), filled[villages], estimated
    )


def fixed_minutes(region: Region, services: gpd.GeoDataFrame, site_minutes: SiteMinutes) -> np.ndarray:
    """Per settlement, minutes to the nearest fixed service of ``services`` (no cutoff; ``inf`` = none)."""
    from planning.analysis import evaluate

    return np.asarray(evaluate(region, fixed_services(services), site_minutes, incidents=None).nearest.minutes, float)


def plan_region(
    region: Region,
    services: gpd.GeoDataFrame,
    teams: Sequence[tuple[int, Team]],
    site_minutes: SiteMinutes,
    *,
    threshold_minutes: float,
    districts: Sequence[str] | None = None,
    chosen: Sequence[str] | None = None,
    engine: str = DEFAULT_ENGINE,
    time_limit_s: float | None = None,
    progress: ProgressFn | None = None,
) -> tuple[CircuitInput, Plan]:
    """The circuit plan of ``teams`` (with their file rows) for the region's villages beyond ``threshold_minutes``
    of every fixed service of ``services`` (in ``districts``), or the settlements ``chosen``.

    ``time_limit_s`` defaults to :func:`time_budget` of the number of villages. ``progress`` gets 0..1.
    """
    bases = [resolve_base(region, services, team.base, row=row) for row, team in teams]
    if progress is not None:
        progress(0.02)
    villages = required_villages(
        region,
        fixed_minutes(region, services, site_minutes) if chosen is None else np.zeros(0),
        threshold_minutes=threshold_minutes,
        districts=districts,
        chosen=chosen,
    )
    if progress is not None:
        progress(0.1)
    data = build_input(
        region, site_minutes.network, [team for _, team in teams], bases, villages, constants=site_minutes.constants
    )
    if progress is not None:
        progress(0.25)
    limit = time_budget(len(villages)) if time_limit_s is None else time_limit_s
    inner = None if progress is None else (lambda share: progress(0.25 + 0.75 * share))
    return data, solve(data.instance, engine=engine, time_limit_s=limit, progress=inner)


def time_budget(n_villages: int) -> float:
    """OR-Tools' search seconds for ``n_villages``: :data:`SECONDS_PER_VILLAGE` each, within
    [:data:`MIN_SEARCH_S`, :data:`MAX_SEARCH_S`] (keeps two districts under 30 s and the region under 2 min)."""
    return float(min(MAX_SEARCH_S, max(MIN_SEARCH_S, SECONDS_PER_VILLAGE * n_villages)))


def plan_report(region: Region, data: CircuitInput, plan: Plan) -> dict:
    """The plan as a JSON-ready dict: per team and day the villages in order with arrival minutes, the day's drive
    and total; the villages left out with their reason and best round trip; the figures (villages required and
    visited, team-days and the lower bound, people visited with how many populations were filled)."""
    settlements = region.settlements
    instance = data.instance
    _, low, high = people_range(settlements)  # an estimate's range (known: low = high = the population)
    labels = {lang: place_names(settlements, lang) for lang in LANGUAGES}  # never an id (geo.names' rule)

    def village(v: int) -> dict:
        rec = settlements.iloc[int(data.villages[v])]
        return {
            "settlement_id": str(rec["settlement_id"]),
            "name": str(rec["name"]),
            "names": {lang: labels[lang][int(data.villages[v])] for lang in LANGUAGES},
            "district_id": str(rec["district_id"]),
            "population": float(instance.weight[v]),
            "population_estimated": bool(data.population_filled[v]),
            "population_low": float(low[data.villages[v]]),
            "population_high": float(high[data.villages[v]]),
            "lat": round(float(rec.geometry.y), 6),
            "lon": round(float(rec.geometry.x), 6),
        }

    teams = []
    for ti, (team, base) in enumerate(zip(instance.teams, data.bases)):
        days = [
            {
                "day": d.day,
                "stops": [{**village(s.village), "arrival_minutes": s.arrival_minutes} for s in d.stops],
                "drive_minutes": d.drive_minutes,
                "total_minutes": d.total_minutes,
            }
            for d in plan.days
            if d.team == ti
        ]
        teams.append(
            {
                "name": team.name,
                "base": base.label,
                "base_lat": round(base.lat, 6),
                "base_lon": round(base.lon, 6),
                "day_minutes": team.day_minutes,
                "visit_minutes": team.visit_minutes,
                "days_in_cycle": team.days,
                "days": days,
            }
        )
    trip = instance.round_trip() if instance.n_teams else np.zeros((0, instance.n_villages))
    left = []
    for v, reason in sorted(plan.left_out.items()):
        best = float(np.min(trip[:, v])) if len(trip) else float("inf")
        shown = round(best, 1) if np.isfinite(best) else None  # None: no travel time at all
        left.append({**village(v), "reason": reason, "best_round_trip_minutes": shown})
    visited = plan.visited
    districts = region.districts
    names = {
        str(rec["district_id"]): {
            lang: str(rec.get(f"name_{lang}") or rec["district_id"]) for lang in ("ru", "kk", "en")
        }
        for _, rec in districts.iterrows()
    }
    return {
        "district_names": names,
        "engine": plan.engine,
        "seconds": plan.seconds,
        "teams": teams,
        "left_out": left,
        "figures": {
            "villages_required": instance.n_villages,
            "villages_visited": len(visited),
            "team_days": plan.team_days,
            "team_days_available": int(sum(t.days for t in instance.teams)),
            "lower_bound_team_days": lower_bound_days(instance),
            "population_visited": float(np.sum(instance.weight[visited])) if visited else 0.0,
            "population_required": float(np.sum(instance.weight)),
            "populations_filled": int(np.sum(data.population_filled)),
            "population_fill": POPULATION_FILL,
            "pairs_estimated": int(np.sum(data.estimated)),
        },
    }


def circuit_bands(
    region: Region, fixed: np.ndarray, report: dict, *, threshold_minutes: float
) -> list[tuple[str, int, float]]:
    """Coverage of the region in three bands: within ``threshold_minutes`` of a fixed service; beyond it but visited
    by a team once per cycle; neither. Each band: (key, settlements, people), people known or estimated as
    :func:`demand` counts them.

    Returns
    -------
    list of (str, int, float)
        Keys ``"fixed"``, ``"visited"``, ``"neither"``.
    """
    weight, _ = demand(region.settlements)
    within = np.asarray(fixed, float) <= threshold_minutes
    ids = region.settlements["settlement_id"].astype(str).to_numpy()
    visited_ids = {s["settlement_id"] for team in report["teams"] for day in team["days"] for s in day["stops"]}
    visited = ~within & np.isin(ids, list(visited_ids))
    neither = ~within & ~visited
    return [
        (key, int(mask.sum()), float(weight[mask].sum()))
        for key, mask in (("fixed", within), ("visited", visited), ("neither", neither))
    ]


def size_region(
    region: Region,
    services: gpd.GeoDataFrame,
    template: Team,
    site_minutes: SiteMinutes,
    *,
    threshold_minutes: float,
    districts: Sequence[str] | None = None,
    engine: str = DEFAULT_ENGINE,
    time_limit_s: float | None = None,
    max_teams: int = 30,
    progress: ProgressFn | None = None,
) -> tuple[CircuitInput, Plan] | None:
    """The fewest teams like ``template`` (:func:`planning.circuits.fewest_teams`) with bases chosen among the
    scenario's fixed services and the villages to visit themselves, and their plan; None when no count up to
    ``max_teams`` visits every village some candidate can reach within a day."""
    from planning.circuits import fewest_teams

    villages = required_villages(
        region,
        fixed_minutes(region, services, site_minutes),
        threshold_minutes=threshold_minutes,
        districts=districts,
    )
    fixed = fixed_services(services)
    candidates = [
        Base(float(s.geometry.x), float(s.geometry.y), str(s["name"]), service_id=str(s["service_id"]))
        for _, s in fixed.iterrows()
    ]
    for v in villages:
        rec = region.settlements.iloc[int(v)]
        candidates.append(
            Base(
                float(rec.geometry.x), float(rec.geometry.y), str(rec["name"]), settlement_id=str(rec["settlement_id"])
            )
        )
    if progress is not None:
        progress(0.05)
    settlements = region.settlements.iloc[villages]
    points = [(b.lon, b.lat) for b in candidates] + list(zip(settlements.geometry.x, settlements.geometry.y))
    minutes, estimated = node_matrix(
        site_minutes.network,
        points,
        analysis_crs=region.analysis_crs,
        cutoff_minutes=template.day_minutes + MATRIX_SLACK_MINUTES,
        constants=site_minutes.constants,
    )
    weight, filled = demand(region.settlements)
    if progress is not None:
        progress(0.2)
    inner = None if progress is None else (lambda share: progress(0.2 + 0.8 * share))
    limit = time_budget(len(villages)) if time_limit_s is None else time_limit_s
    sizing = fewest_teams(
        minutes,
        weight[villages],
        len(candidates),
        template,
        engine=engine,
        time_limit_s=limit,
        max_teams=max_teams,
        progress=inner,
    )
    if sizing.plan is None:
        return None
    c = len(candidates)
    nodes = np.concatenate([np.array(sizing.bases, dtype=np.int64), c + np.arange(len(villages))])
    teams = tuple(
        Team(
            f"{i + 1}: {candidates[b].label}",
            candidates[b].label,
            template.day_minutes,
            template.visit_minutes,
            template.days,
        )
        for i, b in enumerate(sizing.bases)
    )
    instance = Instance(minutes[np.ix_(nodes, nodes)], teams, weight[villages])
    data = CircuitInput(
        instance,
        villages,
        tuple(candidates[b] for b in sizing.bases),
        filled[villages],
        estimated[np.ix_(nodes, nodes)],
    )
    return data, sizing.plan


def in_language(report: dict, lang: str) -> dict:
    """``report`` (of :func:`plan_report`, as computed or as saved) with each village's ``name`` as the reader of
    ``lang`` sees it (``names``: the name in that language, an unnamed place described by its nearest named one,
    never an id); a report saved before the names were kept is returned as it is."""

    def named(item: dict) -> dict:
        return {**item, "name": item["names"][lang]} if lang in item.get("names", {}) else item

    teams = [
        {**team, "days": [{**day, "stops": [named(s) for s in day["stops"]]} for day in team["days"]]}
        for team in report["teams"]
    ]
    return {**report, "teams": teams, "left_out": [named(item) for item in report["left_out"]]}
