"""The map page (bands, method, incidents only for planners) and the Roads page (status, adjustments, import by
path, download without internet, the bundled region kept read-only) in Streamlit's AppTest."""

from __future__ import annotations

import os
import shutil
import socket

import pytest
from conftest import DATA, DEFAULT_REGION, PROJECT, SHARED_TURKISTAN, needs_shared, signed_in_app
from streamlit.testing.v1 import AppTest

from geo.osm import RoadSourceError
from geo.region import load_region
from pages.common import PROFILE_KEY
from planning.render import webmap
from planning.roadfiles import RegionWriteError, cache_status, check_writable, import_road_file, road_file_name


@pytest.fixture(autouse=True)
def _isolated(monkeypatch, tmp_path):
    monkeypatch.setenv("QORGAU_SCENARIO_DB", str(tmp_path / "qorgau.sqlite"))  # never the user's data dir
    monkeypatch.chdir(PROJECT)


def _app(monkeypatch, region, role: str, page: str) -> AppTest:
    monkeypatch.setenv("QORGAU_REGION", str(region))
    return signed_in_app(page, role=role)


def _texts(elements) -> str:
    return "\n".join(str(e.value) for e in elements)


@pytest.fixture
def tiny_copy(tmp_path):
    target = tmp_path / "tiny"
    shutil.copytree(DATA / "tiny", target)
    return target


# --- map page -------------------------------------------------------------------------------------------------------
@pytest.fixture
def map_calls(monkeypatch):
    """Every region_map call of the page, with its arguments (the real map is still built)."""
    calls = []
    real = webmap.region_map

    def recording(region, **kwargs):
        calls.append(kwargs)
        return real(region, **kwargs)

    monkeypatch.setattr(webmap, "region_map", recording)
    return calls


def test_map_page_for_a_planner_shows_bands_minutes_method_and_incidents(monkeypatch, map_calls):
    at = _app(monkeypatch, DEFAULT_REGION, "planner", "pages/map.py")
    args = map_calls[-1]
    assert set(args["bands"]["minutes"]) == {15.0, 30.0, 60.0}
    assert len(args["settlement_minutes"]) == len(load_region(DEFAULT_REGION).settlements)
    assert args["method"] == "estimate"
    assert "× 1,3 (извилистость) при 40 км/ч" in args["method_description"]  # the estimate's assumptions, in Russian
    assert args["settlement_incidents"] is not None and args["settlement_incidents"].counts.sum() > 0
    captions = _texts(at.caption)
    assert "оценка по прямой (estimate)" in captions
    assert "× 1,3 (извилистость) при 40 км/ч" in captions  # the assumptions of the estimate
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
    assert "estimate" in _texts(at.caption)


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
def test_roads_page_shows_the_status_and_switches_adjustments(monkeypatch):
    at = _app(monkeypatch, DEFAULT_REGION, "planner", "pages/roads.py")
    assert "нет файла дорог" in _texts(at.info)
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
    assert not [b for b in at.button if b.key in ("roads_import", "roads_download")]


def test_importing_into_the_bundled_region_is_refused(monkeypatch):
    at = _app(monkeypatch, DEFAULT_REGION, "planner", "pages/roads.py")
    at.text_input(key="roads_import_path").input(str(DATA / "roads" / "hand.osm")).run()
    at.button(key="roads_import").click().run()
    assert "Встроенный регион (data/default) изменять нельзя" in _texts(at.error)
    assert not any((DEFAULT_REGION / name).exists() for name in ("roads.osm", "roads.osm.pbf"))


def test_importing_an_osm_file_by_path_builds_the_network(monkeypatch, tiny_copy):
    at = _app(monkeypatch, tiny_copy, "planner", "pages/roads.py")
    at.text_input(key="roads_import_path").input(str(DATA / "roads" / "hand.osm")).run()
    at.button(key="roads_import").click().run()
    assert not at.exception, at.exception
    assert (tiny_copy / "roads.osm").read_bytes() == (DATA / "roads" / "hand.osm").read_bytes()
    assert not (tiny_copy / ".cache").exists()  # networks are cached with the user, not in the region folder
    assert cache_status(tiny_copy / "roads.osm").files == 1
    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {"Файл дорог": "roads.osm", "Узлы": "9", "Рёбра": "11"}
    assert "Сеть построена из roads.osm: 9 узлов, 11 рёбер." in _texts(at.success)
    assert "по дорожной сети (network)" in _texts(at.caption)
    # the map page now uses the network
    at.switch_page("pages/map.py").run()
    assert not at.exception
    assert "по дорожной сети (network)" in _texts(at.caption)


def test_importing_a_file_of_another_kind_says_what_is_expected(monkeypatch, tiny_copy):
    at = _app(monkeypatch, tiny_copy, "planner", "pages/roads.py")
    at.text_input(key="roads_import_path").input(str(tiny_copy / "settlements.csv")).run()
    at.button(key="roads_import").click().run()
    assert "expected an .osm.pbf, .osm, .osm.gz or .osm.bz2 file" in _texts(at.error)


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
    assert not (tiny_copy / "roads.osm.pbf").exists()


# --- planning.roadfiles -----------------------------------------------------------------------------------------------
def test_import_replaces_other_road_files(tiny_copy):
    (tiny_copy / "roads.osm.pbf").write_bytes(b"old")
    target = import_road_file(DATA / "roads" / "hand.osm", tiny_copy)
    assert target == tiny_copy.resolve() / "roads.osm" and not (tiny_copy / "roads.osm.pbf").exists()
    assert (DATA / "roads" / "hand.osm").is_file()  # the source is left alone
    assert not list(tiny_copy.glob(".*.partial"))


def test_road_file_names_and_bad_paths(tmp_path):
    assert road_file_name(DATA / "roads" / "hand.osm") == "roads.osm"
    (tmp_path / "kz.OSM.PBF").write_bytes(b"")
    assert road_file_name(tmp_path / "kz.OSM.PBF") == "roads.osm.pbf"
    with pytest.raises(RoadSourceError, match="no file"):
        road_file_name(tmp_path / "missing.osm.pbf")
    with pytest.raises(RoadSourceError, match="expected an .osm"):
        road_file_name(DATA / "roads" / "overpass_roads.json")


def test_bundled_and_read_only_folders_are_not_written(tmp_path):
    with pytest.raises(RegionWriteError) as bundled:
        check_writable(DEFAULT_REGION)
    assert bundled.value.reason == "bundled" and isinstance(bundled.value, PermissionError)
    with pytest.raises(RegionWriteError) as missing:
        check_writable(tmp_path / "nowhere")
    assert missing.value.reason == "read_only"


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write into a read-only folder")
def test_read_only_folder_gives_a_clear_message(monkeypatch, tiny_copy):
    tiny_copy.chmod(0o555)
    try:
        at = _app(monkeypatch, tiny_copy, "planner", "pages/roads.py")
        at.text_input(key="roads_import_path").input(str(DATA / "roads" / "hand.osm")).run()
        at.button(key="roads_import").click().run()
        assert "только для чтения" in _texts(at.error)
    finally:
        tiny_copy.chmod(0o755)
