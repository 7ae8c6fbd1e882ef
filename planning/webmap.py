"""The region map as a folium object, for the map page (through streamlit-folium) and for exports.

Offline by design: Leaflet is served by the app itself (``static/vendor/leaflet``), set per map through
``default_js``/``default_css``; no tile layer unless one is configured; no element that pulls a CDN script
(no awesome-markers icons, no branca colormaps). Incidents arrive as counts per settlement, already suppressed:
no incident point is ever drawn.
"""

from __future__ import annotations

import math
import os

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
from branca.element import MacroElement, Template

from planning.i18n import fmt_number, t
from planning.privacy import suppress_count

STATIC_URL = "/app/static/vendor/leaflet"
"""Where the app serves Leaflet (Streamlit's static serving of the ``static/`` folder)."""
TILE_URL_ENV_VAR = "QORGAU_TILE_URL"
"""Optional tile server, e.g. an akimat's own; without it the map has no base layer, only vectors."""
SIMPLIFY_TOLERANCE_DEG = 0.002
"""Outlines are simplified to about 200 m before drawing: the page stays light, the picture is unchanged."""

SERVICE_COLOUR = "#c0392b"
SETTLEMENT_COLOUR = "#2c3e50"
UNKNOWN_POPULATION_COLOUR = "#95a5a6"
INCIDENT_COLOUR = "#8e44ad"


def leaflet_assets(base_url: str = STATIC_URL) -> tuple[list, list]:
    """``(default_js, default_css)`` for a folium map loading Leaflet from ``base_url``."""
    return [("leaflet", f"{base_url}/leaflet.js")], [("leaflet_css", f"{base_url}/leaflet.css")]


def base_map(boundary: gpd.GeoDataFrame, *, asset_url: str = STATIC_URL, tile_url: str | None = None) -> folium.Map:
    """An empty map fitted to the region, loading Leaflet from the app (or ``asset_url``)."""
    tile_url = tile_url if tile_url is not None else os.environ.get(TILE_URL_ENV_VAR) or None
    west, south, east, north = boundary.total_bounds
    fmap = folium.Map(location=[(south + north) / 2, (west + east) / 2], zoom_start=7, tiles=None,
                      control_scale=True, prefer_canvas=True)
    fmap.default_js, fmap.default_css = leaflet_assets(asset_url)
    if tile_url:
        folium.TileLayer(tiles=tile_url, attr="© OpenStreetMap contributors", name="tiles").add_to(fmap)
    fmap.fit_bounds([[south, west], [north, east]])
    return fmap


def region_map(region, *, lang: str = "ru", services: gpd.GeoDataFrame | None = None,
               incidents_by_settlement: pd.Series | None = None, k: int,
               asset_url: str = STATIC_URL, tile_url: str | None = None) -> folium.Map:
    """The map page's map: outline, districts with names, settlements sized by population, service sites and
    incidents aggregated per settlement (suppressed below ``k``), with a layer control and a legend.

    Parameters
    ----------
    region : geo.region.Region
    services : GeoDataFrame, optional
        The scenario's sites; the region's own services by default.
    incidents_by_settlement : Series, optional
        Incident counts indexed by settlement_id (already aggregated; see :func:`incident_counts`).
    k : int
        Small-count threshold: counts from 1 to k-1 are shown as "<k".
    """
    services = region.services if services is None else services
    fmap = base_map(region.boundary, asset_url=asset_url, tile_url=tile_url)
    folium.GeoJson(_simplified(region.boundary), name=t("layer.outline", lang),
                   style_function=lambda _: {"color": "#34495e", "weight": 3, "fill": False}).add_to(fmap)
    if not region.districts.empty:
        districts = _simplified(region.districts)
        districts["label"] = [_name(row, lang) for _, row in region.districts.iterrows()]
        folium.GeoJson(districts[["district_id", "label", "geometry"]], name=t("layer.districts", lang),
                       style_function=lambda _: {"color": "#7f8c8d", "weight": 1, "fillOpacity": 0.03},
                       tooltip=folium.GeoJsonTooltip(fields=["label"], aliases=[t("field.district", lang)])).add_to(fmap)
    if not region.settlements.empty:
        _settlement_layer(region.settlements, lang).add_to(fmap)
    if incidents_by_settlement is not None and len(incidents_by_settlement):
        _incident_layer(region.settlements, incidents_by_settlement, lang, k=k,
                        synthetic=region.incidents_synthetic).add_to(fmap)
    if services is not None and not services.empty:
        _service_layer(services, lang).add_to(fmap)
    folium.LayerControl(collapsed=False).add_to(fmap)
    add_legend(fmap, legend_rows(lang, k=k, incidents=incidents_by_settlement is not None), lang=lang)
    return fmap


def incident_counts(incidents: pd.DataFrame, *, period: str | None = None) -> pd.Series:
    """Total incidents per settlement_id (for one fixed period, or all). Counts only: nothing else is kept."""
    frame = incidents if period is None else incidents[incidents["period"].str.startswith(period)]
    frame = frame[frame["settlement_id"].notna()]
    return frame.groupby("settlement_id")["count"].sum().astype(int)


def settlement_radius_px(population: float) -> float:
    """Marker radius in pixels: grows with the square root of population, 3 px when unknown."""
    if population is None or math.isnan(population) or population <= 0:
        return 3.0
    return float(np.clip(2.0 + math.sqrt(population) / 40.0, 3.0, 22.0))


def _name(row, lang: str) -> str:
    value = row.get(f"name_{lang}")
    return value if isinstance(value, str) and value else str(row.get("name") or row.get("name_ru") or "")


def _simplified(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    out = frame.copy()
    out["geometry"] = out.geometry.simplify(SIMPLIFY_TOLERANCE_DEG, preserve_topology=True)
    return out


def _settlement_layer(settlements: gpd.GeoDataFrame, lang: str) -> folium.GeoJson:
    unknown = t("value.unknown", lang)
    frame = gpd.GeoDataFrame({
        "label": [_name(row, lang) for _, row in settlements.iterrows()],
        "kind_label": [t(f"kind.{k}", lang) if f"kind.{k}" in _kinds() else k for k in settlements["kind"]],
        "population_label": [unknown if np.isnan(p) else fmt_number(p, lang) for p in settlements["population"]],
        "radius": [settlement_radius_px(p) for p in settlements["population"]],
        "known": [not np.isnan(p) for p in settlements["population"]],
    }, geometry=settlements.geometry.to_numpy(), crs=settlements.crs)
    return folium.GeoJson(
        frame, name=t("layer.settlements", lang),
        marker=folium.CircleMarker(radius=4, weight=1, fill=True, fill_opacity=0.6),
        style_function=lambda f: {"radius": f["properties"]["radius"],
                                  "color": SETTLEMENT_COLOUR if f["properties"]["known"] else UNKNOWN_POPULATION_COLOUR,
                                  "fillColor": SETTLEMENT_COLOUR if f["properties"]["known"] else UNKNOWN_POPULATION_COLOUR},
        tooltip=folium.GeoJsonTooltip(fields=["label", "kind_label", "population_label"],
                                      aliases=[t("field.name", lang), t("field.kind", lang), t("field.population", lang)]),
    )


def _kinds() -> set[str]:
    from planning.i18n import CATALOG

    return {k for k in CATALOG if k.startswith("kind.")}


def _service_layer(services: gpd.GeoDataFrame, lang: str) -> folium.GeoJson:
    frame = gpd.GeoDataFrame({
        "service_id": services["service_id"].astype(str).to_numpy(),
        "label": services["name"].fillna(services["service_id"]).astype(str).to_numpy(),
        "kind_label": [t(f"kind.{k}", lang) for k in services["kind"]],
    }, geometry=services.geometry.to_numpy(), crs=services.crs)
    return folium.GeoJson(
        frame, name=t("layer.services", lang),
        marker=folium.CircleMarker(radius=9, weight=3, color="#ffffff", fill=True, fill_color=SERVICE_COLOUR,
                                   fill_opacity=0.95),
        tooltip=folium.GeoJsonTooltip(fields=["label", "kind_label"], aliases=[t("field.name", lang), t("field.kind", lang)]),
    )


def _incident_layer(settlements: gpd.GeoDataFrame, counts: pd.Series, lang: str, *, k: int,
                    synthetic: bool) -> folium.GeoJson:
    located = settlements.set_index("settlement_id").reindex(counts.index)
    located = located[located.geometry.notna()]
    values = counts.loc[located.index]
    frame = gpd.GeoDataFrame({
        "label": [_name(row, lang) for _, row in located.iterrows()],
        "count_label": [suppress_count(int(v), k) for v in values],
        "radius": [4.0 + 2.0 * math.log1p(int(v)) if int(v) >= k else 4.0 for v in values],
    }, geometry=located.geometry.to_numpy(), crs=settlements.crs)
    name = t("layer.incidents_synthetic" if synthetic else "layer.incidents", lang)
    return folium.GeoJson(
        frame, name=name, show=False,
        marker=folium.CircleMarker(radius=4, weight=1, color=INCIDENT_COLOUR, fill=True, fill_opacity=0.35),
        style_function=lambda f: {"radius": f["properties"]["radius"]},
        tooltip=folium.GeoJsonTooltip(fields=["label", "count_label"],
                                      aliases=[t("field.name", lang), name]),
    )


def legend_rows(lang: str, *, k: int, incidents: bool) -> list[tuple[str, str]]:
    """(colour, label) rows of the map legend."""
    rows = [(SETTLEMENT_COLOUR, t("legend.settlement", lang)),
            (UNKNOWN_POPULATION_COLOUR, t("legend.settlement_unknown", lang)),
            (SERVICE_COLOUR, t("legend.service", lang))]
    if incidents:
        rows.append((INCIDENT_COLOUR, t("legend.incidents", lang, k=str(k))))
    return rows


class _Legend(MacroElement):
    _template = Template("""
{% macro script(this, kwargs) %}
(function() {
  var legend = L.control({position: "bottomleft"});
  legend.onAdd = function() {
    var div = L.DomUtil.create("div", "qorgau-legend");
    div.style.cssText = "background:white;padding:8px 10px;border:1px solid #999;border-radius:4px;font:13px sans-serif;line-height:1.5";
    div.innerHTML = {{ this.inner | tojson }};
    return div;
  };
  legend.addTo({{ this._parent.get_name() }});
})();
{% endmacro %}
""")

    def __init__(self, title: str, rows: list[tuple[str, str]]):
        super().__init__()
        self._name = "Legend"
        from html import escape

        items = "".join(f'<div><span style="display:inline-block;width:12px;height:12px;border-radius:6px;'
                        f'background:{escape(c)};margin-right:6px;vertical-align:middle"></span>{escape(label)}</div>'
                        for c, label in rows)
        self.inner = f"<b>{escape(title)}</b>{items}"


def add_legend(fmap: folium.Map, rows: list[tuple[str, str]], *, title: str | None = None, lang: str = "ru") -> None:
    """A Leaflet control in the bottom-left corner listing ``rows`` of (colour, label)."""
    fmap.add_child(_Legend(title or t("legend.title", lang), rows))
