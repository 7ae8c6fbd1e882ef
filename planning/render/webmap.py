"""The region map as a folium object, for the map page (through streamlit-folium) and for exports.

Names are data: every tooltip is a :class:`TextTooltip` (texts set as ``textContent``, never parsed as HTML), layer
names and legend texts go through :func:`planning.markup.html_text` (Leaflet sets them as innerHTML), and values
reach the page's scripts as :func:`planning.markup.js_value` literals.

Offline by design: Leaflet is served by the app itself (``static/vendor/leaflet``), set per map through
``default_js``/``default_css``; no tile layer unless one is configured; no element that pulls a CDN script
(no awesome-markers icons, no branca colormaps).

Readable by design: colours from :mod:`planning.render.palette` (Okabe-Ito), one legend per map listing every drawn
layer (a collapsible box that starts open; the view is fitted so that the region or district lies beside it, and
fitted again when the frame changes size until the user moves the map), the map filling the frame the page gives it.
An offline base layer drawn by the app itself gives orientation: the road network in use (major roads emphasised,
simplified for size, :func:`road_base_lines`), the towns and cities labelled, the district outlines and names; place
and district names that would overlap one another or be cut by the frame's edge are hidden (the more important name
stays). The region folder has no rivers or lakes (no water layer is among its files), so none are drawn. Service
sites are hollow rings, so the village at a site stays visible. Incidents arrive as the protected release
(:mod:`planning.release`) and are drawn as each settlement's cell: no incident point or raw count is ever drawn.
"""

from __future__ import annotations

import json
import math
import weakref
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import Element, MacroElement, Template

from geo.errors import QorgauError
from geo.network import RoadNetwork
from geo.region import Region
from geo.settings import env_value
from planning.estimates import population_is_estimated
from planning.i18n import CATALOG, fmt_number, made_name, place_names, t
from planning.markup import html_text, js_value
from planning.release import IncidentRelease
from planning.render import palette, verbatim

if TYPE_CHECKING:
    from planning.render.layered import ContentCache

verbatim.install()  # rendered pieces kept as text, not compiled again (half the time of drawing a map)

STATIC_URL = "/app/static/vendor/leaflet"
"""Where the app serves Leaflet (Streamlit's static serving of the ``static/`` folder)."""
TILE_URL_ENV_VAR = "QORGAU_TILE_URL"
"""Optional tile server, e.g. an akimat's own; without it the map has no base layer, only vectors."""
SIMPLIFY_TOLERANCE_DEG = 0.002
"""Outlines are simplified to about 200 m before drawing: the page stays light, the picture is unchanged."""

SERVICE_COLOUR = palette.SERVICE
SETTLEMENT_COLOUR = palette.SETTLEMENT
UNKNOWN_POPULATION_COLOUR = palette.SETTLEMENT_UNKNOWN
INCIDENT_COLOUR = palette.INCIDENTS
BAND_SIMPLIFY_M = 100.0
"""Isochrone bands are simplified to this tolerance (metres) before drawing: a light page, the same picture."""
BAND_COLOURS = palette.BAND_COLOURS
"""Band fills from the smallest band (darkest) to the largest (lightest)."""
BAND_FILL_OPACITY = 0.35
MINUTE_CLASSES = (15.0, 30.0, 60.0)
"""Upper limits (minutes) of the settlement colour classes; beyond the last: "more than 60 minutes"."""
MINUTE_COLOURS = palette.MINUTE_CLASS_COLOURS
"""Settlement colours per minute class (within 15, 30, 60 minutes, more)."""
UNREACHABLE_COLOUR = palette.UNREACHABLE
ESTIMATED_OUTLINE_COLOUR = "#1f1f1f"
"""Outline of a settlement whose minutes are a straight-line estimate (drawn dashed and heavier)."""
ESTIMATED_OUTLINE_DASH = "2 2"
"""Leaflet ``dashArray`` of that outline, pixels."""
ESTIMATED_OUTLINE_WEIGHT_PX = 2.0
"""Its line width, pixels."""
SERVICE_RADIUS_PX = 8.0
SERVICE_RING_WEIGHT_PX = 2.5
SERVICE_FILL_OPACITY = 0.15
"""Service sites are rings (radius and line width in pixels) with an almost clear middle: the village a service
stands in stays visible through it, in its own colour."""


def leaflet_assets(base_url: str = STATIC_URL) -> tuple[list, list]:
    """``(default_js, default_css)`` for a folium map loading Leaflet from ``base_url``."""
    return [("leaflet", f"{base_url}/leaflet.js")], [("leaflet_css", f"{base_url}/leaflet.css")]


FIT_MARGIN_FRACTION = 0.03
"""Margin around the fitted area (the region or a district), as a share of its larger side."""
FIT_PAD_DEG = 0.01
"""Smallest margin, degrees (a district of one settlement still gets a frame)."""
ZOOM_SNAP = 0.25
"""Leaflet zoom steps when fitting: quarter steps let the region or district fill the map's box."""
NARROW_MAP_PX = 700
"""On a map narrower than this (pixels; e.g. Compare's two side by side) the open legend takes at most 42 % of the
width, in smaller type, so that the region fitted beside it stays large."""
FIT_SETTLE_MS = 5000
FIT_CHECK_MS = 200
"""For this long after the map was first fitted in a frame of some size (milliseconds), every :data:`FIT_CHECK_MS`,
the view is fitted again if something other than the user moved it or changed its size (the page settling)."""
MAP_CSS = """
html, body {height: 100%; margin: 0;}
.leaflet-container {background: #f7f7f4;}
.folium-map, #map_div {height: 100vh !important; min-height: 360px;}
.qorgau-legend {background: #fff; padding: 6px 10px; border: 1px solid #999; border-radius: 4px;
  font: 13px/1.45 sans-serif; max-height: 70vh; overflow-y: auto; max-width: 320px;}
.qorgau-legend summary {cursor: pointer; font-weight: bold; outline: none;}
.qorgau-narrow .qorgau-legend {max-width: 42%; font-size: 11px; line-height: 1.3; padding: 4px 6px;}
.qorgau-legend .qorgau-legend-section {margin-top: 4px; font-weight: bold;}
.qorgau-district-label {white-space: nowrap; font: bold 12px/1.1 sans-serif; color: LABEL_COLOUR;
  text-shadow: 0 0 3px #fff, 0 0 3px #fff, 0 0 2px #fff; pointer-events: none; text-align: center;
  transform: translate(-50%, -50%); width: max-content;}
.qorgau-town-label {white-space: nowrap; font: 11px/1.1 sans-serif; color: TOWN_COLOUR; pointer-events: none;
  text-shadow: 0 0 3px #fff, 0 0 3px #fff, 0 0 2px #fff; transform: translate(-50%, -135%); width: max-content;}
.qorgau-town-label.qorgau-city {font-weight: bold; font-size: 13px;}
.qorgau-labels-small .qorgau-district-label {font-size: 10px;}
.qorgau-labels-hidden .qorgau-district-label {display: none;}
.qorgau-label.qorgau-label-collides {visibility: hidden;}
""".replace("LABEL_COLOUR", palette.DISTRICT_LABEL).replace("TOWN_COLOUR", palette.TOWN_LABEL)
"""Style of the map's own document: the map fills the frame it is in (the page sets the frame's height), the
legend is a box that starts open, district and town names carry a white halo (a name that collides is hidden)."""
LABEL_PANE = "qorgau-labels"
"""Leaflet pane of the district names: under the data (z-index 350, below the overlay pane's 400), so a name never
hides a site or a village; their white halo keeps them readable through the light fills. (A pane of its own above
the data would need a canvas of its own, which would swallow the clicks meant for the villages under it.)"""
LABEL_SMALL_BELOW_ZOOM = 7.5
LABEL_HIDDEN_BELOW_ZOOM = 6.25
"""District names shrink below the first zoom level and are hidden below the second (they would only clutter)."""
LABEL_PRIORITY = {"city": 300.0, "district": 200.0, "town": 100.0}
"""Which name stays when two would overlap: cities, then district names (larger districts first), then towns."""
TOWN_KINDS = ("city", "town")
"""Settlement kinds labelled on the base layer."""
ROAD_MAJOR_MIN_KMH = 60.0
"""Roads driven at this speed or faster (km/h) are drawn as major roads: with the built-in Kazakhstan speeds, the
motorway, trunk, primary and secondary classes (the network keeps speeds, not classes)."""
ROAD_MINOR_MIN_KMH = 35.0
"""Slower roads down to this speed (km/h; tertiary and unclassified at the built-in speeds) are drawn thin; slower
ones (residential streets, service roads, tracks) are left out of the base layer: at the region's scale they are
clutter, and they would make the page heavy."""
ROAD_SIMPLIFY_M = {"major": 100.0, "minor": 250.0}
"""Simplification tolerance of each road tier, metres (lines only drawn, never measured)."""
ROAD_COORD_DECIMALS = 4
"""Road vertices are rounded to this many decimals of a degree (about 10 m): a lighter page, the same picture."""
ROAD_MAX_BYTES = 1_500_000
"""Budget of the base layer's roads in the page, bytes of GeoJSON: the thin roads are dropped when they would exceed
it, then the major roads simplified further, so that a whole region's network stays a light page."""
ROAD_STYLE = {
    "major": {"color": palette.ROAD_MAJOR, "weight": 2.2, "opacity": 0.9},
    "minor": {"color": palette.ROAD_MINOR, "weight": 1.0, "opacity": 0.8},
}
"""Line style of each road tier (pixels)."""


class UnknownDistrictError(QorgauError, LookupError):
    """A district id the region does not have."""


def focus_bounds(
    region: Region, *, district_id: str | None = None, margin_fraction: float = FIT_MARGIN_FRACTION
) -> tuple[float, float, float, float]:
    """``(west, south, east, north)`` degrees to show: the region's boundary, or the polygon of ``district_id``,
    with a margin of ``margin_fraction`` of the larger side (at least :data:`FIT_PAD_DEG`).

    A district without a polygon falls back to the extent of its settlements.

    Raises
    ------
    RegionError
        When ``district_id`` is neither a district nor the district of any settlement.
    """
    if district_id is None:
        focus = region.boundary if not region.boundary.empty else region.settlements
    else:
        chosen = region.districts[region.districts["district_id"].astype(object) == district_id]
        if chosen.empty or chosen.geometry.isna().all():
            chosen = region.settlements[region.settlements["district_id"].astype(object) == district_id]
        if chosen.empty:
            known = ", ".join(map(str, region.districts["district_id"]))
            raise UnknownDistrictError(
                f"district {district_id!r} is not in region {region.region_id!r}; expected "
                f"one of: {known}. Pick a district of this region or none (the whole region)."
            )
        focus = chosen
    focus = focus.to_crs("EPSG:4326") if focus.crs is not None and not focus.crs.equals("EPSG:4326") else focus
    west, south, east, north = (float(v) for v in focus.total_bounds)
    margin = max(margin_fraction * max(east - west, north - south), FIT_PAD_DEG)
    return west - margin, south - margin, east + margin, north + margin


class MetricScale(MacroElement):
    """The map's scale bar in metres and kilometres only (Leaflet's ``L.control.scale`` adds miles by default)."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "L.control.scale({imperial: false, metric: true}).addTo({{ this._parent.get_name() }});"
        "{% endmacro %}"
    )


def base_map(
    boundary: gpd.GeoDataFrame,
    *,
    asset_url: str = STATIC_URL,
    tile_url: str | None = None,
    bounds: tuple[float, float, float, float] | None = None,
) -> folium.Map:
    """An empty map fitted to ``bounds`` (``west, south, east, north`` degrees; the boundary's extent by default),
    loading Leaflet from the app (or ``asset_url``), filling the frame it is shown in."""
    tile_url = tile_url if tile_url is not None else env_value(TILE_URL_ENV_VAR) or None
    west, south, east, north = bounds if bounds is not None else boundary.total_bounds
    fmap = folium.Map(
        location=[(south + north) / 2, (west + east) / 2],
        zoom_start=7,
        tiles=None,
        control_scale=False,  # Leaflet's scale would add miles: MetricScale below shows kilometres only
        prefer_canvas=True,
        zoom_snap=ZOOM_SNAP,
        zoom_delta=0.5,
    )
    fmap.default_js, fmap.default_css = leaflet_assets(asset_url)
    fmap.get_root().header.add_child(  # type: ignore[attr-defined]  # the root of a folium map is a Figure
        Element(f"<style>{MAP_CSS}</style>"), name="qorgau_map_css"
    )
    folium.map.CustomPane(LABEL_PANE, z_index=350, pointer_events=False).add_to(fmap)
    MetricScale().add_to(fmap)
    if tile_url:
        folium.TileLayer(tiles=tile_url, attr="© OpenStreetMap contributors", name="tiles").add_to(fmap)
    # no folium FitBounds: streamlit-folium runs it again after the map was drawn, undoing the fit beside the legend
    fmap.qorgau_bounds = (float(west), float(south), float(east), float(north))  # type: ignore[attr-defined]  # read by add_legend
    fmap.add_child(_FitView((float(west), float(south), float(east), float(north))), name="qorgau_fit")
    fmap.add_child(_LabelLayout(), name="qorgau_label_layout")
    return fmap


def region_map(
    region: Region,
    *,
    lang: str = "ru",
    services: gpd.GeoDataFrame | None = None,
    settlement_incidents: IncidentRelease | None = None,
    k: int,
    asset_url: str = STATIC_URL,
    tile_url: str | None = None,
    bands: gpd.GeoDataFrame | None = None,
    settlement_minutes: np.ndarray | None = None,
    method: str | None = None,
    method_description: str | None = None,
    district_id: str | None = None,
    settlement_estimated: np.ndarray | None = None,
    network: RoadNetwork | None = None,
) -> folium.Map:
    """The map page's map: outline, districts with names, the base layer (roads of ``network``, towns and cities
    with their names), settlements sized by population, service sites and incidents aggregated per settlement
    (suppressed below ``k``), with a layer control and a legend; with travel times, also the isochrone bands and
    settlements coloured by minutes to the nearest service.

    Parameters
    ----------
    region : geo.region.Region
    services : GeoDataFrame, optional
        The scenario's sites; the region's own services by default.
    settlement_incidents : IncidentRelease, optional
        The protected release aligned with ``region.settlements`` (:func:`planning.analysis.incident_release`):
        each settlement with records is drawn with its own released cell.
    k : int
        Small-count threshold: counts from 1 to k-1 are shown as "<k".
    bands : GeoDataFrame, optional
        Isochrone bands (``service_id, minutes, geometry``, EPSG:4326, see :func:`geo.isochrones.isochrones`).
    settlement_minutes : ndarray, optional
        Minutes to the nearest service per settlement, aligned with ``region.settlements`` (``inf``: none).
    method, method_description : str, optional
        Which method made the minutes (``network`` or ``estimate``) and its profile or assumptions; shown in
        the legend.
    district_id : str, optional
        Fit the view to this district's polygon (drawn with a solid, heavier outline) instead of the region.
    settlement_estimated : ndarray of bool, optional
        Per settlement, True where its minutes are a straight-line estimate: drawn with a dashed dark outline and
        said in its tooltip; the legend gets a row for it.
    network : RoadNetwork, optional
        The road network in use; its roads are drawn on the base layer (:func:`road_base_lines`). Without one (a
        region without roads) the base layer has the outlines and the towns only.
    """
    services = region.services if services is None else services
    fmap = base_map(
        region.boundary, asset_url=asset_url, tile_url=tile_url, bounds=focus_bounds(region, district_id=district_id)
    )
    _outline_and_districts(fmap, region, lang, district_id=district_id)
    if bands is not None and not bands.empty:
        band_layer(bands, lang, analysis_crs=region.analysis_crs).add_to(fmap)
    roads = road_base_lines(network) if network is not None else None
    if roads is not None and not roads.empty:
        road_layer(roads, lang).add_to(fmap)
    if not region.settlements.empty:
        _settlement_layer(region.settlements, lang, minutes=settlement_minutes, estimated=settlement_estimated).add_to(
            fmap
        )
    if settlement_incidents is not None and settlement_incidents.has_records.any():
        _incident_layer(region.settlements, settlement_incidents, lang, synthetic=region.incidents_synthetic).add_to(
            fmap
        )
    if services is not None and not services.empty:
        _service_layer(services, lang).add_to(fmap)
    _name_layers(fmap, region, lang)
    folium.LayerControl(collapsed=True).add_to(fmap)
    _region_legend(
        fmap,
        region,
        lang=lang,
        k=k,
        settlement_incidents=settlement_incidents,
        bands=bands,
        settlement_minutes=settlement_minutes,
        settlement_estimated=settlement_estimated,
        roads=roads,
        method=method,
        method_description=method_description,
    )
    return fmap


def region_base(
    region: Region,
    *,
    lang: str = "ru",
    asset_url: str = STATIC_URL,
    tile_url: str | None = None,
    bands: gpd.GeoDataFrame | None = None,
    settlement_minutes: np.ndarray | None = None,
    district_id: str | None = None,
    settlement_estimated: np.ndarray | None = None,
    network: RoadNetwork | None = None,
) -> folium.Map:
    """The part of :func:`region_map` that stays while a scenario changes, for a map sent in two parts
    (:mod:`planning.render.layered`): the view's fit, the outline and districts, the bands, the roads, the settlements
    and the names; no services, no incidents (never in a base: bases are shared by every session), no legend and
    no layer control (:func:`region_overlay` draws those). Parameters as :func:`region_map`'s."""
    fmap = base_map(
        region.boundary, asset_url=asset_url, tile_url=tile_url, bounds=focus_bounds(region, district_id=district_id)
    )
    _outline_and_districts(fmap, region, lang, district_id=district_id)
    if bands is not None and not bands.empty:
        band_layer(bands, lang, analysis_crs=region.analysis_crs).add_to(fmap)
    roads = road_base_lines(network) if network is not None else None
    if roads is not None and not roads.empty:
        road_layer(roads, lang).add_to(fmap)
    if not region.settlements.empty:
        _settlement_layer(region.settlements, lang, minutes=settlement_minutes, estimated=settlement_estimated).add_to(
            fmap
        )
    _name_layers(fmap, region, lang)
    return fmap


def region_base_key(
    region: Region,
    *,
    lang: str = "ru",
    asset_url: str = STATIC_URL,
    tile_url: str | None = None,
    bands: gpd.GeoDataFrame | None = None,
    settlement_minutes: np.ndarray | None = None,
    district_id: str | None = None,
    settlement_estimated: np.ndarray | None = None,
    network: RoadNetwork | None = None,
) -> str:
    """The content key of :func:`region_base` with the same arguments (a hex digest, the same in every session for
    the same content): the region's outline, districts and settlements (digested once per region object), the
    language, the bands and the network (by object: the pages share them), the minutes and the district."""
    from planning.render.layered import content_key, frame_digest, object_memo

    digest = object_memo(
        region,
        "region_base",
        lambda: content_key(
            region.region_id,
            frame_digest(region.boundary),
            frame_digest(region.districts),
            frame_digest(region.settlements),
        ),
    )
    return content_key(
        "region_base",
        digest,
        lang,
        asset_url,
        tile_url if tile_url is not None else env_value(TILE_URL_ENV_VAR) or None,
        None if bands is None else bands,
        None if settlement_minutes is None else np.asarray(settlement_minutes, dtype=float),
        None if district_id is None else str(district_id),
        None if settlement_estimated is None else np.asarray(settlement_estimated, dtype=bool),
        None if network is None else network,
    )


def region_overlay(
    region: Region,
    *,
    lang: str = "ru",
    services: gpd.GeoDataFrame | None = None,
    settlement_incidents: IncidentRelease | None = None,
    k: int,
    bands: gpd.GeoDataFrame | None = None,
    settlement_minutes: np.ndarray | None = None,
    method: str | None = None,
    method_description: str | None = None,
    settlement_estimated: np.ndarray | None = None,
    network: RoadNetwork | None = None,
    layer_cache: ContentCache | None = None,
) -> folium.Map:
    """The part of :func:`region_map` that changes with the scenario, on a holder map
    (:func:`planning.render.layered.overlay_holder`): the incidents, the service sites and the legend of every layer
    the whole map draws (:func:`region_base`'s and these). Draw more on it (gap layers, a route) before it is sent.
    Parameters as :func:`region_map`'s; ``bands``, ``settlement_minutes``, ``settlement_estimated`` and ``network``
    only name the base's layers in the legend (give the base the same). ``layer_cache``: the session's rendered
    layers (:func:`planning.render.layered.cached_layer`): the incidents and services drawn last time are reused."""
    from planning.render.layered import add_cached_layer, frame_digest, object_token, overlay_holder

    services = region.services if services is None else services
    holder = overlay_holder()
    if settlement_incidents is not None and settlement_incidents.has_records.any():
        release = settlement_incidents
        add_cached_layer(
            holder,
            layer_cache,
            "incidents",
            (object_token(region.settlements), object_token(release), lang, bool(region.incidents_synthetic)),
            lambda: _incident_layer(region.settlements, release, lang, synthetic=region.incidents_synthetic),
        )
    if services is not None and not services.empty:
        shown = services
        add_cached_layer(
            holder,
            layer_cache,
            "services",
            (frame_digest(shown[["service_id", "name", "kind", "geometry"]]), lang),
            lambda: _service_layer(shown, lang),
        )
    _region_legend(
        holder,
        region,
        lang=lang,
        k=k,
        settlement_incidents=settlement_incidents,
        bands=bands,
        settlement_minutes=settlement_minutes,
        settlement_estimated=settlement_estimated,
        roads=road_base_lines(network) if network is not None else None,
        method=method,
        method_description=method_description,
    )
    return holder


def _outline_and_districts(fmap: folium.Map, region: Region, lang: str, *, district_id: str | None) -> None:
    """The region's outline and its districts (``district_id``'s outline solid and heavier)."""
    folium.GeoJson(
        geojson_dict(_simplified(region.boundary)),
        name=layer_name(t("layer.outline", lang)),
        style_function=lambda _: {"color": palette.REGION_OUTLINE, "weight": 3, "fill": False},
    ).add_to(fmap)
    if not region.districts.empty:
        districts = _simplified(region.districts)
        districts["label"] = place_names(region.districts, lang)
        chosen = None if district_id is None else str(district_id)
        folium.GeoJson(
            geojson_dict(districts[["district_id", "label", "geometry"]]),
            name=layer_name(t("layer.districts", lang)),
            style_function=lambda f: {
                "color": palette.DISTRICT_OUTLINE,
                "weight": 3 if f["properties"]["district_id"] == chosen else 1.2,
                "dashArray": None if f["properties"]["district_id"] == chosen else "4 3",
                "fillOpacity": 0.03,
            },
            tooltip=TextTooltip(fields=["label"], aliases=[t("field.district", lang)]),
        ).add_to(fmap)


def _name_layers(fmap: folium.Map, region: Region, lang: str) -> None:
    """The district names and the town and city names, each a layer of its own."""
    if not region.districts.empty:
        district_label_layer(region.districts, lang).add_to(fmap)
    towns = town_label_layer(region.settlements, lang)
    if towns is not None:
        towns.add_to(fmap)


def _region_legend(
    fmap: folium.Map,
    region: Region,
    *,
    lang: str,
    k: int,
    settlement_incidents: IncidentRelease | None,
    bands: gpd.GeoDataFrame | None,
    settlement_minutes: np.ndarray | None,
    settlement_estimated: np.ndarray | None,
    roads: gpd.GeoDataFrame | None,
    method: str | None,
    method_description: str | None,
) -> None:
    rows = legend_rows(
        lang,
        k=k,
        incidents=settlement_incidents is not None and bool(settlement_incidents.has_records.any()),
        band_minutes=sorted(set(bands["minutes"])) if bands is not None and not bands.empty else (),
        by_minutes=settlement_minutes is not None,
        districts=not region.districts.empty,
        estimated=settlement_minutes is not None
        and settlement_estimated is not None
        and bool(np.asarray(settlement_estimated, dtype=bool).any()),
        road_tiers=tuple(roads["tier"]) if roads is not None else (),
    )
    notes = [method_label(method, method_description, lang)] if method else []
    add_legend(fmap, rows, lang=lang, notes=notes)


def district_label_layer(districts: gpd.GeoDataFrame, lang: str) -> folium.FeatureGroup:
    """District names as labels on the map (a layer of its own, on by default): each at a point inside its
    district, in the map's small bold type with a white halo, smaller or hidden at low zoom
    (:data:`LABEL_SMALL_BELOW_ZOOM`, :data:`LABEL_HIDDEN_BELOW_ZOOM`)."""
    group = folium.FeatureGroup(name=layer_name(t("maps.layer.district_names", lang)))
    names = place_names(districts, lang)
    areas = [g.area if g is not None and not g.is_empty else 0.0 for g in districts.geometry]
    largest = max(areas, default=0.0) or 1.0
    for name, geometry, area in zip(names, districts.geometry, areas):
        if geometry is None or geometry.is_empty:
            continue
        point = label_point(geometry)
        priority = LABEL_PRIORITY["district"] + 99.0 * area / largest
        _label_marker(point.y, point.x, name, css="qorgau-district-label", priority=priority).add_to(group)
    group.add_child(_LabelZoom())
    return group


LABEL_POINT_TOLERANCE_DEG = 0.005
"""Precision of a district label's point (:func:`label_point`), degrees."""


def label_point(polygon: shapely.Geometry) -> shapely.Point:
    """Where a district's name goes: the point of its largest part farthest from the edge (the pole of
    inaccessibility), so that the name sits in the middle of the district, not near a border where it would cross
    into the neighbour."""
    parts = list(getattr(polygon, "geoms", [polygon]))
    largest = max(parts, key=lambda part: part.area)
    from shapely.ops import polylabel

    try:
        return polylabel(largest, tolerance=LABEL_POINT_TOLERANCE_DEG)
    except Exception:  # a degenerate part: any point inside will do
        return largest.representative_point()


def town_label_layer(settlements: gpd.GeoDataFrame, lang: str) -> folium.FeatureGroup | None:
    """Names of the towns and cities (settlement kinds :data:`TOWN_KINDS`) above their markers, a layer of its own
    (on by default); cities in bold and kept first when names collide. None when the region has no town."""
    if settlements.empty or "kind" not in settlements:
        return None
    rows = np.flatnonzero(settlements["kind"].isin(TOWN_KINDS).to_numpy() & settlements.geometry.notna().to_numpy())
    if not len(rows):
        return None
    chosen = settlements.iloc[rows]
    group = folium.FeatureGroup(name=layer_name(t("maps.layer.towns", lang)))
    populations = chosen["population"].to_numpy(dtype=float)
    for name, kind, population, point in zip(place_names(chosen, lang), chosen["kind"], populations, chosen.geometry):
        weight = 0.0 if not np.isfinite(population) else min(math.log10(max(population, 1.0)) * 10.0, 99.0)
        css = "qorgau-town-label qorgau-city" if kind == "city" else "qorgau-town-label"
        _label_marker(point.y, point.x, name, css=css, priority=LABEL_PRIORITY[kind] + weight).add_to(group)
    return group


def _label_marker(lat: float, lon: float, text: str, *, css: str, priority: float) -> folium.Marker:
    """A name on the map (not clickable, in the label pane), with the priority the label layout reads."""
    return folium.Marker(
        [float(lat), float(lon)],
        interactive=False,
        keyboard=False,
        pane=LABEL_PANE,
        icon=folium.DivIcon(
            icon_size=(0, 0),
            icon_anchor=(0, 0),
            class_name="qorgau-district-label-icon",
            html=f'<div class="qorgau-label {css}" data-priority="{priority:.3f}">{html_text(text)}</div>',
        ),
    )


class _LabelZoom(MacroElement):
    """Shrinks or hides the district names at low zoom (a class on the map's container)."""

    _template = Template("""
{% macro script(this, kwargs) %}
(function(group) {
  function map_of() { return group._map; }
  function update() {
    var map = map_of(); if (!map) { return; }
    var zoom = map.getZoom(), box = map.getContainer();
    L.DomUtil[zoom < {{ this.small }} ? "addClass" : "removeClass"](box, "qorgau-labels-small");
    L.DomUtil[zoom < {{ this.hidden }} ? "addClass" : "removeClass"](box, "qorgau-labels-hidden");
  }
  group.on("add", function() { map_of().on("zoomend", update); update(); });
  if (map_of()) { map_of().on("zoomend", update); update(); }
})({{ this._parent.get_name() }});
{% endmacro %}
""")

    def __init__(self):
        super().__init__()
        self._name = "LabelZoom"
        self.small = js_value(LABEL_SMALL_BELOW_ZOOM)
        self.hidden = js_value(LABEL_HIDDEN_BELOW_ZOOM)


class _FitView(MacroElement):
    """Fits the view to ``bounds`` (``west, south, east, north`` degrees) beside the legend's box when there is one
    (:class:`_Legend` calls the fit again once its box is drawn), and again whenever the map's frame changes size
    (the page sets its height after the map was drawn) or something else moved it while the page settles
    (:data:`FIT_SETTLE_MS`), until the user moves or zooms the map."""

    _template = Template("""
{% macro script(this, kwargs) %}
(function(map, bounds) {
  bounds = L.latLngBounds(bounds);
  map.qorgauDataBounds = bounds;
  var touched = false, box = map.getContainer();
  ["mousedown", "wheel", "touchstart", "keydown"].forEach(function(name) {
    box.addEventListener(name, function() { touched = true; }, {passive: true});
  });
  map.qorgauRefit = function() { if (!touched) { map.qorgauFit(); } };  // the user's own view stays
  map.qorgauFit = function() {
    var size = map.getSize();
    if (!size.x || !size.y) { return; }
    L.DomUtil[size.x < {{ this.narrow_px }} ? "addClass" : "removeClass"](box, "qorgau-narrow");
    var legend = box.querySelector(".qorgau-legend");
    var edge = 10, top = 12, left = 12;
    var w = legend ? legend.offsetWidth + 2 * edge : edge, h = legend ? legend.offsetHeight + 2 * edge : edge;
    var beside = {paddingTopLeft: [left, top], paddingBottomRight: [w, edge], animate: false};
    var above = {paddingTopLeft: [left, top], paddingBottomRight: [edge, h], animate: false};
    var zoomBeside = map.getBoundsZoom(bounds, false, L.point(left + w, top + edge));
    var zoomAbove = map.getBoundsZoom(bounds, false, L.point(left + edge, top + h));
    map.fitBounds(bounds, zoomBeside >= zoomAbove ? beside : above);
    fitted = {center: map.getCenter(), zoom: map.getZoom(), size: map.getSize(), legend: w + "x" + h};
    if (firstFit === null) { firstFit = Date.now(); }
  };
  // the frame may still change size after the map was drawn, and the component moves the view back once: while the
  // page settles (a few seconds), until the user moves the map, the view is fitted again whenever it was moved
  var fitted = null, firstFit = null;
  map.on("resize", function() { if (!touched) { map.qorgauFit(); } });
  var watch = window.setInterval(function() {
    if (touched || (firstFit !== null && Date.now() - firstFit > {{ this.settle_ms }})) {
      window.clearInterval(watch);
      return;
    }
    if (!fitted) { map.qorgauFit(); return; }  // a frame still 0 px high (not yet shown) has nothing to fit
    var moved = map.latLngToContainerPoint(fitted.center).distanceTo(map.latLngToContainerPoint(map.getCenter()));
    var legend = box.querySelector(".qorgau-legend");
    var legendSize = legend ? (legend.offsetWidth + 20) + "x" + (legend.offsetHeight + 20) : "10x10";
    var changed = !map.getSize().equals(fitted.size) || legendSize !== fitted.legend;
    if (moved > 1 || map.getZoom() !== fitted.zoom || changed) { map.qorgauFit(); }
  }, {{ this.check_ms }});
  map.qorgauFit();
})({{ this._parent.get_name() }}, {{ this.bounds_js }});
{% endmacro %}
""")

    def __init__(self, bounds: tuple[float, float, float, float]):
        super().__init__()
        self._name = "FitView"
        self.settle_ms = js_value(FIT_SETTLE_MS)
        self.narrow_px = js_value(NARROW_MAP_PX)
        self.check_ms = js_value(FIT_CHECK_MS)
        west, south, east, north = bounds
        self.bounds_js = js_value([[south, west], [north, east]])


class _LabelLayout(MacroElement):
    """Hides the names (district, town and city labels) that would overlap a more important one or be cut by the
    frame's edge, after every zoom, move and resize: each name in order of its priority (:data:`LABEL_PRIORITY`)
    is kept when its box is clear of the names kept before it and lies inside the map."""

    _template = Template("""
{% macro script(this, kwargs) %}
(function(map) {
  var pending = false;
  function layout() {
    pending = false;
    var frame = map.getContainer().getBoundingClientRect(), kept = [];
    var labels = Array.prototype.slice.call(map.getContainer().querySelectorAll(".qorgau-label"));
    labels.sort(function(a, b) { return parseFloat(b.dataset.priority) - parseFloat(a.dataset.priority); });
    labels.forEach(function(label) {
      label.classList.remove("qorgau-label-collides");
      var r = label.getBoundingClientRect();
      if (!r.width || !r.height) { return; }
      var pad = 2;
      var inside = r.left >= frame.left && r.right <= frame.right && r.top >= frame.top && r.bottom <= frame.bottom;
      var clear = kept.every(function(k) {
        return r.right + pad < k.left || k.right + pad < r.left || r.bottom + pad < k.top || k.bottom + pad < r.top;
      });
      if (inside && clear) { kept.push(r); } else { label.classList.add("qorgau-label-collides"); }
    });
  }
  function later() { if (!pending) { pending = true; window.requestAnimationFrame(layout); } }
  map.on("zoomend moveend resize layeradd layerremove", later);
  map.qorgauLabelLayout = layout;
  later();
})({{ this._parent.get_name() }});
{% endmacro %}
""")

    def __init__(self):
        super().__init__()
        self._name = "LabelLayout"


_ROAD_CACHE: dict[int, tuple[weakref.ref, gpd.GeoDataFrame]] = {}
"""Base-layer roads per network object (by identity, dropped when the network is): a page draws its map on every
rerun, and the network itself is cached by the pages."""


def road_base_lines(network: RoadNetwork) -> gpd.GeoDataFrame:
    """The roads of ``network`` as drawn on the base layer: one row per tier (``"major"``, ``"minor"``; see
    :data:`ROAD_MAJOR_MIN_KMH`, :data:`ROAD_MINOR_MIN_KMH`), each a MultiLineString in EPSG:4326, merged, simplified
    (:data:`ROAD_SIMPLIFY_M`) and rounded (:data:`ROAD_COORD_DECIMALS`) so that the page stays light
    (:data:`ROAD_MAX_BYTES`). Each two-way road is drawn once. Computed once per network object.

    Returns
    -------
    GeoDataFrame
        ``tier, geometry``; empty when the network has no road fast enough to be drawn.
    """
    cached = _ROAD_CACHE.get(id(network))
    if cached is not None and cached[0]() is network:
        return cached[1]
    lines = _road_tiers(network)
    key = id(network)

    def forget(_: weakref.ref) -> None:
        _ROAD_CACHE.pop(key, None)

    _ROAD_CACHE[key] = (weakref.ref(network, forget), lines)
    return lines


def _road_tiers(network: RoadNetwork) -> gpd.GeoDataFrame:
    empty = gpd.GeoDataFrame({"tier": []}, geometry=[], crs="EPSG:4326")
    if network.n_edges == 0:
        return empty
    speed_kmh = 3.6 * network.edge_length_m / np.maximum(network.edge_seconds, 1e-9)
    twin = network.edge_twin
    once = (twin < 0) | (np.arange(network.n_edges) < twin)  # a two-way road is two edges: draw one
    tiers: list[tuple[str, np.ndarray]] = [
        ("major", once & (speed_kmh >= ROAD_MAJOR_MIN_KMH)),
        ("minor", once & (speed_kmh >= ROAD_MINOR_MIN_KMH) & (speed_kmh < ROAD_MAJOR_MIN_KMH)),
    ]
    names, shapes = [], []
    for tier, chosen in tiers:
        if not chosen.any():
            continue
        merged = shapely.line_merge(shapely.multilinestrings(network.edge_lines[chosen]))
        names.append(tier)
        shapes.append(merged)
    if not names:
        return empty
    projected = gpd.GeoDataFrame({"tier": names}, geometry=shapes, crs=network.crs)

    def drawn(scale: float) -> gpd.GeoDataFrame:
        simplified = [
            shapely.simplify(g, ROAD_SIMPLIFY_M[tier] * scale) for tier, g in zip(projected["tier"], projected.geometry)
        ]
        degrees = gpd.GeoSeries(simplified, crs=network.crs).to_crs("EPSG:4326").to_numpy()
        rounded = shapely.set_precision(degrees, 10.0**-ROAD_COORD_DECIMALS, mode="pointwise")
        return gpd.GeoDataFrame({"tier": list(projected["tier"])}, geometry=rounded, crs="EPSG:4326")

    lines = drawn(1.0)
    for scale in (1.0, 2.0, 4.0, 8.0):
        lines = drawn(scale)
        if road_payload_bytes(lines) <= ROAD_MAX_BYTES:
            return lines
        if "minor" in set(lines["tier"]):  # the thin roads go first
            projected = projected[projected["tier"] != "minor"].reset_index(drop=True)
            lines = drawn(scale)
            if road_payload_bytes(lines) <= ROAD_MAX_BYTES:
                return lines
    return lines


def road_payload_bytes(lines: gpd.GeoDataFrame) -> int:
    """Bytes of GeoJSON the road lines add to the page."""
    return len(json.dumps(geojson_dict(lines), separators=(",", ":")))


def road_layer(lines: gpd.GeoDataFrame, lang: str) -> folium.GeoJson:
    """The base layer's roads (:func:`road_base_lines`): major roads wide and dark, the others thin; not clickable,
    so a click goes to the village or site under it."""
    return folium.GeoJson(
        _road_geojson(lines),
        name=layer_name(t("maps.layer.roads", lang)),
        style_function=lambda f: dict(ROAD_STYLE.get(f["properties"]["tier"], ROAD_STYLE["minor"])),
        interactive=False,
        smooth_factor=1.5,
    )


_ROAD_GEOJSON: dict[int, tuple[gpd.GeoDataFrame, dict]] = {}
"""The GeoJSON of the last :data:`ROAD_GEOJSON_KEPT` base-layer road frames, by identity (the frame
:func:`road_base_lines` keeps per network): the page draws its map on every rerun. Roads only, no incident figure."""
ROAD_GEOJSON_KEPT = 4


def _road_geojson(lines: gpd.GeoDataFrame) -> dict:
    kept = _ROAD_GEOJSON.get(id(lines))
    if kept is not None and kept[0] is lines:
        return kept[1]
    frame = lines.copy()
    frame["tier"] = frame["tier"].astype(str)
    order = {"minor": 0, "major": 1}  # the major roads drawn over the minor ones
    frame = frame.iloc[np.argsort([order.get(tier, 0) for tier in frame["tier"]], kind="stable")]
    data = geojson_dict(frame)
    while len(_ROAD_GEOJSON) >= ROAD_GEOJSON_KEPT:
        _ROAD_GEOJSON.pop(next(iter(_ROAD_GEOJSON)))
    _ROAD_GEOJSON[id(lines)] = (lines, data)
    return data


def geojson_dict(frame: gpd.GeoDataFrame) -> dict:
    """A GeoDataFrame (EPSG:4326) as a GeoJSON dict, built column-wise: geopandas' own feature iteration is slow on
    pandas' Arrow-backed string columns (a tenth of a second for a thousand villages, on every rerun)."""
    frame = frame.to_crs("EPSG:4326") if frame.crs is not None else frame
    columns = [c for c in frame.columns if c != frame.geometry.name]
    values = [
        [
            None if isinstance(v, float) and math.isnan(v) else (v.item() if hasattr(v, "item") else v)
            for v in frame[c].to_numpy(dtype=object)
        ]
        for c in columns
    ]
    geometries = shapely.to_geojson(frame.geometry.to_numpy())
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": dict(zip(columns, row)), "geometry": json.loads(g) if g else None}
            for g, *row in zip(geometries, *values)
        ],
    }


def layer_control_last(fmap: folium.Map) -> None:
    """Move the layer control after layers added once :func:`region_map` returned, so that it lists them too
    (a layer added after the control breaks the map in streamlit-folium)."""
    for name, child in list(fmap._children.items()):
        if isinstance(child, folium.LayerControl):
            del fmap._children[name]
            fmap.add_child(child, name=name)


def settlement_radius_px(population: float) -> float:
    """Marker radius in pixels: grows with the square root of population, 3 px when unknown."""
    if population is None or math.isnan(population) or population <= 0:
        return 3.0
    return float(np.clip(2.0 + math.sqrt(population) / 40.0, 3.0, 22.0))


def _simplified(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    out = frame.copy()
    out["geometry"] = out.geometry.simplify(SIMPLIFY_TOLERANCE_DEG, preserve_topology=True)
    return out


def _settlement_layer(
    settlements: gpd.GeoDataFrame, lang: str, *, minutes: np.ndarray | None = None, estimated: np.ndarray | None = None
) -> folium.GeoJson:
    """Settlements sized by population; coloured by population known/unknown, or by ``minutes`` when given; those
    ``estimated`` (straight-line minutes) with a dashed dark outline and a tooltip line saying so."""
    unknown = t("value.unknown", lang)
    populations = settlements["population"].to_numpy(dtype=float)
    guessed = population_is_estimated(
        settlements
    )  # an estimate is shown as one, in the colour of a population not known
    low, high = (
        settlements[c].to_numpy(dtype=float) if c in settlements.columns else populations
        for c in ("population_low", "population_high")
    )
    labels = [
        unknown
        if np.isnan(p)
        else t(
            "population.estimate_label",
            lang,
            value=fmt_number(p, lang),
            low=fmt_number(lo, lang),
            high=fmt_number(hi, lang),
        )
        if g
        else fmt_number(p, lang)
        for p, g, lo, hi in zip(populations, guessed, low, high)
    ]
    frame = gpd.GeoDataFrame(
        {
            "label": place_names(settlements, lang),
            "kind_label": [t(f"kind.{k}", lang) if f"kind.{k}" in CATALOG else k for k in settlements["kind"]],
            "population_label": labels,
            "radius": [settlement_radius_px(p) for p in populations],
            "colour": [
                SETTLEMENT_COLOUR if not (np.isnan(p) or g) else UNKNOWN_POPULATION_COLOUR
                for p, g in zip(populations, guessed)
            ],
        },
        geometry=settlements.geometry.to_numpy(),
        crs=settlements.crs,
    )
    fields = ["label", "kind_label", "population_label"]
    aliases = [t("field.name", lang), t("field.kind", lang), t("field.population", lang)]
    if minutes is not None:
        minutes = np.asarray(minutes, dtype=float)
        if len(minutes) != len(settlements):
            raise ValueError(f"`minutes` must have one value per settlement ({len(settlements)}); got {len(minutes)}")
        frame["minutes"] = np.where(np.isfinite(minutes), np.round(minutes, 1), None)  # type: ignore[call-overload]  # None: JSON null
        frame["minutes_label"] = [minutes_label(m, lang) for m in minutes]
        frame["colour"] = [minutes_colour(m) for m in minutes]
        fields.append("minutes_label")
        aliases.append(t("map.field.minutes", lang))
    guessed = np.zeros(len(settlements), dtype=bool) if estimated is None else np.asarray(estimated, dtype=bool)
    if len(guessed) != len(settlements):
        raise ValueError(f"`estimated` must have one value per settlement ({len(settlements)}); got {len(guessed)}")
    frame["estimated"] = guessed
    if minutes is not None and guessed.any():
        frame["method_label"] = [t(f"map.method.{'estimate' if g else 'network'}", lang) for g in guessed]
        fields.append("method_label")
        aliases.append(t("travel.col.method", lang))
    return folium.GeoJson(
        geojson_dict(frame),
        name=layer_name(t("layer.settlements", lang)),
        marker=folium.CircleMarker(radius=4, weight=1, fill=True, fill_opacity=0.75),
        style_function=lambda f: {
            "radius": f["properties"]["radius"],
            "color": ESTIMATED_OUTLINE_COLOUR if f["properties"]["estimated"] else f["properties"]["colour"],
            "dashArray": ESTIMATED_OUTLINE_DASH if f["properties"]["estimated"] else None,
            "weight": ESTIMATED_OUTLINE_WEIGHT_PX if f["properties"]["estimated"] else 1,
            "fillColor": f["properties"]["colour"],
        },
        tooltip=TextTooltip(fields=fields, aliases=aliases),
    )


def minutes_colour(minutes: float) -> str:
    """Colour of a settlement ``minutes`` from its nearest service (:data:`MINUTE_COLOURS`; black: none)."""
    if not np.isfinite(minutes):
        return UNREACHABLE_COLOUR
    return MINUTE_COLOURS[int(np.searchsorted(MINUTE_CLASSES, minutes, side="left"))]


def minutes_label(minutes: float, lang: str) -> str:
    """ "23 min" in ``lang``, or "not reachable" for ``inf``/NaN."""
    if not np.isfinite(minutes):
        return t("map.not_reachable", lang)
    return t("map.minutes_value", lang, minutes=int(round(float(minutes))))


def method_label(method: str, description: str | None, lang: str) -> str:
    """Which method made the travel times, with its profile or assumptions, for captions and legends."""
    return t("map.method", lang, method=t(f"map.method.{method}", lang), description=description or "")


def simplified_bands(
    bands: gpd.GeoDataFrame, *, analysis_crs: str, tolerance_m: float = BAND_SIMPLIFY_M
) -> gpd.GeoDataFrame:
    """One polygon per band limit (all services together), simplified to ``tolerance_m`` metres, still nested.

    Parameters
    ----------
    bands : GeoDataFrame
        ``minutes, geometry`` rows in EPSG:4326 (any number of services). Not modified.
    analysis_crs : str
        Projected CRS in metres in which the tolerance is applied.
    tolerance_m : float
        Simplification tolerance, metres.

    Returns
    -------
    GeoDataFrame
        ``minutes, geometry`` in EPSG:4326, smallest band first; each band covers the smaller ones. Kept for the
        frame it was made from (:data:`SIMPLIFIED_KEPT`): the same ``bands`` object gives the same result, which
        must not be modified.
    """
    key = (id(bands), analysis_crs, float(tolerance_m))
    kept = _SIMPLIFIED.get(key)
    if kept is not None and kept[0] is bands:  # the same frame (the pages' shared bands) as on the last run
        return kept[1]
    merged = _simplified_bands(bands, analysis_crs=analysis_crs, tolerance_m=tolerance_m)
    while len(_SIMPLIFIED) >= SIMPLIFIED_KEPT:
        _SIMPLIFIED.pop(next(iter(_SIMPLIFIED)))
    _SIMPLIFIED[key] = (bands, merged)
    return merged


SIMPLIFIED_KEPT = 16
"""How many simplified band sets :func:`simplified_bands` keeps, for the frames it was last given (the pages pass the
same cached frame of a scenario's bands on every rerun; bands hold site positions only, no incident figure)."""
_SIMPLIFIED: dict[tuple[int, str, float], tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]] = {}


def _simplified_bands(bands: gpd.GeoDataFrame, *, analysis_crs: str, tolerance_m: float) -> gpd.GeoDataFrame:
    limits = sorted(float(m) for m in set(bands["minutes"]))
    projected = bands.to_crs(analysis_crs)
    shapes = []
    for limit in limits:
        merged = shapely.union_all(projected.geometry[projected["minutes"].astype(float) == limit].to_numpy())
        shapes.append(shapely.simplify(merged, tolerance_m, preserve_topology=True))
    degrees = gpd.GeoSeries(shapes, crs=analysis_crs).to_crs(bands.crs or "EPSG:4326").to_numpy()
    nested, previous = [], shapely.Polygon()
    for shape in degrees:
        previous = shapely.union(shape, previous)  # simplifying each band alone could break 15 ⊆ 30 ⊆ 60
        nested.append(previous)
    return gpd.GeoDataFrame({"minutes": limits}, geometry=nested, crs=bands.crs or "EPSG:4326")


def band_layer(
    bands: gpd.GeoDataFrame, lang: str, *, analysis_crs: str, tolerance_m: float = BAND_SIMPLIFY_M
) -> folium.FeatureGroup:
    """Isochrone bands as nested fills, the largest (lightest) drawn first and the smallest (darkest) on top."""
    merged = simplified_bands(bands, analysis_crs=analysis_crs, tolerance_m=tolerance_m)
    group = folium.FeatureGroup(name=layer_name(t("map.layer.bands", lang)))
    for position in range(len(merged) - 1, -1, -1):
        colour = band_colour(position)
        row = merged.iloc[[position]].copy()
        row["label"] = t("map.band", lang, minutes=int(row["minutes"].iloc[0]))
        folium.GeoJson(
            geojson_dict(row),
            name=layer_name(row["label"].iloc[0]),
            style_function=lambda _, c=colour: {
                "color": c,
                "weight": 1,
                "fillColor": c,
                "fillOpacity": BAND_FILL_OPACITY,
            },
            tooltip=TextTooltip(fields=["label"], labels=False),
        ).add_to(group)
    return group


def band_colour(position: int) -> str:
    """Fill of the ``position``-th smallest band."""
    return BAND_COLOURS[min(position, len(BAND_COLOURS) - 1)]


def _service_layer(services: gpd.GeoDataFrame, lang: str) -> folium.GeoJson:
    frame = gpd.GeoDataFrame(
        {
            "service_id": services["service_id"].astype(str).to_numpy(),
            "label": [made_name(n, lang) for n in services["name"].fillna(services["service_id"]).astype(str)],
            "kind_label": [t(f"kind.{k}", lang) for k in services["kind"]],
        },
        geometry=services.geometry.to_numpy(),
        crs=services.crs,
    )
    return folium.GeoJson(
        geojson_dict(frame),
        name=layer_name(t("layer.services", lang)),
        marker=folium.CircleMarker(
            radius=SERVICE_RADIUS_PX,
            weight=SERVICE_RING_WEIGHT_PX,
            color=SERVICE_COLOUR,
            opacity=0.9,
            fill=True,
            fill_color=palette.SERVICE_RING,
            fill_opacity=SERVICE_FILL_OPACITY,
        ),
        tooltip=TextTooltip(fields=["label", "kind_label"], aliases=[t("field.name", lang), t("field.kind", lang)]),
    )


def _incident_layer(
    settlements: gpd.GeoDataFrame, release: IncidentRelease, lang: str, *, synthetic: bool
) -> folium.GeoJson:
    rows = np.flatnonzero(release.has_records & settlements.geometry.notna().to_numpy())
    located = settlements.iloc[rows]
    values = release.settlement_values()[rows]
    frame = gpd.GeoDataFrame(
        {
            "label": place_names(located, lang),
            "count_label": release.settlement_texts()[rows],
            "radius": [4.0 if np.isnan(v) else 4.0 + 2.0 * math.log1p(v) for v in values],
        },
        geometry=located.geometry.to_numpy(),
        crs=settlements.crs,
    )
    name = t("layer.incidents_synthetic" if synthetic else "layer.incidents", lang)
    return folium.GeoJson(
        geojson_dict(frame),
        name=layer_name(name),
        show=False,
        marker=folium.CircleMarker(radius=4, weight=2, color=INCIDENT_COLOUR, fill=True, fill_opacity=0.08),
        style_function=lambda f: {"radius": f["properties"]["radius"]},
        tooltip=TextTooltip(fields=["label", "count_label"], aliases=[t("field.name", lang), name]),
    )


def numbered_sites_layer(
    lats: Iterable[float],
    lons: Iterable[float],
    numbers: Iterable[int],
    tooltips: Iterable[str],
    *,
    name: str,
    colour: str,
) -> folium.FeatureGroup:
    """Sites drawn as filled circles carrying their number (e.g. the order of a suggestion), each with a text
    tooltip: a layer named ``name`` (shown as text in the layer control).

    Parameters
    ----------
    lats, lons : sequence of float
        Positions, degrees (EPSG:4326).
    numbers : sequence of int
        The number drawn on each site.
    tooltips : sequence of str
        Each site's tooltip, shown as text (a name in it never runs as HTML or script).
    """
    group = folium.FeatureGroup(name=layer_name(name))
    for lat, lon, number, tooltip in zip(lats, lons, numbers, tooltips):
        folium.CircleMarker(
            [float(lat), float(lon)],
            radius=12,
            weight=3,
            color=palette.SERVICE_RING,
            fill=True,
            fill_color=colour,
            fill_opacity=0.95,
            tooltip=TextTooltip(text=tooltip),
        ).add_to(group)
        folium.Marker(
            [float(lat), float(lon)],
            tooltip=TextTooltip(text=tooltip),
            icon=folium.DivIcon(
                icon_size=(24, 24),
                icon_anchor=(12, 12),
                html=f'<div style="width:24px;text-align:center;font:bold 12px/24px sans-serif;color:#fff">'
                f"{html_text(int(number))}</div>",
            ),
        ).add_to(group)
    return group


LegendRow = tuple[str, ...]
"""``(colour, label)`` or ``(colour, label, swatch)``; ``swatch`` is one of :data:`SWATCHES` (``"dot"`` by
default)."""
SWATCHES = ("dot", "ring", "dashed_ring", "area", "line", "dashed")


def legend_rows(
    lang: str,
    *,
    k: int,
    incidents: bool,
    band_minutes: Iterable[float] = (),
    by_minutes: bool = False,
    districts: bool = True,
    estimated: bool = False,
    road_tiers: Iterable[str] = (),
) -> list[LegendRow]:
    """Rows of the map legend, one per layer :func:`region_map` draws, in the layer's own colour: the region and
    district outlines, the roads of ``road_tiers`` (``"major"``, ``"minor"``), settlements (by population, or by
    minutes to the nearest service), services, the isochrone bands of ``band_minutes`` and incidents."""
    rows: list[LegendRow] = [(palette.REGION_OUTLINE, t("layer.outline", lang), "line")]
    if districts:
        rows.append((palette.DISTRICT_OUTLINE, t("layer.districts", lang), "dashed"))
    tiers = set(road_tiers)
    rows += [
        (str(ROAD_STYLE[tier]["color"]), t(f"maps.legend.road_{tier}", lang), "line")
        for tier in ("major", "minor")
        if tier in tiers
    ]
    if by_minutes:
        limits = [int(m) for m in MINUTE_CLASSES]
        rows += [(MINUTE_COLOURS[0], t("map.legend.within", lang, minutes=limits[0]))]
        rows += [
            (MINUTE_COLOURS[i], t("map.legend.between", lang, low=limits[i - 1], high=limits[i]))
            for i in range(1, len(limits))
        ]
        rows += [
            (MINUTE_COLOURS[-1], t("map.legend.beyond", lang, minutes=limits[-1])),
            (UNREACHABLE_COLOUR, t("map.not_reachable", lang)),
        ]
        if estimated:
            rows.append((ESTIMATED_OUTLINE_COLOUR, t("map.legend.estimated", lang), "dashed_ring"))
    else:
        rows += [
            (SETTLEMENT_COLOUR, t("legend.settlement", lang)),
            (UNKNOWN_POPULATION_COLOUR, t("legend.settlement_unknown", lang)),
        ]
    rows.append((SERVICE_COLOUR, t("legend.service", lang), "ring"))
    rows += [(band_colour(i), t("map.band", lang, minutes=int(m)), "area") for i, m in enumerate(sorted(band_minutes))]
    if incidents:
        rows.append((INCIDENT_COLOUR, t("legend.incidents", lang, k=str(k)), "ring"))
    return rows


def _swatch_html(colour: str, swatch: str) -> str:
    colour = html_text(colour)
    base = "display:inline-block;margin-right:6px;vertical-align:middle;"
    if swatch in ("ring", "dashed_ring"):
        style = "dashed" if swatch == "dashed_ring" else "solid"
        return f'<span style="{base}width:10px;height:10px;border-radius:6px;border:2px {style} {colour}"></span>'
    if swatch == "area":
        return (
            f'<span style="{base}width:14px;height:12px;background:{colour};opacity:0.75;'
            f'border:1px solid {colour}"></span>'
        )
    if swatch in ("line", "dashed"):
        style = "dashed" if swatch == "dashed" else "solid"
        return f'<span style="{base}width:16px;height:0;border-top:2px {style} {colour}"></span>'
    return f'<span style="{base}width:12px;height:12px;border-radius:6px;background:{colour}"></span>'


class _Legend(MacroElement):
    """The map's one legend: a collapsible box (``<details>``) in the bottom-right corner, sections of rows
    (:func:`add_legend` adds to it). It starts open, and the view is fitted again with the legend's box as padding
    (:class:`_FitView`), so that the fitted area (the region or the district) lies beside it, not under it."""

    _template = Template("""
{% macro script(this, kwargs) %}
(function(map, bounds) {
  // a map's overlay drawn again (planning.render.layered) replaces its legend, open or closed as the user left it
  var previous = map.qorgauLegend, closed = previous ? !previous.getContainer().open : false;
  if (previous) { map.removeControl(previous); }
  var legend = L.control({position: "bottomright"});
  legend.onAdd = function() {
    var box = L.DomUtil.create("details", "qorgau-legend");
    box.innerHTML = {{ this.inner_js }};
    L.DomEvent.disableClickPropagation(box);
    L.DomEvent.disableScrollPropagation(box);
    return box;
  };
  legend.addTo(map);
  legend.getContainer().open = true;
  if (closed) { legend.getContainer().open = false; }  // the user closed it before the overlay was drawn again
  map.qorgauLegend = legend;
  if (map.qorgauRefit) { map.qorgauRefit(); } else if (map.qorgauFit) { map.qorgauFit(); }
})({{ this._parent.get_name() }});
{% endmacro %}
""")

    def __init__(
        self,
        title: str,
        rows: list[LegendRow],
        notes: Sequence[str] = (),
        *,
        bounds: tuple[float, float, float, float] | None = None,
    ):
        super().__init__()
        self._name = "Legend"
        self.title = title
        self.sections: list[tuple[str | None, list[LegendRow], list[str]]] = [(None, list(rows), list(notes))]
        self.bounds = bounds

    def add_section(self, title: str | None, rows: list[LegendRow], notes: Sequence[str] = ()) -> None:
        """Rows (and notes) under their own heading."""
        self.sections.append((title, list(rows), list(notes)))

    @property
    def rows(self) -> list[LegendRow]:
        """Every row of every section."""
        return [row for _, rows, _ in self.sections for row in rows]

    @property
    def inner(self) -> str:
        parts = [f"<summary>{html_text(self.title)}</summary>"]
        for heading, rows, notes in self.sections:
            if heading:
                parts.append(f'<div class="qorgau-legend-section">{html_text(heading)}</div>')
            parts += [
                f'<div class="qorgau-legend-row" data-colour="{html_text(row[0])}">'
                f"{_swatch_html(row[0], row[2] if len(row) > 2 else 'dot')}{html_text(row[1])}</div>"
                for row in rows
            ]
            parts += [
                f'<div class="qorgau-legend-note" style="max-width:300px;font-size:11px;color:#444;'
                f'margin-top:4px">{html_text(note)}</div>'
                for note in notes
            ]
        return "".join(parts)

    @property
    def inner_js(self) -> str:
        return js_value(self.inner)


class TextTooltip(folium.Tooltip):
    """A Leaflet tooltip whose every text is set as text (``textContent``), never parsed as HTML.

    A ``folium.Tooltip`` subclass only so that folium's ``tooltip=`` arguments take it as it is (anything else they
    wrap in a plain ``folium.Tooltip``); it shares none of that class's template.

    folium's ``GeoJsonTooltip`` writes property values and aliases into ``innerHTML`` and ``Tooltip`` writes its
    text into a JavaScript template literal: a name such as ``<img src=x onerror=…>`` or one with a backtick would
    run. This one builds the tooltip's elements itself; its texts reach the script only as
    :func:`planning.markup.js_value` literals.

    Parameters
    ----------
    fields : list of str, optional
        For a ``folium.GeoJson`` parent: feature properties shown one per row.
    aliases : list of str, optional
        Row labels, one per field (the field names by default).
    labels : bool
        Whether to show the row labels.
    text : str, optional
        For any other parent (a marker): the tooltip's one text. Give either ``fields`` or ``text``.
    sticky : bool
        Whether the tooltip follows the mouse.
    """

    _template = Template("""
{% macro script(this, kwargs) %}
(function(spec, options) {
  // spec is passed in, not written into the function: streamlit-folium reads a clicked marker's tooltip content
  // (this function's source) through innerHTML, so the source must carry no data.
  {{ this._parent.get_name() }}.bindTooltip(function(layer) {
    var box = document.createElement("div");
    if (spec.text !== null) { box.textContent = spec.text; return box; }
    var properties = (layer && layer.feature && layer.feature.properties) || {};
    var table = document.createElement("table");
    spec.fields.forEach(function(field, i) {
      var row = table.insertRow();
      if (spec.labels) {
        var label = document.createElement("th");
        label.style.cssText = "text-align:left;padding:2px 8px 2px 2px";
        label.textContent = spec.aliases[i];
        row.appendChild(label);
      }
      var value = properties[field];
      row.insertCell().textContent = value === null || value === undefined ? "" : String(value);
    });
    box.appendChild(table);
    return box;
  }, options);
})({{ this.spec_js }}, {{ this.options_js }});
{% endmacro %}
""")

    def __init__(
        self,
        fields: list[str] | None = None,
        aliases: list[str] | None = None,
        *,
        labels: bool = True,
        text: str | None = None,
        sticky: bool = True,
    ):
        MacroElement.__init__(self)  # not folium.Tooltip's: its text would go into a template literal
        if (fields is None) == (text is None):
            raise ValueError(
                "TextTooltip needs either `fields` (for a GeoJson layer) or `text`; got "
                f"fields={fields!r}, text={text!r}."
            )
        if fields is not None and aliases is not None and len(aliases) != len(fields):
            raise ValueError(f"`aliases` needs one label per field ({len(fields)}); got {len(aliases)}.")
        self._name = "TextTooltip"
        self.fields = list(fields) if fields is not None else []
        self.aliases = [str(a) for a in aliases] if aliases is not None else list(self.fields)
        self.labels = labels
        self.text = None if text is None else str(text)  # type: ignore[assignment]  # folium.Tooltip types it str; None: no fixed text
        self.spec_js = js_value({"fields": self.fields, "aliases": self.aliases, "labels": labels, "text": self.text})
        self.options_js = js_value({"sticky": sticky, "className": "qorgau-tooltip"})

    def render(self, **kwargs: object) -> None:  # type: ignore[override]  # branca's Element says str; MacroElement's gives None
        if self.fields and isinstance(self._parent, folium.GeoJson) and self._parent.data.get("features"):
            known = set(self._parent.data["features"][0].get("properties") or {})
            missing = [f for f in self.fields if f not in known]
            if missing:
                raise KeyError(f"TextTooltip fields {missing} are not properties of the layer; known: {sorted(known)}.")
        super().render(**kwargs)


def layer_name(text: str) -> str:
    """A layer's name as the layer control shows it (Leaflet sets it as innerHTML): the text, HTML-escaped."""
    return html_text(text)


def add_legend(
    fmap: folium.Map, rows: list[LegendRow], *, title: str | None = None, lang: str = "ru", notes: Sequence[str] = ()
) -> None:
    """Add ``rows`` of (colour, label[, swatch]) and ``notes`` (text) to the map's one legend: the first call
    makes it (titled ``title``, "Legend" by default), later calls add a section headed ``title``."""
    existing = next((child for child in fmap._children.values() if isinstance(child, _Legend)), None)
    if existing is not None:
        existing.add_section(title, rows, list(notes))
        return
    fmap.add_child(
        _Legend(title or t("legend.title", lang), rows, list(notes), bounds=getattr(fmap, "qorgau_bounds", None))
    )


def legend_of(fmap: folium.Map) -> _Legend | None:
    """The map's legend, if it has one."""
    return next((child for child in fmap._children.values() if isinstance(child, _Legend)), None)


ROUTE_COLOUR = palette.ROUTE
ROUTE_WEIGHT_PX = 5


def add_route(fmap: folium.Map, lat_lon: list[tuple[float, float]], *, name: str, tooltip: str) -> None:
    """Draw a road route (settlement first, (latitude, longitude) pairs) as a polyline with its start ringed, in a
    layer ``name`` listed by the layer control; ``tooltip`` is shown as text (names are data)."""
    group = folium.FeatureGroup(name=layer_name(name), show=True)
    folium.PolyLine(lat_lon, color="#ffffff", weight=ROUTE_WEIGHT_PX + 4, opacity=0.9).add_to(group)  # casing
    line = folium.PolyLine(lat_lon, color=ROUTE_COLOUR, weight=ROUTE_WEIGHT_PX, opacity=0.9, class_name="qorgau-route")
    line.add_child(TextTooltip(text=tooltip))
    line.add_to(group)
    folium.CircleMarker(lat_lon[0], radius=9, color=ROUTE_COLOUR, weight=3, fill=False).add_to(group)
    group.add_to(fmap)
    add_legend(fmap, [(ROUTE_COLOUR, name, "line")])
    layer_control_last(fmap)


HIDDEN_CLASS_COLOURS = {
    "under_reported": palette.OKABE_ITO["vermillion"],
    "below_half": palette.OKABE_ITO["orange"],
    "half_to_expected": palette.OKABE_ITO["yellow"],
    "at_least_expected": palette.OKABE_ITO["bluish_green"],
    "hidden": "#D9D9D9",
    "none_expected": "#FFFFFF",
}
"""Fill of a district per class of released reports against expected cases (:data:`planning.hidden.RATIO_CLASSES`):
warm where the reports fall short, green where they reach the expected, grey where the count is not released."""
HIDDEN_FILL_OPACITY = 0.6
HIDDEN_MARK_COLOUR = palette.OKABE_ITO["black"]
"""Outline of a district marked "likely under-reported"."""
HIDDEN_MARK_WEIGHT_PX = 3.5


def hidden_need_map(
    region: Region,
    display: pd.DataFrame,
    *,
    lang: str = "ru",
    asset_url: str = STATIC_URL,
    tile_url: str | None = None,
) -> folium.Map:
    """Districts shaded by their released reports against their expected cases (hidden need), the ones "likely
    under-reported" outlined in black, with a legend; aggregated per district only: no settlement, no incident point.

    Parameters
    ----------
    region : geo.region.Region
    display : DataFrame
        :func:`planning.hidden.hidden_need_display` of the region (``district_id``, ``class`` and the texts of each
        district as the page's table shows them: expected cases with range, the released cell, the ratio where the
        cell is a number). Nothing else reaches the map, so it carries no count the table does not show.
    """
    fmap = base_map(region.boundary, asset_url=asset_url, tile_url=tile_url, bounds=focus_bounds(region))
    folium.GeoJson(
        geojson_dict(_simplified(region.boundary)),
        name=layer_name(t("layer.outline", lang)),
        style_function=lambda _: {"color": palette.REGION_OUTLINE, "weight": 3, "fill": False},
    ).add_to(fmap)
    rows = display
    fields = ["label", "expected", "reported", "ratio", "assessment"]
    if not region.districts.empty:
        districts = _simplified(region.districts)[["district_id", "geometry"]].copy()
        districts["district_id"] = districts["district_id"].astype(str)
        districts["label"] = place_names(region.districts, lang)
        texts = rows.set_index("district_id")[["expected", "reported", "ratio", "assessment", "class"]]
        districts = districts.join(texts, on="district_id")
        districts["class"] = districts["class"].fillna("none_expected")
        districts[["expected", "reported", "ratio", "assessment"]] = districts[
            ["expected", "reported", "ratio", "assessment"]
        ].fillna("—")
        folium.GeoJson(
            geojson_dict(districts[["district_id", "class", *fields, "geometry"]]),
            name=layer_name(t("hidden.layer", lang)),
            style_function=lambda f: {
                "color": HIDDEN_MARK_COLOUR
                if f["properties"]["class"] == "under_reported"
                else palette.DISTRICT_OUTLINE,
                "weight": HIDDEN_MARK_WEIGHT_PX if f["properties"]["class"] == "under_reported" else 1.2,
                "fillColor": HIDDEN_CLASS_COLOURS[f["properties"]["class"]],
                "fillOpacity": HIDDEN_FILL_OPACITY,
            },
            tooltip=TextTooltip(
                fields=fields,
                aliases=[t("field.district", lang)] + [t(f"hidden.col.{f}", lang) for f in fields[1:]],
            ),
        ).add_to(fmap)
        district_label_layer(region.districts, lang).add_to(fmap)
    folium.LayerControl(collapsed=True).add_to(fmap)
    shown = set(rows["class"]) if "class" in rows else set()
    legend: list[LegendRow] = [(palette.REGION_OUTLINE, t("layer.outline", lang), "line")]
    legend += [
        (HIDDEN_CLASS_COLOURS[cls], t(f"hidden.class.{cls}", lang), "area")
        for cls in HIDDEN_CLASS_COLOURS
        if cls in shown
    ]
    if "under_reported" in shown:
        legend.append((HIDDEN_MARK_COLOUR, t("hidden.legend.marked", lang), "line"))
    add_legend(fmap, legend, title=t("hidden.legend.title", lang), lang=lang, notes=[t("hidden.legend.note", lang)])
    return fmap
