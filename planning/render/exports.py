"""Files to take away: a standalone HTML map that opens offline, tables as CSV and XLSX, isochrones and gaps as
GeoJSON.

Every incident figure is a cell of the one protected release (:mod:`planning.release`), the same the pages and the
PDF show; per-settlement incident figures appear only when the caller passes ``incident_level="settlement"``
(planners), never for presenters (district level).

Every table and file states its demand basis (``demand_basis``: people, need or incidents, issue 19) and carries each
settlement's demand on it (``demand``); the headline figures go out with their ``low`` and ``high``
(:func:`planning.ranges.figure_table`). With demand = incidents a settlement's demand is its released cell (``"<k"``
where suppressed), and only for the readers who may see settlements.
"""

from __future__ import annotations

import base64
import io
import json
import math
import re

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
from branca.element import Element

from geo.network import RoadNetwork
from geo.region import Region
from geo.settings import PROJECT_DIR
from planning.analysis import ScenarioResult
from planning.coverage import gaps, is_within
from planning.i18n import made_name, place_names, t
from planning.intake.population import population_sources
from planning.markup import spreadsheet_frame
from planning.need import NeedRate
from planning.ranges import Figure, figure_table, settlement_demand
from planning.release import IncidentRelease
from planning.render.gapmap import add_gap_layers, minutes_cell
from planning.render.gapmap import district_table as gapmap_district_table
from planning.render.report import (
    GAP_THRESHOLD_MINUTES,
    THRESHOLDS_MINUTES,
    area_label,
    gap_table,
    settlement_incidents,
)
from planning.render.webmap import STATIC_URL, layer_control_last, region_map

LEAFLET_DIR = PROJECT_DIR / "static" / "vendor" / "leaflet"
"""Leaflet as vendored for the app; the standalone HTML carries a copy inline."""


# --- maps -----------------------------------------------------------------------------------------------------------
def scenario_map(
    region: Region,
    result: ScenarioResult,
    *,
    bands: gpd.GeoDataFrame | None,
    lang: str = "ru",
    k: int,
    settlement_incidents: IncidentRelease | None = None,
    asset_url: str = STATIC_URL,
    method_description: str | None = None,
    district_id: str | None = None,
    network: RoadNetwork | None = None,
) -> folium.Map:
    """The web map of a scenario: :func:`planning.render.webmap.region_map` with its isochrone bands and the settlements
    beyond :data:`planning.render.report.GAP_THRESHOLD_MINUTES` (gaps) as layers.

    ``settlement_incidents`` (the release, drawn as each settlement's cell) only for users who may see that level.
    ``method_description`` (:meth:`planning.analysis.SiteMinutes.describe` in ``lang``; default the result's
    English description) is stated in the legend with the method. ``district_id``: fit the view to that district.
    ``network``: the road network in use, drawn on the base layer.
    """
    fmap = region_map(
        region,
        lang=lang,
        services=result.services,
        settlement_incidents=settlement_incidents,
        k=k,
        asset_url=asset_url,
        method=result.method,
        bands=bands,
        district_id=district_id,
        method_description=method_description if method_description is not None else result.description,
        network=network,
    )
    add_gap_layers(
        fmap,
        region.settlements,
        result.nearest.minutes,
        result.coverage.population,
        threshold_minutes=GAP_THRESHOLD_MINUTES,
        lang=lang,
        estimated=result.coverage.estimated_population,
    )
    layer_control_last(fmap)
    return fmap


def standalone_html(fmap: folium.Map) -> str:
    """The map as one HTML document that opens offline: Leaflet's script and style (its images as data URIs)
    inline instead of the app's /app/static URLs."""
    fmap.default_js, fmap.default_css = [], []
    header = fmap.get_root().header  # type: ignore[attr-defined]  # the root of a folium map is a Figure
    header.add_child(Element(f"<style>{_inline_css()}</style>"), name="leaflet_css_inline")
    header.add_child(
        Element(f"<script>{(LEAFLET_DIR / 'leaflet.js').read_text(encoding='utf-8')}</script>"),
        name="leaflet_js_inline",
    )
    return fmap.get_root().render()


def _inline_css() -> str:
    css = (LEAFLET_DIR / "leaflet.css").read_text(encoding="utf-8")

    def data_uri(match: re.Match) -> str:
        path = LEAFLET_DIR / match.group(1)
        return f"url(data:image/png;base64,{base64.b64encode(path.read_bytes()).decode('ascii')})"

    return re.sub(r"url\((images/[^)]+\.png)\)", data_uri, css)


# --- tables ---------------------------------------------------------------------------------------------------------
def settlement_table(
    region: Region,
    result: ScenarioResult,
    *,
    incidents: IncidentRelease | None = None,
    lang: str = "ru",
    incident_level: str = "district",
    demand_basis: str = "people",
    rate: NeedRate | None = None,
) -> pd.DataFrame:
    """One row per settlement: names (as shown, and the source's ``name_ru``, ``name_kk``, ``district_name_ru``),
    district, population, minutes to the nearest service, which service, how the minutes were obtained (``method``:
    ``network`` or ``estimate``) and the distance to the nearest road (``access_km``, km; empty without a network),
    within each threshold; incidents (each settlement's released cell) only when ``incident_level`` is
    "settlement"; the demand basis (``demand_basis``) and each settlement's demand on it (``demand``: people known or
    estimated, expected cases, or the released cell, empty for a reader who may not see settlements' incidents)."""
    shown = settlement_incidents(incidents, incident_level)
    settlements = region.settlements
    minutes = result.nearest.minutes
    source_district_names = dict(
        zip(region.districts["district_id"].astype(object), region.districts["name_ru"].astype(object))
    )
    services = dict(
        zip(
            result.services["service_id"].astype(object),
            (made_name(n, lang) for n in result.services["name"].astype(object)),
        )
    )
    table = pd.DataFrame(
        {
            "settlement_id": settlements["settlement_id"].astype(object).to_numpy(),
            t("field.name", lang): place_names(settlements, lang),
            "district_id": settlements["district_id"].astype(object).to_numpy(),
            t("field.district", lang): [
                area_label(region, d, lang) if isinstance(d, str) else None for d in settlements["district_id"]
            ],
            # the source's own spellings beside the names shown (geo.names corrects and chooses those)
            "name_ru": settlements["name_ru"].astype(object).to_numpy(),
            "name_kk": settlements["name_kk"].astype(object).to_numpy(),
            "district_name_ru": settlements["district_id"].map(source_district_names).astype(object).to_numpy(),
            t("field.population", lang): settlements["population"].to_numpy(dtype=float),
            t("population.col_source", lang): [
                t(f"population.source.{s}", lang) for s in population_sources(settlements)
            ],
            t("report.col_minutes", lang): [minutes_cell(m) for m in minutes],
            t("report.col_nearest_service", lang): [services.get(s, s) for s in result.nearest_service_ids],
            "method": result.methods,
            "access_km": _access_km_cells(result),
            "demand_basis": demand_basis,
            "demand": settlement_demand(settlements, demand_basis, rate=rate, incidents=shown),
        }
    )
    for step in THRESHOLDS_MINUTES:
        table[t("report.col_covered_within", lang, minutes=int(step))] = [
            t("report.yes" if covered else "report.no", lang) for covered in is_within(minutes, step)
        ]
    if shown is not None:
        table[t("field.incidents", lang)] = shown.settlement_texts()
    return table


def _access_km_cells(result: ScenarioResult) -> list[float | None]:
    n = len(result.nearest.minutes)
    values = result.access_km if len(result.access_km) == n else [math.nan] * n
    return [round(float(v), 2) if math.isfinite(v) else None for v in values]


def _method_table(result: ScenarioResult, *, lang: str = "ru", description: str | None = None) -> pd.DataFrame:
    """How the minutes were obtained, for the export: the method with its speed profile (``description``, default
    the result's English one), the four travel constants, and how many settlements (and people) have estimated
    times."""
    constants = result.constants
    figures = next(iter(result.coverage.region.within.values()))
    rows = [
        (t("export.method.description", lang), description if description is not None else result.description),
        (t("travel.constant.max_access_km", lang), constants.max_access_km),
        (t("travel.constant.access_speed_kmh", lang), constants.access_speed_kmh),
        (t("travel.constant.circuity", lang), constants.circuity),
        (t("travel.constant.estimate_speed_kmh", lang), constants.estimate_speed_kmh),
        (t("export.method.estimated_settlements", lang), figures.settlements_time_estimated),
        (t("export.method.estimated_people", lang), round(figures.population_time_estimated)),
    ]
    return pd.DataFrame(rows, columns=[t("export.method.item", lang), t("export.method.value", lang)])


def district_table(region: Region, result: ScenarioResult, *, lang: str = "ru") -> pd.DataFrame:
    """The per-district table of the scenarios page (:func:`planning.render.gapmap.district_table`), for export: the
    same
    cells of the same release as the page."""
    return gapmap_district_table(region, result.coverage, lang=lang)


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 CSV with a byte-order mark (Excel then reads Cyrillic and Kazakh letters correctly); no text cell can
    run as a formula (:func:`planning.markup.spreadsheet_frame`)."""
    return spreadsheet_frame(frame).to_csv(index=False).encode("utf-8-sig")


def xlsx_bytes(sheets: dict[str, pd.DataFrame]) -> bytes:
    """One workbook with a sheet per table (sheet names cut to Excel's 31 characters).

    No cell is a formula: text cells go through :func:`planning.markup.spreadsheet_frame` (openpyxl would store
    text starting with ``=`` as a formula), and every cell is checked to be a value once written.
    """
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            spreadsheet_frame(frame).to_excel(writer, sheet_name=name[:31], index=False)
        for sheet in writer.book.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    if cell.data_type == "f":  # never reached after spreadsheet_frame; kept as the guarantee
                        cell.value, cell.data_type = str(cell.value), "s"
    return buffer.getvalue()


def tables(
    region: Region,
    result: ScenarioResult,
    *,
    incidents: IncidentRelease | None = None,
    lang: str = "ru",
    incident_level: str = "district",
    method_description: str | None = None,
    demand_basis: str = "people",
    rate: NeedRate | None = None,
    headline: dict[str, dict[str, Figure]] | None = None,
) -> dict[str, pd.DataFrame]:
    """The export tables by sheet name: settlements (with ``demand_basis`` and ``demand``), the headline figures
    with ``low`` and ``high`` (``headline``: :func:`planning.render.report.basis_ranges` on ``demand_basis``, when
    given), districts (when the region has any), gaps, and how the minutes were obtained (:func:`_method_table`, with
    ``method_description``: ``SiteMinutes.describe`` in ``lang``)."""
    sheets = {
        t("export.sheet_settlements", lang): settlement_table(
            region,
            result,
            incidents=incidents,
            lang=lang,
            incident_level=incident_level,
            demand_basis=demand_basis,
            rate=rate,
        )
    }
    if headline is not None:
        sheets[t("export.sheet_headline", lang)] = figure_table(headline, demand_basis)
    if result.coverage.districts and not region.districts.empty:
        sheets[t("export.sheet_districts", lang)] = district_table(region, result, lang=lang)
    sheets[t("export.sheet_gaps", lang)] = gap_table(
        region, result, incidents=incidents, lang=lang, incident_level=incident_level
    )
    sheets[t("export.sheet_method", lang)] = _method_table(result, lang=lang, description=method_description)
    return sheets


def headline_csv(headline: dict[str, dict[str, Figure]], demand_basis: str) -> bytes:
    """The headline figures with their ranges as CSV: ``demand_basis``, ``minutes``, ``figure``, ``value``, ``low``,
    ``high`` (:func:`planning.ranges.figure_table`)."""
    return csv_bytes(figure_table(headline, demand_basis))


# --- GeoJSON --------------------------------------------------------------------------------------------------------
def bands_geojson(bands: gpd.GeoDataFrame) -> str:
    """Isochrone bands (service_id, minutes, method) as GeoJSON in EPSG:4326."""
    return bands.to_crs("EPSG:4326")[["service_id", "minutes", "method", "geometry"]].to_json(drop_id=True)


def gaps_geojson(
    region: Region,
    result: ScenarioResult,
    *,
    incidents: IncidentRelease | None = None,
    lang: str = "ru",
    incident_level: str = "district",
    demand_basis: str = "people",
    rate: NeedRate | None = None,
    headline: dict[str, dict[str, Figure]] | None = None,
) -> str:
    """Settlements beyond :data:`planning.render.report.GAP_THRESHOLD_MINUTES` as GeoJSON points, most pressing first;
    incidents (each settlement's released cell) only at the settlement level. Each point carries ``demand_basis``
    and its ``demand`` on it; the collection carries ``demand_basis`` and, when given, the ``headline`` figures
    (``{minutes: {figure: {value, low, high}}}``)."""
    shown = settlement_incidents(incidents, incident_level)
    table = gaps(
        region.settlements,
        result.nearest.minutes,
        list(result.nearest_service_ids),
        incidents,
        threshold_minutes=GAP_THRESHOLD_MINUTES,
    )
    located = region.settlements.set_index(region.settlements["settlement_id"].astype(object)).loc[
        table["settlement_id"].astype(object)
    ]
    position_of = {sid: i for i, sid in enumerate(region.settlements["settlement_id"].astype(object))}
    positions = np.array([position_of[sid] for sid in table["settlement_id"].astype(object)], dtype=np.int64)
    frame = gpd.GeoDataFrame(
        {
            "settlement_id": table["settlement_id"].astype(object).to_numpy(),
            "name": place_names(located, lang),
            "district_id": table["district_id"].astype(object).to_numpy(),
            "population": table["population"].to_numpy(dtype=float),
            "minutes": [minutes_cell(m) for m in table["minutes"]],
            "nearest_service_id": table["nearest_service_id"].to_numpy(dtype=object),
            "method": result.methods[positions],
            "access_km": [_access_km_cells(result)[i] for i in positions],
            "demand_basis": demand_basis,
            "demand": settlement_demand(region.settlements, demand_basis, rate=rate, incidents=shown)[positions],
        },
        geometry=located.geometry.to_numpy(),
        crs=region.settlements.crs,
    )
    if shown is not None:
        frame["incidents"] = table["incidents"].to_numpy(dtype=object)
    collection = json.loads(frame.to_crs("EPSG:4326").to_json(drop_id=True))
    collection["travel_constants"] = result.constants.to_dict()  # a foreign member: how the minutes were obtained
    collection["method_description"] = result.description
    collection["demand_basis"] = demand_basis
    if headline is not None:
        collection["headline"] = {m: {name: f.to_dict() for name, f in row.items()} for m, row in headline.items()}
    return json.dumps(collection, ensure_ascii=False)
