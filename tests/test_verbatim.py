"""Rendered map pieces kept as text render exactly as Jinja would render them (planning.render.verbatim); simplified
bands made once per frame (planning.render.webmap.simplified_bands)."""

from __future__ import annotations

import branca.element
import jinja2
import pytest

from planning.render import verbatim

SOURCES = [
    "",
    "\n",
    "plain text",
    "var marker_1 = L.marker([43.3, 68.2], {}).addTo(map_2);\n",
    "two trailing newlines\n\n",
    "windows\r\nlines\r\n",
    "old mac\rline\r",
    "function f() { return {a: {b: 1}}; }",
    "<div class='x'>Шымкент &lt;5</div>\n   ",
    "{ {not a marker} }",
]


@pytest.mark.parametrize("source", SOURCES)
def test_text_without_markers_renders_as_jinja_renders_it(source):
    kept = verbatim.template(source)
    assert isinstance(kept, verbatim.VerbatimTemplate)
    assert kept.render(this=None, kwargs={}) == jinja2.Template(source).render(this=None, kwargs={})


@pytest.mark.parametrize("source", ["{{ this }}", "{% if 1 %}x{% endif %}", "a {# note #} b"])
def test_text_with_markers_is_compiled(source):
    compiled = verbatim.template(source)
    assert isinstance(compiled, jinja2.Template)
    assert compiled.render(this="x") == jinja2.Template(source).render(this="x")


def test_the_web_map_installs_it_for_brancas_elements():
    import planning.render.webmap  # noqa: F401  (installs)

    assert branca.element.Template is verbatim.template
    element = branca.element.Element("var a = 1;\n")
    assert isinstance(element._template, verbatim.VerbatimTemplate)
    assert element.render() == "var a = 1;"
    assert isinstance(branca.element.Element("{{ this._name }}")._template, jinja2.Template)


def test_simplified_bands_are_made_once_per_frame():
    import geopandas as gpd
    import shapely

    from planning.render.webmap import simplified_bands

    bands = gpd.GeoDataFrame(
        {"minutes": [15.0, 30.0]},
        geometry=[shapely.Point(68.2, 43.3).buffer(0.05), shapely.Point(68.2, 43.3).buffer(0.1)],
        crs="EPSG:4326",
    )
    first = simplified_bands(bands, analysis_crs="EPSG:32642")
    assert simplified_bands(bands, analysis_crs="EPSG:32642") is first
    again = simplified_bands(bands.copy(), analysis_crs="EPSG:32642")  # another frame: computed again, the same
    assert again is not first and again.geom_equals(first).all()
