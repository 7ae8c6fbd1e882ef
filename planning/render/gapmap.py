"""What a scenario view shows beside the figures: incident counts safe to display, the per-district table, the
ranked gap list and the gap layers of the map (uncovered settlements, unserved population on H3 hexagons).

Incident counts leave this module only as display strings, each a cell of the one protected release
(:mod:`planning.release`); see :func:`shown_incidents`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import folium
import geopandas as gpd
import numpy as np
import pandas as pd

from geo.network import RoadNetwork
from geo.region import Region
from planning.coverage import Coverage, gaps, hex_gaps, is_beyond, threshold_key
from planning.i18n import fmt_number, made_name, place_names, t
from planning.release import IncidentRelease, empty_release
from planning.render import palette
from planning.render.layered import ContentCache, add_cached_layer, object_token
from planning.render.webmap import (
    LegendRow,
    TextTooltip,
    add_legend,
    geojson_dict,
    layer_control_last,
    layer_name,
    region_map,
    region_overlay,
)

GAP_SETTLEMENT_COLOUR = palette.GAP_SETTLEMENT
HEX_COLOUR = palette.HEXAGONS
HEX_MAX_FILL_OPACITY = 0.6
"""Fill opacity of the hexagon with the most unserved people; the others scale with the square root."""
HEX_MIN_FILL_OPACITY = 0.12
HEX_OPACITY_DECIMALS = 2
"""Hexagon fill opacities are rounded to this many decimals: hexagons of one opacity share one style in the page
(folium writes one style per distinct value), and no eye tells 0.41 from 0.412."""
MINUTES_DECIMALS = 1
"""Minutes in tables and exports are rounded to this many decimals."""


# --------------------------------------------------------------------------------------------------------
# incident figures as they may be shown
# --------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ShownIncidents:
    """Incident figures of a coverage as display strings (``"0"``, ``"<k"`` or a number), all cells of the one
    protected release (:mod:`planning.release`).

    Attributes
    ----------
    settlements : ndarray of str, shape (n_settlements,)
        Each settlement's own cell.
    covered : dict of str to dict of str to str
        ``covered[threshold_key][district_id]``: incidents within the threshold.
    total : dict of str to str
        Per district.
    region_covered : dict of str to str
        Per threshold key.
    region_total : str
    """

    settlements: np.ndarray
    covered: dict[str, dict[str, str]]
    total: dict[str, str]
    region_covered: dict[str, str]
    region_total: str


def shown_incidents(cov: Coverage) -> ShownIncidents:
    """Incident figures of ``cov`` as they may be displayed: each one the release's cell of its set of
    settlements (so a region figure, a district figure and a band figure of the same set always agree, and a
    difference of two of them reveals no count).

    Raises
    ------
    ValueError
        When ``cov`` has incident counts but no release to show them from.
    """
    release = _release_of(cov)
    covered = {
        threshold_key(step): {d: release.text(cov.covered(step) & (cov.district_ids == d)) for d in cov.districts}
        for step in cov.thresholds_minutes
    }
    return ShownIncidents(
        settlements=release.settlement_texts(),
        covered=covered,
        total={d: release.text(cov.district_ids == d) for d in cov.districts},
        region_covered={threshold_key(step): release.text(cov.covered(step)) for step in cov.thresholds_minutes},
        region_total=release.text(),
    )


def _release_of(cov: Coverage):
    if cov.release is None:
        if cov.incidents.any():
            raise ValueError(
                "incident figures are shown only from a protected release; evaluate the scenario with "
                "`incidents=planning.analysis.incident_release(region, secret=...)` (the secret: "
                "planning.store.release.deployment_secret())."
            )
        return empty_release(len(cov.incidents))
    return cov.release


# --------------------------------------------------------------------------------------------------------
# tables
# --------------------------------------------------------------------------------------------------------
def district_table(region: Region, cov: Coverage, *, lang: str, incidents: bool = True) -> pd.DataFrame:
    """One row per district: population and settlements covered within each threshold, unknown populations,
    the weighted median minutes and (when ``incidents``) incident figures as they may be shown.

    Column names are translated; values are numbers except the incident columns (display strings).
    """
    names = district_names(region, lang)
    rows = []
    shown = shown_incidents(cov) if incidents else None
    for district, area in cov.districts.items():
        row: dict[str, object] = {t("field.district", lang): names.get(district, district)}
        for step in cov.thresholds_minutes:
            key = threshold_key(step)
            figures = area.within[key]
            row[t("scen.col_population_within", lang, minutes=key)] = figures.population_covered
            row[t("scen.col_share_within", lang, minutes=key)] = (
                round(100.0 * figures.population_share, 1) if math.isfinite(figures.population_share) else None
            )
            row[t("scen.col_settlements_within", lang, minutes=key)] = figures.settlements_covered
            if shown is not None:
                row[t("scen.col_incidents_within", lang, minutes=key)] = shown.covered[key][district]
        first = area.within[threshold_key(cov.thresholds_minutes[0])]
        row[t("scen.col_population_total", lang)] = first.population_total
        row[t("scen.col_settlements_total", lang)] = first.settlements_total
        row[t("scen.col_unknown_population", lang)] = first.settlements_without_known_population
        row[t("scen.col_median", lang)] = minutes_cell(area.median_minutes)
        if shown is not None:
            row[t("scen.col_incidents_total", lang)] = shown.total[district]
        rows.append(row)
    return pd.DataFrame(rows)


def gap_list(
    region: Region,
    cov: Coverage,
    nearest_service_ids: Iterable[str | None],
    *,
    threshold_minutes: float,
    lang: str,
    services: gpd.GeoDataFrame,
    incidents: bool = True,
    district_id: str | None = None,
    access_km: np.ndarray | None = None,
) -> pd.DataFrame:
    """The uncovered settlements ranked as :func:`planning.coverage.gaps` ranks them (of one district when
    ``district_id``), with translated names and columns (the method of each time, network or estimate, from
    ``cov.estimated``, and with ``access_km`` the distance to the nearest road, km); incidents (when ``incidents``)
    each settlement's cell of the release the district table draws from."""
    settlements = region.settlements
    table = gaps(
        settlements, cov.nearest_minutes, list(nearest_service_ids), cov.release, threshold_minutes=threshold_minutes
    )
    if district_id is not None:
        table = table[table["district_id"].astype(object) == district_id]
    rows = pd.Index(settlements["settlement_id"]).get_indexer(table["settlement_id"])
    names = district_names(region, lang)
    all_names = place_names(settlements, lang)
    service_names = dict(
        zip(services["service_id"].astype(str), (made_name(n, lang) for n in services["name"].astype(str)))
    )
    n = len(settlements)
    guessed = cov.estimated if cov.estimated is not None else np.zeros(n, dtype=bool)
    road_km = np.full(n, np.nan) if access_km is None or len(access_km) != n else np.asarray(access_km, float)
    out = pd.DataFrame(
        {
            t("field.name", lang): [all_names[i] for i in rows],
            t("field.district", lang): [names.get(d, d) if isinstance(d, str) else "" for d in table["district_id"]],
            t("scen.col_minutes", lang): [minutes_cell(m) for m in table["minutes"]],
            t("travel.col.method", lang): [
                t("travel.method.estimate" if guessed[i] else "travel.method.network", lang) for i in rows
            ],
            t("travel.col.access_km", lang): [
                fmt_number(road_km[i], lang, decimals=1) if math.isfinite(road_km[i]) else "—" for i in rows
            ],
            t("scen.col_nearest_service", lang): [
                service_names.get(str(s), "") if s is not None else "" for s in table["nearest_service_id"]
            ],
            t("field.population", lang): table["population"].to_numpy(),
        }
    )
    if incidents:
        out[t("field.incidents", lang)] = table["incidents"].to_numpy(dtype=object)
    return out


def minutes_cell(minutes: float) -> float | None:
    """``minutes`` as a table cell: rounded to :data:`MINUTES_DECIMALS`; None (an empty cell) when no service is
    reachable (``inf``)."""
    return round(float(minutes), MINUTES_DECIMALS) if math.isfinite(minutes) else None


def district_names(region: Region, lang: str) -> dict[str, str]:
    """district_id -> name in ``lang`` (or ru, en, the id); settlements outside every district
    (:data:`planning.coverage.NO_DISTRICT_ID`) are "no district known" in ``lang``."""
    from planning.coverage import NO_DISTRICT_ID

    return {
        NO_DISTRICT_ID: t("district.none", lang),
        **dict(zip(region.districts["district_id"].astype(str), place_names(region.districts, lang))),
    }


# --------------------------------------------------------------------------------------------------------
# map
# --------------------------------------------------------------------------------------------------------
def scenario_map(
    region: Region,
    services: gpd.GeoDataFrame,
    cov: Coverage,
    *,
    threshold_minutes: float,
    lang: str,
    k: int,
    settlement_incidents: IncidentRelease | None = None,
    district_id: str | None = None,
    network: RoadNetwork | None = None,
) -> folium.Map:
    """The region map with the scenario's services and its gap layers for ``threshold_minutes``.

    ``settlement_incidents`` (a release, drawn as each settlement's cell) only for roles that may see incidents per
    settlement. ``district_id``: fit the view to that district. ``network``: the road network in use, drawn on the
    base layer.
    """
    fmap = region_map(
        region,
        lang=lang,
        services=services,
        settlement_incidents=settlement_incidents,
        k=k,
        district_id=district_id,
        network=network,
    )
    add_gap_layers(
        fmap,
        region.settlements,
        cov.nearest_minutes,
        cov.population,
        threshold_minutes=threshold_minutes,
        lang=lang,
        estimated=cov.estimated_population,
    )
    layer_control_last(fmap)
    return fmap


def add_gap_layers(
    fmap: folium.Map,
    settlements: gpd.GeoDataFrame,
    nearest_minutes: np.ndarray,
    population: np.ndarray,
    *,
    threshold_minutes: float,
    lang: str,
    estimated: np.ndarray | None = None,
    layer_cache: ContentCache | None = None,
) -> None:
    """Add two layers to ``fmap``: unserved population on H3 hexagons and the uncovered settlements highlighted
    (both without incident data), and a legend for them. ``layer_cache``: the session's rendered layers
    (:func:`planning.render.layered.cached_layer`), reused while the minutes and the threshold stay."""
    minutes_key = threshold_key(threshold_minutes)
    minutes = np.asarray(nearest_minutes, dtype=float)
    key = (
        object_token(settlements),
        minutes,
        np.asarray(population, dtype=float),
        None if estimated is None else np.asarray(estimated, dtype=bool),
        float(threshold_minutes),
        lang,
    )
    uncovered = np.flatnonzero(is_beyond(minutes, threshold_minutes))

    def hexagons() -> folium.GeoJson | None:
        hexes = hex_gaps(settlements, minutes, population, threshold_minutes=threshold_minutes, estimated=estimated)
        return _hex_layer(hexes, lang, minutes_key) if len(hexes) else None

    hexes_drawn = add_cached_layer(fmap, layer_cache, "gaphexagons", key, hexagons)
    if len(uncovered):
        add_cached_layer(
            fmap,
            layer_cache,
            "gapsettlements",
            key,
            lambda: _uncovered_layer(settlements.iloc[uncovered], minutes[uncovered], lang, minutes_key),
        )
    rows: list[LegendRow] = []
    if hexes_drawn:
        rows.append((HEX_COLOUR, t("gap.legend_hex", lang, minutes=minutes_key), "area"))
    rows += [(GAP_SETTLEMENT_COLOUR, t("gap.legend_settlement", lang, minutes=minutes_key))] if len(uncovered) else []
    if rows:
        add_legend(fmap, rows, title=t("gap.legend_title", lang), lang=lang)


def _hex_layer(hexes: gpd.GeoDataFrame, lang: str, minutes_key: str) -> folium.GeoJson:
    peak = max(float(hexes["unserved_population"].max()), 1.0)
    frame = gpd.GeoDataFrame(
        {
            "people_label": [fmt_number(p, lang) for p in hexes["unserved_population"]],
            "settlements_label": [fmt_number(int(n), lang) for n in hexes["settlements_unserved"]],
            "unknown_label": [fmt_number(int(n), lang) for n in hexes["settlements_unknown_population"]],
            "opacity": [
                round(
                    HEX_MIN_FILL_OPACITY + (HEX_MAX_FILL_OPACITY - HEX_MIN_FILL_OPACITY) * math.sqrt(p / peak),
                    HEX_OPACITY_DECIMALS,
                )
                for p in hexes["unserved_population"]
            ],
        },
        geometry=hexes.geometry.to_numpy(),
        crs=hexes.crs,
    )
    return folium.GeoJson(
        geojson_dict(frame),
        name=layer_name(t("gap.layer_hex", lang, minutes=minutes_key)),
        style_function=lambda f: {
            "color": HEX_COLOUR,
            "weight": 1,
            "fillColor": HEX_COLOUR,
            "fillOpacity": f["properties"]["opacity"],
        },
        tooltip=TextTooltip(
            fields=["people_label", "settlements_label", "unknown_label"],
            aliases=[
                t("gap.unserved_population", lang),
                t("gap.settlements_unserved", lang),
                t("gap.unknown_population", lang),
            ],
        ),
    )


def _uncovered_layer(settlements: gpd.GeoDataFrame, minutes: np.ndarray, lang: str, minutes_key: str) -> folium.GeoJson:
    unknown = t("value.unknown", lang)
    frame = gpd.GeoDataFrame(
        {
            "label": place_names(settlements, lang),
            "minutes_label": [fmt_number(m, lang) if math.isfinite(m) else t("gap.unreachable", lang) for m in minutes],
            "population_label": [unknown if np.isnan(p) else fmt_number(p, lang) for p in settlements["population"]],
        },
        geometry=settlements.geometry.to_numpy(),
        crs=settlements.crs,
    )
    return folium.GeoJson(
        geojson_dict(frame),
        name=layer_name(t("gap.layer_settlements", lang, minutes=minutes_key)),
        marker=folium.CircleMarker(
            radius=4.5,
            weight=1,
            color=palette.SERVICE_RING,
            fill=True,
            fill_color=GAP_SETTLEMENT_COLOUR,
            fill_opacity=0.9,
        ),
        tooltip=TextTooltip(
            fields=["label", "minutes_label", "population_label"],
            aliases=[t("field.name", lang), t("scen.col_minutes", lang), t("field.population", lang)],
        ),
    )


def scenario_overlay(
    region: Region,
    services: gpd.GeoDataFrame,
    cov: Coverage,
    *,
    threshold_minutes: float,
    lang: str,
    k: int,
    settlement_incidents: IncidentRelease | None = None,
    network: RoadNetwork | None = None,
    layer_cache: ContentCache | None = None,
) -> folium.Map:
    """What :func:`scenario_map` draws over the region's base (:func:`planning.render.webmap.region_base` of the same
    ``region``, ``lang`` and ``network``), on a holder map (:mod:`planning.render.layered`): the scenario's services,
    the incidents (``settlement_incidents``, as in :func:`scenario_map`), the gap layers for ``threshold_minutes`` and
    the legend of them all. ``layer_cache``: the session's rendered layers
    (:func:`planning.render.layered.cached_layer`), reused while their content stays."""
    holder = region_overlay(
        region,
        lang=lang,
        services=services,
        settlement_incidents=settlement_incidents,
        k=k,
        network=network,
        layer_cache=layer_cache,
    )
    add_gap_layers(
        holder,
        region.settlements,
        cov.nearest_minutes,
        cov.population,
        threshold_minutes=threshold_minutes,
        lang=lang,
        estimated=cov.estimated_population,
        layer_cache=layer_cache,
    )
    return holder
