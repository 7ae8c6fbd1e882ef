"""A map sent in two parts: a base drawn once, and the layers that change swapped in place (issue 24).

streamlit-folium (0.27) names its component by a hash of the map's script: a map built again with any change is a new
component, and the browser loads Leaflet and draws every layer again (the roads, the 940 settlements, the labels),
while the server builds and encodes the whole ~0.9 MB script on every rerun. A page's map is therefore split:

- the **base** (:func:`render_base`): outlines, roads, settlements, labels, bands, the view's fit and the label
  layout: the same for every scenario of a region. It is rendered once per content key and kept as text
  (:data:`BASE_CACHE`, shared by every session: it holds no incident figure), so its script is byte-identical from
  one rerun, page or session to the next, and the component in the browser stays the same;
- the **overlay** (:func:`render_overlay`): what changes with the scenario, the threshold or the clicked village
  (services, gap layers, incidents, the route, the legend and the layer control). It reaches the component as
  streamlit-folium's ``feature_group`` argument, a script the component runs after its map is drawn and again
  whenever it changes; the script removes the layers and controls the previous one added, then adds its own.

The texts of both parts are built exactly as streamlit-folium builds them (:func:`leaflet_text`, a port of its string
functions: planning/ does not import Streamlit), so every element keeps its behaviour (tooltips, clicks, the legend,
the fit beside it, the label layout).
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import textwrap
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from typing import Any

import folium
import geopandas as gpd
import jinja2
import numpy as np
import pandas as pd
import shapely
from branca.element import MacroElement, Template

from planning.markup import js_value
from planning.render.clicks import ImmediateClick, sends_clicks_at_once

BASE_CACHE_ENTRIES = 24
"""How many rendered bases :data:`BASE_CACHE` keeps (regions × languages × pages; each some 0.5–0.9 MB of text)."""
OVERLAY_PREFIX = "qorgau_overlay"
"""Variable names of the overlay's layers start with this (``geo_json_qorgau_overlay_0``), apart from the base's."""
MAP_VARIABLE = "map_div"
"""The name streamlit-folium gives the map in the component's page (its ``<div>`` and its script variable)."""


@dataclass(frozen=True)
class RenderedBase:
    """The base of a map as the component receives it (streamlit-folium's arguments of the same names).

    Attributes
    ----------
    script, header, html : str
        The map's script, the ``<head>`` additions (styles) and the extra HTML.
    css_links, js_links : tuple of str
        Stylesheets and scripts the component loads before the script (the app's own Leaflet).
    base_layers, overlays : tuple of (str, str)
        ``(name shown in the layer control, script variable)`` of the base's layers: the overlay's layer control
        lists them first.
    bounds : list
        ``[[south, west], [north, east]]`` degrees: the fitted area (the component's initial "bounds" value).
    digest : str
        SHA-256 of the script, hex: the component's identity (with the page's key).
    """

    script: str
    header: str
    html: str
    css_links: tuple[str, ...]
    js_links: tuple[str, ...]
    base_layers: tuple[tuple[str, str], ...]
    overlays: tuple[tuple[str, str], ...]
    bounds: list
    digest: str

    @property
    def size_bytes(self) -> int:
        """Characters of text kept (script, header and HTML)."""
        return len(self.script) + len(self.header) + len(self.html)


class ContentCache:
    """A small thread-safe LRU cache of values by content key (sessions run in threads of one process).

    Parameters
    ----------
    max_entries : int
        How many values it keeps; the least recently used goes first.
    """

    def __init__(self, max_entries: int):
        if max_entries < 1:
            raise ValueError(f"ContentCache needs max_entries >= 1; got {max_entries}.")
        self.max_entries = max_entries
        self._values: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get_or_make(self, key: Hashable, make: Callable[[], Any]) -> Any:
        """The value kept for ``key``, else ``make()`` (called outside the lock; kept for next time)."""
        with self._lock:
            if key in self._values:
                self._values.move_to_end(key)
                self.hits += 1
                return self._values[key]
            self.misses += 1
        value = make()
        with self._lock:
            self._values[key] = value
            self._values.move_to_end(key)
            while len(self._values) > self.max_entries:
                self._values.popitem(last=False)
        return value

    def __len__(self) -> int:
        return len(self._values)

    def clear(self) -> None:
        """Forget every value (tests)."""
        with self._lock:
            self._values.clear()
            self.hits = self.misses = 0


BASE_CACHE = ContentCache(BASE_CACHE_ENTRIES)
"""Rendered bases of every session, by content key (:func:`content_key`). Bases hold no incident data (DESIGN.md:
incident-derived results are cached per session only): incidents are always drawn by the overlay."""

_TOKENS: dict[int, tuple[weakref.ref, str]] = {}
_TOKEN_LOCK = threading.Lock()
_token_serial = 0


def object_token(value: object) -> str:
    """A name for ``value`` that stays the same while it lives and is never given to another object (unlike
    ``id()``): for content keys of shared objects (a road network, a cached frame of bands) that are costly to hash."""
    global _token_serial
    with _TOKEN_LOCK:
        kept = _TOKENS.get(id(value))
        if kept is not None and kept[0]() is value:
            return kept[1]
        _token_serial += 1
        token = f"{type(value).__name__}#{_token_serial}"
        key = id(value)

        def forget(_: weakref.ref, key: int = key) -> None:
            _TOKENS.pop(key, None)

        _TOKENS[key] = (weakref.ref(value, forget), token)
        return token


_MEMO: dict[tuple[int, str], tuple[weakref.ref, Any]] = {}


def object_memo(value: object, name: str, compute: Callable[[], Any]) -> Any:
    """``compute()`` once per living object ``value`` and ``name`` (e.g. the digest of a session's region, asked on
    every rerun): kept while ``value`` lives, forgotten with it."""
    key = (id(value), name)
    with _TOKEN_LOCK:
        kept = _MEMO.get(key)
        if kept is not None and kept[0]() is value:
            return kept[1]
    result = compute()

    def forget(_: weakref.ref, key: tuple[int, str] = key) -> None:
        _MEMO.pop(key, None)

    with _TOKEN_LOCK:
        _MEMO[key] = (weakref.ref(value, forget), result)
    return result


def frame_digest(frame: pd.DataFrame) -> str:
    """SHA-256 hex of a (Geo)DataFrame's content: its columns and values as CSV text, and its geometries (if any) as
    WKB; the same content gives the same digest in every session."""
    digest = hashlib.sha256()
    geometry = frame.geometry.name if isinstance(frame, gpd.GeoDataFrame) and "geometry" in frame else None
    plain = frame.drop(columns=[geometry]) if geometry is not None else frame
    digest.update(plain.to_csv(index=True).encode())
    if geometry is not None:
        digest.update(str(frame.crs).encode())
        for wkb in shapely.to_wkb(frame.geometry.to_numpy()):
            digest.update(b"-" if wkb is None else wkb)
    return digest.hexdigest()


def content_key(*parts: object) -> str:
    """A SHA-256 hex key of ``parts``: strings, numbers, None, tuples/lists of them, and numpy arrays (by dtype,
    shape and bytes); anything else by :func:`object_token` (the object itself, not its content)."""
    digest = hashlib.sha256()

    def add(part: object) -> None:
        if part is None or isinstance(part, (str, int, float, bool)):
            digest.update(f"{type(part).__name__}:{part!r};".encode())
        elif isinstance(part, (tuple, list)):
            digest.update(f"{type(part).__name__}[{len(part)}](".encode())
            for item in part:
                add(item)
            digest.update(b")")
        elif isinstance(part, np.ndarray):
            array = np.ascontiguousarray(part)
            digest.update(f"array:{array.dtype.str}:{array.shape};".encode())
            digest.update(array.tobytes() if array.dtype != object else repr(array.tolist()).encode())
        else:
            digest.update(f"object:{object_token(part)};".encode())

    for part in parts:
        add(part)
    return digest.hexdigest()


# --- streamlit-folium's text of a map -----------------------------------------------------------------------------
# The functions below give, character for character, what streamlit-folium 0.27.4 (MIT licence; its __init__.py:
# _get_header, _get_html, _get_map_string, generate_leaflet_string) sends its component for a folium.Map, without
# importing it (it imports Streamlit, which planning/ does not). tests/test_map_layered.py compares the two.
_SCRIPT_LINK = re.compile(r'<script\b[^>]*\bsrc=["\'][^"\']*["\'][^>]*>.*?</script\b[^>]*>', re.IGNORECASE | re.DOTALL)
_STYLE_LINK = re.compile(r'<link rel="stylesheet" href=".*?"/>')
_ICON_PATH = re.compile(r'(L\.Icon\.Default\.imagePath\s*=\s*["\'])([^"\']*?/dist)(["\'])')
_MAP_DIV = re.compile(r'<div class="folium-map" id=".*" ></div>')
_VAR_SUFFIX = re.compile("_[a-z0-9]+(?!_)")
_ELEMENT_REF = re.compile(r"\{\{\s*'([A-Za-z_$][A-Za-z0-9_$]*)'\s*\}\}")
_DRAWN_ITEMS = re.compile(r"drawnItems_draw_control_div_\d+")


def _full_id(element: MacroElement) -> str:
    return f"{element._name.lower()}_{element._id}"


def _map_header(fmap: folium.Map) -> str:
    header = fmap.get_root().header.render()  # type: ignore[attr-defined]  # the root of a folium map is a Figure
    header = _SCRIPT_LINK.sub("", header)
    header = _STYLE_LINK.sub("", header)
    header = _ICON_PATH.sub(r"\1\2/images/\3", header)
    return header.replace(_full_id(fmap), MAP_VARIABLE)


def _map_html(fmap: folium.Map) -> str:
    html = fmap.get_root().html.render()  # type: ignore[attr-defined]  # the root of a folium map is a Figure
    return _MAP_DIV.sub("", html).strip()


def _leaflet_text(element: Any, base_id: str, mappings: dict[str, str]) -> str:
    mappings[element._id] = base_id
    try:  # an element that adds another to its parent (folium's ElementAddToElement) names both
        element_id = element.element_name.replace("map_", "").replace("tile_layer_", "")
        parent_id = element.element_parent_name.replace("map_", "").replace("tile_layer_", "")
        if element_id not in mappings:
            mappings[element_id] = element._parent._id
        if parent_id not in mappings:
            mappings[parent_id] = element._parent._parent._id
    except AttributeError:
        pass
    element._id = base_id
    try:
        text = element._template.module.script(element)
    except jinja2.UndefinedError:
        text = element._template.render(this=element, kwargs={})
    for index, child in enumerate(element._children.values()):
        with contextlib.suppress(jinja2.UndefinedError, AttributeError):
            text += "\n" + _leaflet_text(child, f"{base_id}_{index}", mappings)
    return text


def leaflet_text(element: MacroElement, base_id: str = "div") -> str:
    """The script of ``element`` and its children with their names made positional (``geo_json_div_3``: the same map
    gives the same text every time), as streamlit-folium's ``generate_leaflet_string``. Renames the elements."""
    mappings: dict[str, str] = {}
    text = _leaflet_text(element, base_id, mappings)

    def rename(match: re.Match) -> str:
        found = match.group()
        replacement = mappings.get(found.strip("_"))
        return found.replace(found.strip("_"), replacement) if replacement else found

    return _ELEMENT_REF.sub(r"\1", _VAR_SUFFIX.sub(rename, text))


def _map_script(fmap: folium.Map) -> str:
    script = leaflet_text(fmap).replace("alert(coords);", "")
    script = textwrap.dedent(_DRAWN_ITEMS.sub("drawnItems", script))
    if "drawnItems" not in script:
        script += "\nvar drawnItems = [];"
    return script


def _links(fmap: folium.Map) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Stylesheets and scripts of ``fmap`` and its elements, in order, once each (as streamlit-folium collects them)."""
    css: list[str] = []
    js: list[str] = []

    def walk(element: object) -> Iterable:
        yield element
        for child in getattr(element, "_children", {}).values():
            yield from walk(child)

    for element in walk(fmap):
        css.extend(href for _, href in getattr(element, "default_css", []))
        js.extend(src for _, src in getattr(element, "default_js", []))
    return tuple(dict.fromkeys(css)), tuple(dict.fromkeys(js))


def render_base(fmap: folium.Map, *, returned_objects: Iterable[str] = ()) -> RenderedBase:
    """The base ``fmap`` as the component receives it, rendered once (streamlit-folium's ``render=False`` path). With
    click values among ``returned_objects``, a click reaches the page at once (:class:`ImmediateClick`).

    ``fmap`` is used up: its elements are renamed as streamlit-folium names them (positionally, so the same map gives
    the same text every time). Put no incident layer in it (:data:`BASE_CACHE` is shared by every session).
    """
    wanted = list(returned_objects)
    if sends_clicks_at_once(wanted):
        fmap.add_child(ImmediateClick(wanted), name="qorgau_immediate_click")
    fitted = getattr(fmap, "qorgau_bounds", None)
    fmap.render()
    html = _map_html(fmap)
    header = _map_header(fmap)
    script = _map_script(fmap)  # renames every element (their names in the script): layers are read after
    css_links, js_links = _links(fmap)
    base_layers: list[tuple[str, str]] = []
    overlays: list[tuple[str, str]] = []
    for child in fmap._children.values():
        if isinstance(child, folium.map.Layer) and child.control:
            (overlays if child.overlay else base_layers).append((str(child.layer_name), child.get_name()))
    if fitted is not None:
        west, south, east, north = fitted
        bounds = [[south, west], [north, east]]
    else:
        bounds = [[None, None], [None, None]]
    return RenderedBase(
        script=script,
        header=header,
        html=html,
        css_links=css_links,
        js_links=js_links,
        base_layers=tuple(base_layers),
        overlays=tuple(overlays),
        bounds=bounds,
        digest=hashlib.sha256(script.encode()).hexdigest(),
    )


def overlay_holder() -> folium.Map:
    """An empty map to draw an overlay on (its layers, legend and route, with the functions that draw them on a
    whole map): never shown itself, only its children are sent (:func:`render_overlay`)."""
    return folium.Map(tiles=None)


OVERLAY_TEMPLATE = """(function(map) {
  // the layers and controls the previous overlay added go, this one's come (planning.render.layered)
  var previous = window.__qorgauOverlay;
  if (previous) {
    previous.layers.forEach(function(layer) { if (map.hasLayer(layer)) { map.removeLayer(layer); } });
    previous.controls.forEach(function(control) { map.removeControl(control); });
  }
@@BODY@@
  var layers = [@@LAYERS@@];
  var control = L.control.layers(@@BASE_LAYERS@@, @@OVERLAYS@@, @@CONTROL_OPTIONS@@).addTo(map);
  window.__qorgauOverlay = {layers: layers, controls: [control]};
})(@@MAP@@);
"""
"""The overlay's script: ``@@BODY@@`` (its elements' scripts), ``@@LAYERS@@`` (its layers' variables), the layer
control's layers (the base's first, then the overlay's, as folium's ``LayerControl`` lists them) and ``@@MAP@@`` filled
in, in one pass (:data:`_MARKER`): a name in the inserted text is never taken for a marker."""
_MARKER = re.compile(r"@@([A-Z_]+)@@")
LAYER_CONTROL_OPTIONS = {"position": "topright", "collapsed": True, "autoZIndex": True}
"""Options of the overlay's layer control (folium's ``LayerControl(collapsed=True)``)."""


class RenderedLayer(MacroElement):
    """A layer already rendered as overlay text (:func:`rendered_layer`), placed in an overlay as it is: a layer that
    did not change since the last run (the incidents, the services while a village is clicked, the gap layers while
    the threshold stays) is not built and rendered again.

    Attributes
    ----------
    text : str
        Its script (it adds itself to the map when shown).
    variable : str
        Its script variable.
    layer_name : str
        Its name in the layer control (as text: :func:`planning.render.webmap.layer_name`).
    control : bool
        Whether the layer control lists it.
    """

    _template = Template("{% macro script(this, kwargs) %}{% endmacro %}")

    def __init__(self, text: str, variable: str, layer_name: str, control: bool):
        super().__init__()
        self._name = "RenderedLayer"
        self.text, self.variable, self.layer_name, self.control = text, variable, layer_name, control


LAYER_SLOT = re.compile(r"^[a-z][a-z0-9]*$")
"""A rendered layer's slot (the end of its variable names): lower-case letters and digits."""


def rendered_layer(layer: folium.map.Layer, slot: str) -> RenderedLayer:
    """``layer`` rendered for an overlay, its variables named after ``slot`` (``geo_json_qorgau_overlay_incidents``;
    one slot per kind of layer, so that two rendered layers of one overlay never share a name)."""
    if not LAYER_SLOT.match(slot):
        raise ValueError(f"a rendered layer's slot is lower-case letters and digits (a script name); got {slot!r}.")
    holder = overlay_holder()
    layer.add_to(holder)
    holder.render()
    text = textwrap.dedent(leaflet_text(layer, base_id=f"{OVERLAY_PREFIX}_{slot}"))
    return RenderedLayer(
        text.replace(holder.get_name(), MAP_VARIABLE), layer.get_name(), str(layer.layer_name), bool(layer.control)
    )


def cached_layer(
    cache: ContentCache | None, slot: str, key: tuple, make: Callable[[], folium.map.Layer | None]
) -> folium.map.Layer | RenderedLayer | None:
    """The layer ``make()`` makes (None: nothing to draw), rendered once per content ``key`` (:func:`content_key`
    parts) in ``cache`` (a session's: layers with incident figures are cached per session only); ``make()`` itself
    without a cache."""
    if cache is None:
        return make()

    def render() -> RenderedLayer | None:
        layer = make()
        return None if layer is None else rendered_layer(layer, slot)

    return cache.get_or_make(content_key(slot, *key), render)


def add_cached_layer(
    fmap: folium.Map, cache: ContentCache | None, slot: str, key: tuple, make: Callable[[], folium.map.Layer | None]
) -> bool:
    """Add :func:`cached_layer`'s layer to ``fmap``; whether there was one to add."""
    layer = cached_layer(cache, slot, key, make)
    if layer is None:
        return False
    layer.add_to(fmap)
    return True


SESSION_LAYER_ENTRIES = 8
"""How many rendered overlay layers a session keeps (:func:`cached_layer`; four kinds × the last two contents, some
0.5 MB of text in all on the bundled region)."""


def render_overlay(holder: folium.Map, base: RenderedBase) -> str:
    """The script that puts ``holder``'s children (layers, the legend) on the base's map, replacing the previous
    overlay, with a layer control listing the base's layers and these (names as the layer control shows them, as
    text: :func:`planning.render.webmap.layer_name`).

    ``holder`` (from :func:`overlay_holder`) is used up. A folium ``LayerControl`` among its children is left out:
    this script makes the map's one layer control.
    """
    for name, child in list(holder._children.items()):
        if isinstance(child, folium.LayerControl):
            del holder._children[name]
    holder.render()
    holder_name = holder.get_name()
    pieces: list[str] = []
    layers: list[str] = []
    overlays: list[tuple[str, str]] = []
    for index, child in enumerate(holder._children.values()):
        if isinstance(child, RenderedLayer):
            pieces.append(child.text)
            layers.append(child.variable)
            if child.control:
                overlays.append((child.layer_name, child.variable))
            continue
        if not isinstance(child, MacroElement):  # a plain Element (HTML) has no script
            continue
        text = textwrap.dedent(leaflet_text(child, base_id=f"{OVERLAY_PREFIX}_{index}"))
        pieces.append(text.replace(holder_name, MAP_VARIABLE))
        if isinstance(child, folium.map.Layer):
            layers.append(child.get_name())
            if child.control:
                overlays.append((str(child.layer_name), child.get_name()))
    listed = [*base.overlays, *overlays]
    objects = "{" + ", ".join(f"{js_value(name)}: {variable}" for name, variable in listed) + "}"
    base_objects = "{" + ", ".join(f"{js_value(name)}: {variable}" for name, variable in base.base_layers) + "}"
    values = {
        "BODY": "\n".join(pieces),
        "LAYERS": ", ".join(layers),
        "BASE_LAYERS": base_objects,
        "OVERLAYS": objects,
        "CONTROL_OPTIONS": js_value(LAYER_CONTROL_OPTIONS),
        "MAP": MAP_VARIABLE,
    }
    return _MARKER.sub(lambda match: values[match.group(1)], OVERLAY_TEMPLATE)


def component_defaults(base: RenderedBase, returned_objects: Iterable[str]) -> dict:
    """The component's value before any interaction, as streamlit-folium gives it (only the values asked for)."""
    (south, west), (north, east) = base.bounds
    every = {
        "last_clicked": None,
        "last_object_clicked": None,
        "last_object_clicked_count": None,
        "last_object_clicked_tooltip": None,
        "last_object_clicked_popup": None,
        "all_drawings": None,
        "last_active_drawing": None,
        "bounds": {"_southWest": {"lat": south, "lng": west}, "_northEast": {"lat": north, "lng": east}},
        "zoom": None,
        "last_circle_radius": None,
        "last_circle_polygon": None,
        "selected_layers": None,
        "selected_tags": None,
        "last_geocoder_result": None,
    }
    wanted = set(returned_objects)
    return {key: value for key, value in every.items() if key in wanted}


def component_key(base: RenderedBase, key: str) -> str:
    """The component's identity: the page's ``key`` and the base's script. The same base keeps the component (and
    the map drawn in the browser); another base makes a new one."""
    return hashlib.sha256(f"{base.digest}:{key}".encode()).hexdigest()
