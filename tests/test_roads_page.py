"""The map page (bands, method, incidents only for planners) and the Roads page (the network in use, adjustments,
import by path into the deployment's data for any region, the bundled one included, replace and remove, a failed
import keeping the network in use, download without internet) in Streamlit's AppTest."""

from __future__ import annotations

import os
import re
import shutil
import socket

import pytest
from conftest import DATA, DEFAULT_REGION, PROJECT, SHARED_TURKISTAN, needs_shared, signed_in_app
from streamlit.testing.v1 import AppTest

from geo.region import load_region
from pages.session import PROFILE_KEY
from planning.i18n import fmt_number
from planning.render import webmap
from planning.store import access
from planning.store.roads import cache_status, roads_folder, roads_in_use


@pytest.fixture(autouse=True)
def _isolated(monkeypatch, tmp_path):
    monkeypatch.setenv("QORGAU_SCENARIO_DB", str(tmp_path / "qorgau.sqlite"))  # never the user's data dir
    monkeypatch.chdir(PROJECT)


def _app(monkeypatch, region, role: str, page: str) -> AppTest:
    monkeypatch.setenv("QORGAU_REGION", str(region))
    return signed_in_app(page, role=role)


def _texts(elements) -> str:
    """The elements' texts as the reader sees them (file names are Markdown-escaped on the page)."""
    return "\n".join(re.sub(r"\\(.)", r"\1", str(e.value)) for e in elements)


@pytest.fixture
def tiny_copy(tmp_path):
    target = tmp_path / "tiny"
    shutil.copytree(DATA / "tiny", target)
    return target


# --- map page -------------------------------------------------------------------------------------------------------
@pytest.fixture
def map_calls(monkeypatch):
    """Every region_overlay call of the page (the part of its map drawn on every run, with the arguments of the whole
    map: planning.render.layered), with its arguments (the real overlay is still built)."""
    calls = []
    real = webmap.region_overlay

    def recording(region, **kwargs):
        calls.append(kwargs)
        return real(region, **kwargs)

    monkeypatch.setattr(webmap, "region_overlay", recording)
    return calls


def test_map_page_for_a_planner_shows_bands_minutes_method_and_incidents(monkeypatch, map_calls):
    at = _app(monkeypatch, DEFAULT_REGION, "planner", "pages/map.py")
    args = map_calls[-1]
    assert set(args["bands"]["minutes"]) == {15.0, 30.0, 60.0}
    assert len(args["settlement_minutes"]) == len(load_region(DEFAULT_REGION).settlements)
    assert args["method"] == "network"  # over the partial real roads the bundled region carries
    assert "встроенные скорости для Казахстана" in args["method_description"]  # the speeds in use, in Russian
    assert args["settlement_incidents"] is not None and args["settlement_incidents"].counts.sum() > 0
    captions = _texts(at.caption)
    assert "по дорожной сети" in captions
    # the period filter offers the fixed periods only
    period = at.selectbox(key="map_period")
    assert period.options[0] == "Все периоды" and all(o[:4].isdigit() for o in period.options[1:])
    period.select(period.options[1]).run()
    assert not at.exception
    chosen = map_calls[-1]["settlement_incidents"]
    assert chosen.period == period.options[1] and chosen.counts.sum() <= args["settlement_incidents"].counts.sum()


def test_map_page_for_a_presenter_has_no_incident_layer(monkeypatch, map_calls):
    at = _app(monkeypatch, DEFAULT_REGION, "presenter", "pages/map.py")
    assert map_calls[-1]["settlement_incidents"] is None
    assert not [s for s in at.selectbox if s.key == "map_period"]
    assert "по дорожной сети" in _texts(at.caption)


def test_map_page_asks_to_sign_in_first(monkeypatch):
    monkeypatch.setenv("QORGAU_REGION", str(DEFAULT_REGION))
    at = AppTest.from_file(str(PROJECT / "pages" / "map.py"), default_timeout=60)
    at.session_state["_qorgau_framed"] = True
    at.run()
    assert not at.exception
    assert "Войдите" in _texts(at.info)


@needs_shared
def test_map_page_on_the_real_region(monkeypatch, map_calls):
    _app(monkeypatch, SHARED_TURKISTAN, "planner", "pages/map.py")
    args = map_calls[-1]
    assert len(args["settlement_minutes"]) == 940 and args["method"] == "estimate"


# --- roads page -----------------------------------------------------------------------------------------------------
def _db():
    return os.environ["QORGAU_SCENARIO_DB"]


def test_roads_page_shows_the_network_in_use_and_switches_adjustments(monkeypatch):
    at = _app(monkeypatch, DEFAULT_REGION, "planner", "pages/roads.py")
    assert "Используется: дорожный файл roads.geojson из папки региона" in _texts(at.info)  # the partial real roads
    assert "Эта дорожная сеть ЧАСТИЧНАЯ" in _texts(at.warning)
    assert "Кэш сетей на диске" in _texts(at.caption)
    assert "встроенные скорости для Казахстана" in _texts(at.markdown) and "зима" not in _texts(at.markdown)
    at.multiselect(key="roads_adjustments").select("winter").run()
    assert not at.exception
    assert at.session_state[PROFILE_KEY] == ("winter",)
    assert "зима: грунтовые ×0,7" in _texts(at.markdown)  # the profile in use is stated, in the reader's language
    at.multiselect(key="roads_adjustments").unselect("winter").run()
    assert at.session_state[PROFILE_KEY] == ()


def test_presenter_sees_the_status_but_no_actions(monkeypatch):
    at = _app(monkeypatch, DEFAULT_REGION, "presenter", "pages/roads.py")
    assert "только просматривать" in _texts(at.info)
    assert not [b for b in at.button if b.key in ("roads_import", "roads_download", "roads_remove")]


@needs_shared
def test_the_bundled_region_imports_a_road_layer_and_every_page_uses_it(monkeypatch, tmp_path):
    monkeypatch.setenv("QORGAU_CACHE_DIR", str(tmp_path / "cache"))
    before = sorted(p.name for p in DEFAULT_REGION.iterdir())
    layer = SHARED_TURKISTAN / "roads" / "south_strip.geojson"
    at = _app(monkeypatch, DEFAULT_REGION, "planner", "pages/roads.py")
    at.text_input(key="roads_import_path").input(str(layer)).run()
    at.button(key="roads_import").click().run()
    assert not at.exception, at.exception
    assert "Сеть построена из south_strip.geojson" in _texts(at.success)
    assert "Используется: south_strip.geojson (линейный слой дорог)" in _texts(at.info)
    assert "tester" in _texts(at.info)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Участков дорог"] == fmt_number(3519, "ru")
    assert sorted(p.name for p in DEFAULT_REGION.iterdir()) == before  # the bundled folder is not written
    region = load_region(DEFAULT_REGION)
    in_use = roads_in_use(region, _db())
    assert in_use.origin == "imported" and in_use.path.is_relative_to(roads_folder(region.region_id, _db()))
    assert [e.action for e in access.entries(access.AccessStore(_db())) if "roads" in e.action] == ["import roads"]
    # remove: the folder's partial layers are in use again
    at.button(key="roads_remove").click().run()
    assert not at.exception
    assert "снова используется дорожный файл папки региона" in _texts(at.success)
    assert roads_in_use(region, _db()).origin == "folder"


def test_importing_an_osm_file_by_path_builds_the_network(monkeypatch, tiny_copy, tmp_path):
    monkeypatch.setenv("QORGAU_CACHE_DIR", str(tmp_path / "cache"))
    at = _app(monkeypatch, tiny_copy, "planner", "pages/roads.py")
    assert "Дорожной сети нет" in _texts(at.info)
    at.text_input(key="roads_import_path").input(str(DATA / "roads" / "hand.osm")).run()
    at.button(key="roads_import").click().run()
    assert not at.exception, at.exception
    assert sorted(p.name for p in tiny_copy.iterdir()) == sorted(p.name for p in (DATA / "tiny").iterdir())
    in_use = roads_in_use(load_region(tiny_copy), _db())
    assert in_use.path.read_bytes() == (DATA / "roads" / "hand.osm").read_bytes()
    assert cache_status(in_use.path).files == 1
    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {"Участков дорог": "6", "км дорог": "7", "Узлы": "9", "Рёбра": "11"}
    assert "Сеть построена из hand.osm: участков дорог — 6, 7 км." in _texts(at.success)
    assert "по дорожной сети" in _texts(at.caption)
    # the map page now uses the network
    at.switch_page("pages/map.py").run()
    assert not at.exception
    assert "по дорожной сети" in _texts(at.caption)


def test_a_failed_import_keeps_the_network_in_use_and_says_why(monkeypatch, tiny_copy, tmp_path):
    monkeypatch.setenv("QORGAU_CACHE_DIR", str(tmp_path / "cache"))
    at = _app(monkeypatch, tiny_copy, "planner", "pages/roads.py")
    at.text_input(key="roads_import_path").input(str(DATA / "roads" / "hand.osm")).run()
    at.button(key="roads_import").click().run()
    nameless = tmp_path / "akimat.geojson"
    nameless.write_text(
        '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"ref":"A-2"},'
        '"geometry":{"type":"LineString","coordinates":[[68.0,42.5],[68.0,42.6]]}}]}',
        encoding="utf-8",
    )
    for bad, expected in (
        (tiny_copy / "settlements.csv", "settlements.csv: файл такого типа импортировать нельзя."),
        (nameless, "akimat.geojson: нет столбца класса дороги или скорости; столбцы: ref."),
        (tmp_path / "missing.osm.pbf", "missing.osm.pbf: на этом сервере нет такого файла. Как исправить: укажите"),
    ):
        at.text_input(key="roads_import_path").input(str(bad)).run()
        at.button(key="roads_import").click().run()
        assert not at.exception
        assert "Файл не импортирован; используемая сеть осталась прежней" in _texts(at.error)
        assert expected in _texts(at.code), _texts(at.code)
        assert "Используется: hand.osm (файл OpenStreetMap)" in _texts(at.info)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_download_without_internet_says_how_to_fix_it(monkeypatch, tiny_copy):
    # a local port nobody listens on stands for the unreachable Overpass server: nothing leaves the machine
    monkeypatch.setenv("QORGAU_OVERPASS_URL", f"http://127.0.0.1:{_closed_port()}/api")
    at = _app(monkeypatch, tiny_copy, "planner", "pages/roads.py")
    at.button(key="roads_download").click().run()
    assert not at.exception
    assert "импортируйте по пути выше" in _texts(at.error)
    assert roads_in_use(load_region(tiny_copy), _db()).origin == "none"


def test_download_with_recorded_responses_stores_the_roads(monkeypatch, tiny_copy, tmp_path):
    from test_osm_import import _recorded_overpass

    monkeypatch.setenv("QORGAU_CACHE_DIR", str(tmp_path / "cache"))
    queries = _recorded_overpass(monkeypatch)
    monkeypatch.setattr("geo.osm.check_overpass_reachable", lambda **kwargs: None)
    at = _app(monkeypatch, tiny_copy, "planner", "pages/roads.py")
    at.button(key="roads_download").click().run()
    assert not at.exception, at.exception
    assert queries and all('"highway"' in q for q in queries)  # the roads only: no districts, no settlements
    in_use = roads_in_use(load_region(tiny_copy), _db())
    assert in_use.origin == "imported" and in_use.record["kind"] == "download" and in_use.path.name == "roads.osm.pbf"
    assert "загружено из OpenStreetMap" in _texts(at.info)
    assert sorted(p.name for p in tiny_copy.iterdir()) == sorted(p.name for p in (DATA / "tiny").iterdir())


def test_another_session_follows_an_import_and_a_removal(monkeypatch, tiny_copy, tmp_path):
    monkeypatch.setenv("QORGAU_CACHE_DIR", str(tmp_path / "cache"))
    other = _app(monkeypatch, tiny_copy, "planner", "pages/roads.py")
    assert "Дорожной сети нет" in _texts(other.info)
    at = _app(monkeypatch, tiny_copy, "planner", "pages/roads.py")
    at.text_input(key="roads_import_path").input(str(DATA / "roads" / "hand.osm")).run()
    at.button(key="roads_import").click().run()
    other.run()
    assert not other.exception, other.exception
    assert "Используется: hand.osm (файл OpenStreetMap)" in _texts(other.info)
    at.button(key="roads_remove").click().run()
    other.run()  # the file it computed with is gone: it reads the region again instead of failing
    assert not other.exception, other.exception
    assert "Дорожной сети нет" in _texts(other.info)
