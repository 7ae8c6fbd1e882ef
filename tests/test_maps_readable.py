"""Maps people can read: one colour-blind-safe palette for the web and the still maps, every drawn layer in the
legend (and nothing else), the view fitted to the region or a district's polygon, district names on the map, and
the still (PDF) map showing the whole district with its legend beside it, not on it."""

from __future__ import annotations

import json
import re

import folium
import numpy as np
import pytest
from conftest import DATA
from matplotlib.backends.backend_agg import FigureCanvasAgg

from geo.errors import QorgauError
from geo.region import load_region
from planning.analysis import SiteMinutes, evaluate, service_bands
from planning.render import palette
from planning.render.exports import scenario_map as export_map
from planning.render.gapmap import scenario_map
from planning.render.staticmap import map_figure, png_bytes
from planning.render.webmap import (
    _FitView,
    _Legend,
    district_label_layer,
    focus_bounds,
    legend_of,
    region_map,
)

WHITE = {"#ffffff", "#fff", "white"}


@pytest.fixture(scope="module")
def tiny():
    region = load_region(DATA / "tiny")
    table = SiteMinutes(None, region.settlements, analysis_crs=region.analysis_crs)
    result = evaluate(region, region.services, table, incidents=None)
    bands = service_bands(region, region.services, None)
    return region, result, bands


def _walk(element):
    for child in element._children.values():
        yield child
        yield from _walk(child)


def _drawn_colours(fmap: folium.Map) -> set[str]:
    """Every stroke and fill colour the map's layers draw (white rings aside)."""
    colours = set()
    for element in _walk(fmap):
        if isinstance(element, folium.GeoJson):
            marker = getattr(element, "marker", None)
            base = dict(marker.options) if marker is not None else {}
            style_function = getattr(element, "style_function", None)
            for feature in element.data["features"]:
                style = {**base, **(style_function(feature) if style_function else {})}  # as Leaflet merges them
                colours.add(style.get("color"))
                if style.get("fill", True) and (marker is not None or feature["geometry"]["type"] != "Point"):
                    colours.add(style.get("fillColor", style.get("color")))
        elif isinstance(element, folium.CircleMarker):
            colours |= {element.options.get(k) for k in ("color", "fillColor")}
    return {c.upper() for c in colours if c} - {w.upper() for w in WHITE}


def _legend_colours(fmap: folium.Map) -> set[str]:
    legend = legend_of(fmap)
    return {row[0].upper() for row in legend.rows}


PALETTE_COLOURS = (
    {v.upper() for v in palette.OKABE_ITO.values()}
    | {
        getattr(palette, name).upper()
        for name in dir(palette)
        if name.isupper() and isinstance(getattr(palette, name), str) and getattr(palette, name).startswith("#")
    }
    | {c.upper() for c in palette.BAND_COLOURS}
)


def test_the_scenario_map_legend_lists_exactly_the_drawn_layers(tiny):
    region, result, bands = tiny
    fmap = scenario_map(region, region.services, result.coverage, threshold_minutes=15.0, lang="ru", k=5)
    drawn = _drawn_colours(fmap)
    assert drawn == _legend_colours(fmap)
    assert drawn <= PALETTE_COLOURS, drawn - PALETTE_COLOURS
    # the layers the brief names are all there, each in its own colour
    for role in (
        palette.SERVICE,
        palette.GAP_SETTLEMENT,
        palette.SETTLEMENT,
        palette.HEXAGONS,
        palette.DISTRICT_OUTLINE,
        palette.REGION_OUTLINE,
    ):
        assert role.upper() in drawn, role
    assert len(_children_of(fmap, _Legend)) == 1  # one legend, not one per call


def test_the_presentation_map_legend_lists_bands_and_gaps(tiny):
    region, result, bands = tiny
    fmap = export_map(region, result, bands=bands, lang="kk", k=5)
    drawn = _drawn_colours(fmap)
    assert drawn == _legend_colours(fmap)
    assert {c.upper() for c in palette.BAND_COLOURS[: len(set(bands["minutes"]))]} <= drawn
    assert drawn <= PALETTE_COLOURS


def test_the_travel_time_map_legend_lists_exactly_the_drawn_layers(tiny):
    region, result, bands = tiny
    fmap = region_map(
        region,
        lang="en",
        k=5,
        bands=bands,
        settlement_minutes=result.nearest.minutes,
        method=result.method,
        method_description=result.description,
    )
    drawn = _drawn_colours(fmap)
    legend = _legend_colours(fmap)
    assert drawn <= legend and drawn <= PALETTE_COLOURS
    # minute classes no settlement falls in still belong in the legend (it explains the scale); nothing else extra
    assert legend - drawn <= {c.upper() for c in (*palette.MINUTE_CLASS_COLOURS, palette.UNREACHABLE)}


def _children_of(element, kind):
    return [e for e in _walk(element) if isinstance(e, kind)]


def test_the_palette_is_colour_blind_safe_okabe_ito():
    assert palette.PALETTE_NAME == "Okabe-Ito"
    hues = set(palette.OKABE_ITO.values())
    for colour in (
        palette.SERVICE,
        palette.GAP_SETTLEMENT,
        palette.HEXAGONS,
        palette.SUGGESTED_SITE,
        palette.INCIDENTS,
        palette.UNREACHABLE,
        *palette.MINUTE_CLASS_COLOURS,
        *palette.BAND_COLOURS[:2],
    ):
        assert colour in hues, colour
    # the findings on one map are told apart: gaps, hexagons, services and suggested sites differ
    assert (
        len(
            {palette.SERVICE, palette.GAP_SETTLEMENT, palette.HEXAGONS, palette.SUGGESTED_SITE, palette.BAND_COLOURS[0]}
        )
        == 5
    )


def test_focus_bounds_are_the_district_polygon_plus_a_margin(tiny):
    region, _, _ = tiny
    west, south, east, north = region.districts.set_index("district_id").loc[["E"]].total_bounds
    bounds = focus_bounds(region, district_id="E")
    assert bounds[0] < west and bounds[1] < south and bounds[2] > east and bounds[3] > north
    margin = max(east - west, north - south) * 0.1
    assert bounds[0] > west - margin and bounds[2] < east + margin
    region_bounds = focus_bounds(region)
    assert region_bounds[0] < bounds[0]  # the west district is not in the east district's view
    with pytest.raises(QorgauError, match="district 'nowhere'"):
        focus_bounds(region, district_id="nowhere")


def test_a_district_map_is_fitted_to_that_district(tiny):
    region, result, _ = tiny
    fmap = scenario_map(
        region, region.services, result.coverage, threshold_minutes=15.0, lang="ru", k=5, district_id="E"
    )
    west, south, east, north = focus_bounds(region, district_id="E")
    assert not [e for e in _walk(fmap) if isinstance(e, folium.FitBounds)]  # the map's own fit does it all
    refit = [e for e in _walk(fmap) if isinstance(e, _FitView)]
    assert refit and json.loads(refit[0].bounds_js) == [[south, west], [north, east]]


def test_district_names_are_labels_on_the_map(tiny):
    region, _, _ = tiny
    fmap = region_map(region, lang="kk", k=5)
    labels = [e.options["html"] for e in _walk(fmap) if isinstance(e, folium.DivIcon)]
    districts = [label for label in labels if "qorgau-district-label" in label]
    assert [re.sub(r' data-priority="[0-9.]+"', "", label) for label in districts] == [
        '<div class="qorgau-label qorgau-district-label">Батыс</div>',
        '<div class="qorgau-label qorgau-district-label">Шығыс</div>',
    ]
    html = fmap.get_root().render()
    assert "qorgau-labels-hidden" in html and "zoomend" in html  # hidden at low zoom, not cluttering
    group = district_label_layer(region.districts, "ru")
    assert sum(isinstance(c, folium.Marker) for c in group._children.values()) == 2


def test_the_legend_starts_open_and_the_view_is_refitted_beside_it(tiny):
    region, _, _ = tiny
    html = region_map(region, lang="ru", k=5).get_root().render()
    assert 'create("details", "qorgau-legend")' in html
    assert "legend.getContainer().open = true;" in html  # open on every map, whatever its size
    assert "box.open = size" not in html  # no size below which it starts collapsed
    assert "paddingBottomRight" in html and "getBoundsZoom" in html and "map.qorgauFit()" in html


def _extents(figure):
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    renderer = canvas.get_renderer()
    axes = figure.axes[0]
    return axes, axes.get_window_extent(renderer), figure.legends[0].get_window_extent(renderer)


def test_the_png_is_the_figure_at_its_own_dots_per_inch(tiny):
    from io import BytesIO

    from PIL import Image

    region, _, _ = tiny
    figure = map_figure(region, services=region.services, width_in=6.0, dpi=50)
    with Image.open(BytesIO(png_bytes(figure))) as image:
        assert image.format == "PNG"
        assert image.size == (300, round(figure.get_figheight() * 50))
        assert image.getpixel((0, 0))[:3] == (255, 255, 255)  # on white


@pytest.fixture(scope="module")
def turkistan():
    from pathlib import Path

    folder = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "turkistan"
    if not folder.exists():
        pytest.skip(f"the real region is not at {folder}")
    return load_region(folder)


@pytest.mark.parametrize("district_index", [0, 7, 20])
def test_the_pdf_district_map_shows_the_whole_district_with_the_legend_outside(turkistan, district_index):
    region = turkistan
    district = region.districts.iloc[district_index]
    uncovered = np.zeros(len(region.settlements), dtype=bool)
    uncovered[::3] = True
    figure = map_figure(
        region,
        services=region.services,
        uncovered=uncovered,
        gap_minutes=60,
        district_id=str(district["district_id"]),
        lang="ru",
    )
    axes, axes_box, legend_box = _extents(figure)
    west, south, east, north = district.geometry.bounds
    (x0, x1), (y0, y1) = axes.get_xlim(), axes.get_ylim()
    assert x0 < west and x1 > east and y0 < south and y1 > north
    # the whole district is drawn inside the axes box (the data limits are not cut by the aspect)
    corners = axes.transData.transform([(west, south), (east, north)])
    assert axes_box.x0 - 0.5 <= corners[0][0] and corners[1][0] <= axes_box.x1 + 0.5
    assert axes_box.y0 - 0.5 <= corners[0][1] and corners[1][1] <= axes_box.y1 + 0.5
    assert not axes_box.overlaps(legend_box), (axes_box, legend_box)
    assert legend_box.x0 >= axes_box.x1
    assert legend_box.x1 <= figure.bbox.x1 + 0.5 and legend_box.y0 >= -0.5  # the legend fits on the picture


def test_the_pdf_region_map_has_its_legend_beside_it_in_palette_colours(tiny):
    region, result, bands = tiny
    figure = map_figure(
        region, services=region.services, bands=bands, uncovered=result.nearest.minutes > 15, gap_minutes=15, lang="kk"
    )
    axes, axes_box, legend_box = _extents(figure)
    assert not axes_box.overlaps(legend_box)
    from matplotlib.colors import to_hex

    colours = set()
    for handle in figure.legends[0].legend_handles:
        if hasattr(handle, "get_facecolor") and not hasattr(handle, "get_markerfacecolor"):
            colours.add(to_hex(handle.get_facecolor(), keep_alpha=False).upper())
        elif handle.get_marker() not in (None, "None", ""):
            colours.add(to_hex(handle.get_markerfacecolor()).upper())
        else:
            colours.add(to_hex(handle.get_color()).upper())
    assert colours <= PALETTE_COLOURS, colours - PALETTE_COLOURS
    for role in (
        palette.SERVICE,
        palette.GAP_SETTLEMENT,
        palette.SETTLEMENT,
        palette.DISTRICT_OUTLINE,
        palette.REGION_OUTLINE,
        palette.BAND_COLOURS[0],
    ):
        assert role.upper() in colours, role
    texts = [t.get_text() for t in axes.texts]
    assert "Батыс" in texts and "Шығыс" in texts  # district names on the still map too
