"""A map sent in two parts (issue 24, planning.render.layered): the base is rendered once per content and is the same
text in every rerun and session, holds no incident data, and with the overlay draws every layer and legend row the
whole map draws; the pages keep one component while only the overlay changes."""

from __future__ import annotations

from unittest import mock

import numpy as np
import pytest
import streamlit_folium
from conftest import DEFAULT_REGION, PROJECT, TINY, signed_in_app

from geo.region import load_region
from planning.analysis import SiteMinutes, evaluate, incident_release, region_network
from planning.baseline import current_services
from planning.render import layered
from planning.render.gapmap import scenario_map, scenario_overlay
from planning.render.layered import (
    BASE_CACHE,
    ContentCache,
    component_key,
    content_key,
    object_token,
    render_base,
    render_overlay,
)
from planning.render.webmap import legend_of, region_base, region_base_key, region_map, region_overlay
from planning.store.db import DB_ENV_VAR

SECRET = b"tests-only release secret, not for deployment"


@pytest.fixture(scope="module")
def bundled():
    region = load_region(DEFAULT_REGION)
    table = SiteMinutes(region_network(region), region.settlements, analysis_crs=region.analysis_crs)
    services = current_services(region)
    result = evaluate(region, services, table, incidents=incident_release(region, secret=SECRET))
    return region, table, services, result


def _base(region, table, **options):
    return render_base(region_base(region, network=table.network, **options), returned_objects=["last_clicked"])


def test_the_same_base_is_the_same_text_in_another_session(bundled):
    region, table, _, _ = bundled
    again = load_region(DEFAULT_REGION)  # another session reads its own region object
    first, second = _base(region, table, lang="kk"), _base(again, table, lang="kk")
    assert first.script == second.script and first.header == second.header and first.digest == second.digest
    assert component_key(first, "scen_map") == component_key(second, "scen_map")
    assert component_key(first, "scen_map") != component_key(first, "region_map")
    key = region_base_key(region, lang="kk", network=table.network)
    assert key == region_base_key(again, lang="kk", network=table.network)
    assert key != region_base_key(region, lang="ru", network=table.network)
    assert key != region_base_key(region, lang="kk", network=None)
    minutes = np.arange(len(region.settlements), dtype=float)
    moved = minutes.copy()
    moved[3] += 1.0
    assert region_base_key(region, lang="kk", settlement_minutes=minutes) != region_base_key(
        region, lang="kk", settlement_minutes=moved
    )


def test_the_base_holds_no_incident_and_the_overlay_draws_them(bundled):
    region, table, services, result = bundled
    release = result.coverage.release
    base = _base(region, table, lang="ru")
    overlay = render_overlay(
        region_overlay(region, lang="ru", services=services, settlement_incidents=release, k=5, network=table.network),
        base,
    )
    assert "count_label" not in base.script and "count_label" in overlay
    assert "Обращения" not in " ".join(name for name, _ in base.overlays)


def _control_names(fmap) -> list[str]:
    import folium

    return [c.layer_name for c in fmap._children.values() if isinstance(c, folium.map.Layer) and c.control]


@pytest.mark.parametrize("which", ["map page", "scenario"])
def test_base_and_overlay_draw_every_layer_and_legend_row_of_the_whole_map(bundled, which):
    region, table, services, result = bundled
    cov = result.coverage
    if which == "map page":
        options = dict(
            lang="ru",
            settlement_minutes=result.nearest.minutes,
            settlement_estimated=np.asarray(result.methods == "estimate"),
            network=table.network,
        )
        whole = region_map(
            region, services=services, settlement_incidents=cov.release, k=5, method="network", **options
        )
        base_map = region_base(region, **options)
        holder = region_overlay(
            region, services=services, settlement_incidents=cov.release, k=5, method="network", **options
        )
    else:
        common = dict(threshold_minutes=30, lang="kk", k=5, settlement_incidents=cov.release, network=table.network)
        whole = scenario_map(region, services, cov, **common)
        base_map = region_base(region, lang="kk", network=table.network)
        holder = scenario_overlay(region, services, cov, **common)
    assert sorted(_control_names(base_map) + _control_names(holder)) == sorted(_control_names(whole))
    assert legend_of(holder).sections == legend_of(whole).sections
    base = render_base(base_map, returned_objects=["last_object_clicked"])
    script = render_overlay(holder, base)
    for name in _control_names(whole):  # the one layer control lists them all, names as text
        assert layered.js_value(name) in script
    assert script.count("L.control.layers(") == 1 and "L.control.layers(" not in base.script
    assert "setComponentValue" in base.script  # a click reaches the page at once (planning.render.clicks)


def test_names_in_the_overlay_are_never_taken_for_its_markers(bundled):
    region, table, services, _ = bundled
    named = services.copy()
    named["name"] = ["@@MAP@@ </script><b>x</b>", *named["name"].iloc[1:]]
    base = _base(region, table, lang="ru")
    script = render_overlay(region_overlay(region, lang="ru", services=named, k=5, network=table.network), base)
    assert "@@MAP@@" in script  # the name stays as it is: markers are filled in one pass, never in what was filled
    assert "var layers = [" in script and "L.control.layers({}, {" in script
    assert "</script" not in script and "<b>" not in script
    assert script.rstrip().endswith("})(map_div);")


def test_content_cache_keeps_the_most_recent_and_makes_each_value_once():
    cache = ContentCache(2)
    made = []
    for key in ("a", "b", "a", "c", "b"):
        cache.get_or_make(key, lambda key=key: made.append(key) or key.upper())
    assert made == ["a", "b", "c", "b"]  # "a" was used again before "c" came, so "b" went first
    assert len(cache) == 2 and (cache.hits, cache.misses) == (1, 4)
    with pytest.raises(ValueError, match="max_entries"):
        ContentCache(0)


def test_object_tokens_are_never_reused_and_content_keys_see_array_bytes():
    class Thing:
        pass

    first = Thing()
    token = object_token(first)
    assert object_token(first) == token
    del first
    assert object_token(Thing()) != token
    assert content_key(np.array([1.0, 2.0])) == content_key(np.array([1.0, 2.0]))
    assert content_key(np.array([1.0, 2.0])) != content_key(np.array([1.0, 2.5]))
    assert content_key("a", None) != content_key("a", "None")


# --- the pages --------------------------------------------------------------------------------------------------------
@pytest.fixture
def db(tmp_path, monkeypatch):
    monkeypatch.setenv(DB_ENV_VAR, str(tmp_path / "qorgau.sqlite"))
    monkeypatch.setenv("QORGAU_REGION", str(TINY))
    monkeypatch.chdir(PROJECT)


@pytest.fixture
def sent(monkeypatch):
    """The arguments of every map component the pages draw (the component itself is not run)."""
    calls: list[dict] = []
    monkeypatch.setattr(streamlit_folium, "_component_func", lambda **args: calls.append(args))
    return calls


@pytest.mark.parametrize("page, key, radio", [("pages/scenarios.py", "scen_map", "scen_gap_minutes")])
def test_a_threshold_change_keeps_the_component_and_sends_another_overlay(db, sent, page, key, radio):
    BASE_CACHE.clear()
    at = signed_in_app(page, role="planner")
    assert not at.exception, at.exception
    first = sent[-1]
    at.radio(key=radio).set_value(30.0).run()
    assert not at.exception, at.exception
    second = sent[-1]
    assert first["key"] == second["key"] and first["script"] == second["script"]  # the browser keeps its map
    assert first["feature_group"] != second["feature_group"]  # the gap layers of 30 minutes
    assert BASE_CACHE.misses == 1 and BASE_CACHE.hits >= 1


def test_the_map_page_draws_its_base_once_for_every_session(db, sent):
    BASE_CACHE.clear()
    with mock.patch.object(layered, "render_base", wraps=layered.render_base) as rendered:
        for _ in range(2):  # two sessions
            at = signed_in_app("pages/map.py", role="planner")
            assert not at.exception, at.exception
    assert rendered.call_count == 1
    assert sent[0]["key"] == sent[-1]["key"] and sent[0]["script"] == sent[-1]["script"]
    assert "count_label" not in sent[-1]["script"]  # incidents: in the overlay only (a planner sees them)
    assert "count_label" in sent[-1]["feature_group"]


def test_the_base_is_the_text_streamlit_folium_sends_for_the_same_map(bundled):
    region, table, services, result = bundled

    def whole():
        return region_map(region, lang="kk", services=services, k=5, network=table.network)

    sent: dict = {}
    with mock.patch.object(streamlit_folium, "_component_func", lambda **args: sent.update(args)):
        streamlit_folium.st_folium(whole(), key="m", render=False, returned_objects=[])
    ours = render_base(whole())
    assert len(ours.script) > 100_000 and ours.script == sent["script"]
    assert (ours.header, ours.html) == (sent["header"], sent["html"])
    assert (list(ours.css_links), list(ours.js_links)) == (sent["css_links"], sent["js_links"])
    mine, theirs = whole(), whole()  # an overlay's element is named from another base name
    mine.render()
    theirs.render()
    assert layered.leaflet_text(mine, base_id="qorgau_overlay_1") == streamlit_folium.generate_leaflet_string(
        theirs, base_id="qorgau_overlay_1"
    )


def test_a_session_draws_again_only_the_layers_whose_content_changed(bundled):
    from planning.render import gapmap, webmap
    from planning.render.layered import SESSION_LAYER_ENTRIES

    region, table, services, result = bundled
    cov = result.coverage
    base = _base(region, table, lang="ru")
    cache = ContentCache(SESSION_LAYER_ENTRIES)

    def overlay(threshold, shown=services, layer_cache=cache):
        holder = scenario_overlay(
            region,
            shown,
            cov,
            threshold_minutes=threshold,
            lang="ru",
            k=5,
            settlement_incidents=cov.release,
            network=table.network,
            layer_cache=layer_cache,
        )
        return render_overlay(holder, base)

    with (
        mock.patch.object(gapmap, "_hex_layer", wraps=gapmap._hex_layer) as hexagons,
        mock.patch.object(webmap, "_service_layer", wraps=webmap._service_layer) as sites,
        mock.patch.object(webmap, "_incident_layer", wraps=webmap._incident_layer) as incidents,
    ):
        first = overlay(30)
        assert overlay(30) == first  # a village clicked: the same layers, not drawn again
        assert (hexagons.call_count, sites.call_count, incidents.call_count) == (1, 1, 1)
        other = overlay(60)
        assert (hexagons.call_count, sites.call_count, incidents.call_count) == (2, 1, 1)
        moved = services.copy()
        moved.loc[moved.index[0], "name"] = "Новое имя"
        assert "Новое имя" not in first and "\\u041d\\u043e\\u0432\\u043e\\u0435" in overlay(60, moved)
        assert (hexagons.call_count, sites.call_count, incidents.call_count) == (2, 2, 1)
    fresh = overlay(60, layer_cache=None)  # what is drawn is what an overlay without a cache draws
    names = lambda script: script[script.index("L.control.layers(") :]  # noqa: E731
    assert names(other).replace("_gaphexagons", "_3").replace("_gapsettlements", "_4").replace(
        "_incidents", "_0"
    ).replace("_services", "_1") == names(fresh)
