"""The presentation's map: one scenario's web map that the page steers to a district without reloading it.

A streamlit-folium map is a new component (a blank frame, a fresh Leaflet) whenever its content changes, so
switching district on the Present page used to cost seconds of empty map. Here the map of a scenario is drawn for
the whole region once (:func:`planning.render.exports.scenario_map`), and a small script in it watches a hidden
element of the page (:func:`focus_tag`, attribute :data:`FOCUS_ATTRIBUTE`): when the page names another district,
the map fits its view to that district's box and draws its outline heavier, in the frame it already has.
"""

from __future__ import annotations

import json

import folium
from branca.element import MacroElement, Template

from geo.region import Region
from planning.markup import html_text, js_value
from planning.render.webmap import MAP_CSS, focus_bounds

FOCUS_ATTRIBUTE = "data-qorgau-focus"
"""Attribute of the page element (:func:`focus_tag`) that tells the map what to show."""
LEGEND_EDGE_PX = 12
"""Gap between the legend box and the map's edge (pixels), as the legend draws it."""
ZOOM_CONTROL_PX = 52
"""Room kept free at the map's top left for Leaflet's zoom buttons (pixels)."""
DISTRICT_WEIGHT_PX = 3.0
OTHER_DISTRICT_WEIGHT_PX = 1.2
OTHER_DISTRICT_DASH = "4 3"
"""Outline of the chosen district (solid, heavier) and of the others (dashed), as
:func:`planning.render.webmap.region_map` draws them for a map made for one district."""


def focus_spec(region: Region, district_id: str | None) -> dict:
    """What the map shows: ``{"bounds": [[south, west], [north, east]], "district": id or None}`` (degrees), the
    region's box or the district's (:func:`planning.render.webmap.focus_bounds`, with its margin)."""
    west, south, east, north = focus_bounds(region, district_id=district_id)
    return {"bounds": [[south, west], [north, east]], "district": None if district_id is None else str(district_id)}


def focus_tag(region: Region, district_id: str | None) -> str:
    """A hidden element for the page (``st.html``) carrying :func:`focus_spec` for the maps of
    :class:`FocusControl`; drawn on every run, before the map."""
    return f'<div hidden {FOCUS_ATTRIBUTE}="{html_text(json.dumps(focus_spec(region, district_id)))}"></div>'


class FocusControl(MacroElement):
    """Script of a map shown in a same-origin frame: fit the view to the box the parent page's
    :data:`FOCUS_ATTRIBUTE` names (the legend kept clear of it, the box filling the frame at any zoom, not only at
    Leaflet's quarter steps), outline the named district, and do it again whenever the page changes the attribute
    or the frame changes size; a frame the page hides (``visibility: hidden``) is fitted when it is shown again.
    ``initial`` (a :func:`focus_spec`) is used until the page's element is found."""

    _template = Template("""
{% macro script(this, kwargs) %}
(function(map, initial, style) {
  var last = null;
  var read = function() {
    try {
      var holder = window.parent.document.querySelector("[" + style.attribute + "]");
      return holder ? holder.getAttribute(style.attribute) : null;
    } catch (e) { return null; }  /* not in a same-origin frame: the initial view stays */
  };
  var outline = function(district) {
    map.eachLayer(function(layer) {
      var f = layer.feature;
      if (!f || !f.properties || !("district_id" in f.properties) || !layer.setStyle) { return; }
      if (!f.geometry || f.geometry.type.indexOf("Polygon") < 0) { return; }
      var chosen = district !== null && String(f.properties.district_id) === district;
      layer.setStyle({weight: chosen ? style.chosen : style.other, dashArray: chosen ? null : style.dash});
    });
  };
  var fit = function(spec) {
    var size = map.getSize();
    if (!size.x || !size.y) { return; }
    var bounds = L.latLngBounds(spec.bounds), edge = style.edge, top = style.top;
    var box = document.querySelector(".qorgau-legend");
    var w = box ? box.offsetWidth + 2 * edge : edge, h = box ? box.offsetHeight + 2 * edge : edge;
    var beside = {paddingTopLeft: [edge + 40, top], paddingBottomRight: [w, edge], animate: false};
    var above = {paddingTopLeft: [edge + 40, top], paddingBottomRight: [edge, h], animate: false};
    map.options.zoomSnap = 0;
    var zoomBeside = map.getBoundsZoom(bounds, false, L.point(edge + 40 + w, top + edge));
    var zoomAbove = map.getBoundsZoom(bounds, false, L.point(2 * edge + 40, top + h));
    map.fitBounds(bounds, zoomBeside >= zoomAbove ? beside : above);
    map.qorgauDataBounds = bounds;
    outline(spec.district);
  };
  var shown = function(raw) {  /* the frame says what it shows (for whoever waits for it: a test, a timer) */
    if (document.body) { document.body.setAttribute(style.attribute, raw); }
  };
  var hidden = function() {  /* a map the page keeps out of sight (the next scenario's) */
    try { return window.parent.getComputedStyle(window.frameElement).visibility === "hidden"; }
    catch (e) { return false; }
  };
  var update = function(again) {
    var raw = read();
    if (raw === null) { raw = JSON.stringify(initial); }
    if (raw === last && !again) { return; }
    if (last !== null && hidden()) { return; }  /* fitted when the page shows it: a district change fits one map */
    last = raw;
    fit(JSON.parse(raw));
    shown(raw);
  };
  update(true);
  var watcher = null;
  try {
    watcher = new MutationObserver(function() { update(false); });
    watcher.observe(window.parent.document.body, {subtree: true, childList: true, characterData: true,
                                                  attributes: true, attributeFilter: [style.attribute]});
  } catch (e) { watcher = null; }
  window.addEventListener("pagehide", function() { if (watcher) { watcher.disconnect(); } });
  map.on("resize", function() { update(true); });
})({{ this._parent.get_name() }}, {{ this.initial_js }}, {{ this.style_js }});
{% endmacro %}
""")

    def __init__(self, initial: dict):
        super().__init__()
        self._name = "FocusControl"
        self.initial_js = js_value(initial)
        self.style_js = js_value(
            {
                "attribute": FOCUS_ATTRIBUTE,
                "edge": LEGEND_EDGE_PX,
                "top": ZOOM_CONTROL_PX,
                "chosen": DISTRICT_WEIGHT_PX,
                "other": OTHER_DISTRICT_WEIGHT_PX,
                "dash": OTHER_DISTRICT_DASH,
            }
        )


def slide_html(fmap: folium.Map, region: Region, *, district_id: str | None = None) -> str:
    """``fmap`` (a map of the whole region) as one HTML document for a same-origin frame, steered by the page's
    :func:`focus_tag`; ``district_id`` is the view until the page's element is read."""
    fmap.add_child(FocusControl(focus_spec(region, district_id)))
    page = fmap.get_root().render()
    # the map's own style once more after Leaflet's (folium links leaflet.css after the styles added earlier), so
    # that it wins where both set the same property (the background)
    head_end = page.index("</head>")
    return f"{page[:head_end]}<style>{MAP_CSS}</style>{page[head_end:]}"
