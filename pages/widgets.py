"""The widgets the pages share: the banner of synthetic data, tables, maps, the guarded download button, the
placeholder of a selectbox and the problems of a scenario name, in the reader's language."""

from __future__ import annotations

import streamlit as st

from geo.region import Region
from pages.auth import SESSION_KEY, access_store
from pages.language import lang
from planning.i18n import t
from planning.markup import markdown_text
from planning.scenarios import MAX_SCENARIO_NAME_CHARS, ScenarioNameError
from planning.store import access


def synthetic_banner(region: Region) -> None:
    if region.incidents_synthetic:
        st.warning(t("synthetic.banner", lang()), icon="⚠️")


def download(
    label: str, build, *, file_name: str, mime: str, key: str, action: str = "export", object: str, **button_options
) -> None:
    """A download button whose file is built only when clicked, for a session still signed in with a role that
    may perform ``action``; each download is recorded in the audit log (``object`` names what, never content).

    The one way to offer a file: ``build()`` returns its bytes. The check runs in Streamlit's worker when the
    browser asks for the file (planning.store.access.session_user, read afresh), not when the page was drawn; the file
    itself is then served to the session cookie's holder only, and briefly (server.py).
    """
    token = st.session_state.get(SESSION_KEY)
    store = access_store()

    def deferred() -> bytes:
        user = access.session_user(store, token)
        access.require(user.role, action)
        data = build()
        access.record(store, user=user.username, action="download", object=f"{file_name} ({object})")
        return data

    st.download_button(label, deferred, file_name=file_name, mime=mime, key=key, on_click="ignore", **button_options)


def scenario_name_problem(exc: ScenarioNameError) -> str:
    """A :class:`planning.scenarios.ScenarioNameError` in the reader's language."""
    if exc.reason == "taken":
        return t(
            "scen_safety.name_taken_archived" if exc.other.archived else "scen_safety.name_taken",
            lang(),
            other=markdown_text(exc.other.name),
        )
    if exc.reason == "empty":
        return t("scen.name_needed", lang())
    return t("scen_safety.name_too_long", lang(), count=MAX_SCENARIO_NAME_CHARS)


def choose_placeholder(*, many: bool = False) -> str:
    """``placeholder=`` for a selectbox (or, ``many``, a multiselect) that may show no choice yet."""
    return t("streamlit.Choose options" if many else "streamlit.Choose an option", lang())


def show_table(data, **kwargs):
    """``st.dataframe`` with missing values drawn as "—" (Streamlit draws "None") in every language."""
    return st.dataframe(data, placeholder="—", **kwargs)


MAP_FRAME_SELECTOR = "iframe[title='streamlit_folium.st_folium']"
MAP_MIN_HEIGHT_PX = 460
MAP_SCREEN_MARGIN_PX = 130
"""Without the script below (or before it ran), a map is as tall as the browser window less this margin (pixels),
at least :data:`MAP_MIN_HEIGHT_PX`; the map inside follows its frame (``planning.render.webmap.MAP_CSS``)."""
MAP_BOTTOM_GAP_PX = 16
"""Space left under a map that ends in the first screen, pixels."""
MAP_FIRST_SCREEN_MIN_PX = 360
"""A map that starts in the first screen ends at its bottom when that leaves it at least this tall (pixels); else it
is as tall as the screen less :data:`MAP_SCREEN_MARGIN_PX`."""
PAGE_TOP_PADDING_REM = 2.5
"""Space above the title of a page with a map (Streamlit's default is 6 rem): the map starts higher."""
MAP_FRAME_CSS = (
    f"<style>{MAP_FRAME_SELECTOR} {{height: var(--qorgau-map-height, "
    f"max({MAP_MIN_HEIGHT_PX}px, calc(100vh - {MAP_SCREEN_MARGIN_PX}px))) !important;}}"
    f"[data-testid=stMainBlockContainer] {{padding-top: {PAGE_TOP_PADDING_REM}rem;}}</style>"
)
_MAP_HEIGHT_SCRIPT = """<script>
(() => {
  if (window.__qorgauMapHeight) { window.__qorgauMapHeight(); return; }
  let pending = false;
  const fit = () => {
    pending = false;
    const frame = document.querySelector("FRAME");
    const main = document.querySelector("[data-testid=stMain]");
    if (!frame || !main) return;
    const screen = main.clientHeight || window.innerHeight;
    const top = frame.getBoundingClientRect().top - main.getBoundingClientRect().top + main.scrollTop;
    const fits = screen - top - GAP;
    const height = fits >= FIRST ? fits : Math.max(MIN, screen - MARGIN);
    const value = Math.round(height) + "px";
    if (document.documentElement.style.getPropertyValue("--qorgau-map-height") !== value) {
      document.documentElement.style.setProperty("--qorgau-map-height", value);
    }
  };
  const later = () => { if (!pending) { pending = true; window.requestAnimationFrame(fit); } };
  window.__qorgauMapHeight = later;
  window.addEventListener("resize", later);
  new MutationObserver(later).observe(document.body, {subtree: true, childList: true});
  later();
})();
</script>"""
"""Sets the maps' height (the CSS variable ``--qorgau-map-height``): a map that starts in the first screen ends at
its bottom (it is seen whole without scrolling); one that starts lower is as tall as the screen less the margin."""


def _map_height_script() -> None:
    st.html(  # one element (each adds a gap above the map): the frame's style and the script that sets its height
        MAP_FRAME_CSS
        + _MAP_HEIGHT_SCRIPT.replace("FRAME", MAP_FRAME_SELECTOR)
        .replace("GAP", str(MAP_BOTTOM_GAP_PX))
        .replace("FIRST", str(MAP_FIRST_SCREEN_MIN_PX))
        .replace("MIN", str(MAP_MIN_HEIGHT_PX))
        .replace("MARGIN", str(MAP_SCREEN_MARGIN_PX)),
        unsafe_allow_javascript=True,
    )


def show_map(fmap, *, key: str, returned_objects=()):
    """Show a folium map the width of its column, as tall as fits in the screen (see ``_MAP_HEIGHT_SCRIPT``);
    returns st_folium's value. A map that returns only clicks tells the page of a click at once, not a quarter of a
    second later (:class:`planning.render.clicks.ImmediateClick`). The map is emptied once sent (:func:`_release_map`):
    draw everything on it before."""
    from streamlit_folium import st_folium

    from planning.render.clicks import ImmediateClick, sends_clicks_at_once

    if sends_clicks_at_once(returned_objects):
        fmap.add_child(ImmediateClick(returned_objects), name="qorgau_immediate_click")
    fitted = getattr(fmap, "qorgau_bounds", None)  # west, south, east, north: what the map is fitted to
    if fitted is not None and "bounds" not in returned_objects:
        # st_folium reads the map's bounds for its "bounds" value only, which this page does not ask for; folium
        # would walk every vertex of every layer for it (tens of milliseconds on each run)
        west, south, east, north = fitted
        fmap.get_bounds = lambda: [[south, west], [north, east]]

    _map_height_script()
    # render=False: st_folium renders the map once (its default renders the whole figure a second time, for nothing
    # but a repeated setIcon call per label marker; tests/test_map_render_once.py)
    value = st_folium(
        fmap, height=MAP_MIN_HEIGHT_PX, width=None, returned_objects=list(returned_objects), key=key, render=False
    )
    _release_map(fmap)
    return value


SESSION_LAYERS_KEY = "_map_layers"
"""st.session_state key of the session's rendered overlay layers (incidents among them: never shared)."""


def session_layers():
    """This session's cache of rendered overlay layers (:func:`planning.render.layered.cached_layer`): a layer whose
    content did not change since the last run (services while a village is clicked, gaps while the threshold stays,
    the incidents) is not built again."""
    from planning.render.layered import SESSION_LAYER_ENTRIES, ContentCache

    if SESSION_LAYERS_KEY not in st.session_state:
        st.session_state[SESSION_LAYERS_KEY] = ContentCache(SESSION_LAYER_ENTRIES)
    return st.session_state[SESSION_LAYERS_KEY]


def show_layered_map(make_base, base_key: str, overlay, *, key: str, returned_objects=()):
    """Show a map sent in two parts (:mod:`planning.render.layered`): the base ``make_base()`` (a folium map without
    incident data) rendered once per ``base_key`` for every session, and the ``overlay`` (a holder map: services,
    gap layers, incidents, a route, the legend) drawn over it; returns the component's value as :func:`show_map`.

    While the base stays the same, the browser keeps its map and only swaps the overlay's layers (no reload of the
    map, its roads and villages); the server renders only the overlay. Sized as :func:`show_map`; clicks reach the
    page at once. The overlay is emptied once sent."""
    from streamlit_folium import _component_func  # the component itself: its arguments are built here, once per base

    from planning.render.layered import (
        BASE_CACHE,
        component_defaults,
        component_key,
        content_key,
        render_base,
        render_overlay,
    )

    wanted = list(returned_objects)
    base = BASE_CACHE.get_or_make(
        content_key(base_key, tuple(wanted)), lambda: render_base(make_base(), returned_objects=wanted)
    )
    overlay_script = render_overlay(overlay, base)
    _release_map(overlay)
    _map_height_script()
    identity = component_key(base, key)

    def keep_value() -> None:  # as st_folium: the page reads the value under its own key
        st.session_state[key] = st.session_state.get(identity, {})

    return _component_func(
        script=base.script,
        header=base.header,
        html=base.html,
        id="map_div",
        key=identity,
        height=MAP_MIN_HEIGHT_PX,
        width=None,
        returned_objects=wanted,
        default=component_defaults(base, wanted),
        zoom=None,
        center=None,
        feature_group=overlay_script,
        return_on_hover=False,
        layer_control=None,
        pixelated=False,
        css_links=list(base.css_links),
        js_links=list(base.js_links),
        on_change=keep_value,
        wrap_longitude=False,
    )


def _release_map(fmap) -> None:
    """Empty ``fmap`` once it was sent: a page's fragments keep the page's variables (the map among them) alive
    between runs, and a rendered map of the bundled region holds some 3.5 MB of layers and script text per session
    (issue 24). The map must not be used after :func:`show_map`."""
    root = fmap.get_root()
    for part in (getattr(root, "header", None), getattr(root, "html", None), getattr(root, "script", None)):
        if part is not None:
            part._children.clear()
    fmap._children.clear()
