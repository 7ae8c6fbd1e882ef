"""The deployment's own road network and speeds (planning.store.roads): stored beside the database, never in the
region folder (the bundled one included); replace, remove, audit; a failed import keeps the network in use; the
network in use is what every page and command computes with; the ``import-roads`` command does the same."""

from __future__ import annotations

import json
import subprocess
import sys

import geopandas as gpd
import pytest
from conftest import DATA, DEFAULT_REGION, PROJECT
from shapely.geometry import LineString

from geo.errors import ValidationError
from geo.osm import RoadSourceError
from geo.region import load_region
from geo.speeds import DEFAULT_PROFILE
from planning.analysis import site_minutes_for
from planning.store import access
from planning.store.roads import (
    ROADS_KEY,
    import_roads,
    remove_roads,
    remove_speeds,
    roads_folder,
    roads_in_use,
    save_speeds,
    speeds_in_use,
)
from planning.store.settings import RegionSettingsStore
from planning.store.stored import with_stored_figures

HAND_OSM = DATA / "roads" / "hand.osm"


@pytest.fixture
def db(tmp_path, monkeypatch):
    monkeypatch.setenv("QORGAU_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "deployment" / "qorgau.sqlite"


@pytest.fixture
def tiny():
    return load_region(DATA / "tiny")


@pytest.fixture
def tiny_layer(tmp_path):
    """A road line layer inside the tiny region: a primary road of two pieces cut 3 m apart (a tile cut)."""
    path = tmp_path / "akimat roads.geojson"
    gpd.GeoDataFrame(
        {"highway": ["primary", "Районная дорога"]},
        geometry=[LineString([(68.0, 42.50), (68.0, 42.51)]), LineString([(68.0, 42.51003), (68.0, 42.53)])],
        crs="EPSG:4326",
    ).to_file(path, driver="GeoJSON")
    return path


def _audit(db) -> list[tuple[str, str, str]]:
    return [(e.user, e.action, e.object) for e in access.entries(access.AccessStore(db)) if "roads" in e.action]


def test_import_stores_beside_the_database_and_wins_over_the_folder(db, tiny, tiny_layer):
    assert roads_in_use(tiny, db).origin == "none"
    before = sorted(p.name for p in (DATA / "tiny").iterdir())
    in_use = import_roads(tiny, tiny_layer, user="aigerim", profile=DEFAULT_PROFILE, db_path=db)
    assert in_use.origin == "imported" and in_use.path is not None
    assert in_use.path.is_relative_to(roads_folder(tiny.region_id, db)) and in_use.path.name == "akimat roads.geojson"
    assert roads_folder(tiny.region_id, db).parent.parent == db.parent.resolve()
    assert sorted(p.name for p in (DATA / "tiny").iterdir()) == before  # the region folder is not written
    record = in_use.record
    assert record["kind"] == "layer" and record["file"] == "akimat roads.geojson" and record["ways"] == 2
    assert set(record["km_by_class"]) == {"primary", "tertiary"} and record["km"] == pytest.approx(3.3, abs=0.1)
    assert in_use.updated_by == "aigerim" and in_use.updated_at
    assert _audit(db) == [("aigerim", "import roads", f"{tiny.region_id} {ROADS_KEY}")]
    # every page and command: the region as they read it computes over the imported network
    region = with_stored_figures(tiny, db)
    assert region.roads_path == in_use.path
    assert site_minutes_for(region).method == "network"


def test_replace_then_remove_brings_back_the_folder_file(db, tmp_path, tiny_layer):
    folder = tmp_path / "region"
    import shutil

    shutil.copytree(DATA / "tiny", folder)
    shutil.copy(HAND_OSM, folder / "roads.osm")
    region = load_region(folder)
    assert roads_in_use(region, db).origin == "folder"
    first = import_roads(region, tiny_layer, user="a", profile=DEFAULT_PROFILE, db_path=db)
    second = import_roads(region, HAND_OSM, user="b", profile=DEFAULT_PROFILE, db_path=db)
    assert second.record["kind"] == "file" and second.path.name == "hand.osm"
    assert second.record["ways"] == 6  # hand.osm: seven ways, one a footway
    assert second.record["km_by_class"] == {
        highway: 1.1 for highway in ("primary", "secondary", "tertiary", "residential", "living_street", "track")
    }
    assert not first.path.exists()  # the replaced import's files are gone
    assert remove_roads(region, user="c", db_path=db) is True
    assert not second.path.exists()
    now = roads_in_use(region, db)
    assert now.origin == "folder" and now.path == folder / "roads.osm"
    assert remove_roads(region, user="c", db_path=db) is False
    assert sorted(a for _, a, _ in _audit(db)) == ["import roads", "import roads", "remove roads"]


def test_the_bundled_region_takes_an_import(db, tiny_layer):
    region = load_region(DEFAULT_REGION)
    before = sorted(p.name for p in DEFAULT_REGION.iterdir())
    almaty = tiny_layer.with_name("almaty.geojson")
    gpd.GeoDataFrame(
        {"highway": ["trunk"]}, geometry=[LineString([(76.9, 43.2), (77.0, 43.3)])], crs="EPSG:4326"
    ).to_file(almaty, driver="GeoJSON")
    with pytest.raises(ValidationError, match="almaty.geojson"):  # outside Turkistan: nothing imported
        import_roads(region, almaty, user="a", profile=DEFAULT_PROFILE, db_path=db)
    in_use = import_roads(region, tiny_layer, user="a", profile=DEFAULT_PROFILE, db_path=db)
    assert in_use.origin == "imported" and sorted(p.name for p in DEFAULT_REGION.iterdir()) == before


@pytest.mark.parametrize("bad", ["missing.osm.pbf", "settlements.csv", "nameless.geojson"])
def test_a_failed_import_keeps_the_network_in_use(db, tiny, tiny_layer, bad, tmp_path):
    good = import_roads(tiny, tiny_layer, user="a", profile=DEFAULT_PROFILE, db_path=db)
    path = {"settlements.csv": DATA / "tiny" / "settlements.csv"}.get(bad, tmp_path / bad)
    if bad == "nameless.geojson":
        gpd.GeoDataFrame({"ref": ["A-2"]}, geometry=[LineString([(68.0, 42.5), (68.0, 42.6)])], crs=4326).to_file(path)
    with pytest.raises((RoadSourceError, ValidationError)) as error:
        import_roads(tiny, path, user="b", profile=DEFAULT_PROFILE, db_path=db)
    assert path.name in str(error.value) and "Fix" in str(error.value)
    now = roads_in_use(tiny, db)
    assert now.path == good.path and now.path.is_file() and now.updated_by == "a"
    assert [p.name for p in roads_folder(tiny.region_id, db).iterdir()] == [good.path.parent.name]  # no leftovers
    assert len(_audit(db)) == 1


def test_speeds_are_stored_not_written_to_the_folder(db, tiny):
    assert speeds_in_use(tiny, db).source == "builtin"
    slower = DEFAULT_PROFILE.__class__(speeds_kmh={**DEFAULT_PROFILE.speeds_kmh, "primary": 20.0})
    save_speeds(tiny, slower, user="aigerim", db_path=db)
    stored = speeds_in_use(tiny, db)
    assert stored.source == "deployment" and stored.speeds_kmh["primary"] == 20.0
    assert with_stored_figures(tiny, db).speed_profile.speeds_kmh["primary"] == 20.0
    assert not (DATA / "tiny" / "speeds.csv").exists()
    assert RegionSettingsStore(db).get(tiny.region_id, "speeds").updated_by == "aigerim"
    assert remove_speeds(tiny, user="aigerim", db_path=db) is True
    assert speeds_in_use(tiny, db).source == "builtin"
    actions = [e.action for e in access.entries(access.AccessStore(db)) if "speeds" in e.action]
    assert actions == ["reset speeds", "edit speeds"]  # newest first


def _cli(*args: str, env_db) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "planning", *args, "--lang", "en"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=PROJECT,
        env={"PATH": "/usr/bin:/bin", "QORGAU_CACHE_DIR": str(env_db.parent / "cache"), "HOME": str(env_db.parent)},
    )


def test_the_command_line_round_trip(db, tiny_layer):
    region = str(DATA / "tiny")
    done = _cli("import-roads", str(tiny_layer), "--region", region, "--db", str(db), env_db=db)
    assert done.returncode == 0, done.stderr
    assert "network built from akimat roads.geojson: 2 road pieces" in done.stdout
    info = json.loads(_cli("info", "--region", region, "--db", str(db), "--json", env_db=db).stdout)
    assert info["roads"]["origin"] == "imported" and info["roads"]["source"] == "layer"
    assert info["roads"]["file"] == "akimat roads.geojson" and info["roads"]["km"] == pytest.approx(3.3, abs=0.1)
    times = _cli("travel-times", "--region", region, "--db", str(db), "--out", str(db.parent / "t.csv"), env_db=db)
    assert times.returncode == 0, times.stderr
    assert "network" in times.stderr
    removed = _cli("import-roads", "--remove", "--region", region, "--db", str(db), env_db=db)
    assert removed.returncode == 0 and "imported network removed" in removed.stdout
    info = json.loads(_cli("info", "--region", region, "--db", str(db), "--json", env_db=db).stdout)
    assert info["roads"]["origin"] == "none"
    bad = _cli("import-roads", str(DATA / "tiny" / "settlements.csv"), "--region", region, "--db", str(db), env_db=db)
    assert bad.returncode == 2 and "settlements.csv" in bad.stderr and "Traceback" not in bad.stderr  # bad input
    neither = _cli("import-roads", "--region", region, "--db", str(db), env_db=db)
    assert neither.returncode == 2


def test_an_import_reports_its_progress_to_the_end(db, tiny):
    steps = []
    import_roads(tiny, HAND_OSM, user="a", profile=DEFAULT_PROFILE, db_path=db, progress=lambda f, m: steps.append(f))
    assert steps == sorted(steps) and steps[0] < 0.5 and steps[-1] == 1.0 and len(steps) >= 4


def test_download_osm_stores_the_roads_beside_the_database(db, monkeypatch, capsys):
    from test_osm_import import _recorded_overpass

    from planning.cli import main

    queries = _recorded_overpass(monkeypatch)
    before = sorted(p.name for p in (DATA / "tiny").iterdir())
    assert main(["download-osm", "--region", str(DATA / "tiny"), "--db", str(db), "--lang", "en"]) == 0
    assert queries and all('"highway"' in q for q in queries)  # roads only
    in_use = roads_in_use(load_region(DATA / "tiny"), db)
    assert in_use.origin == "imported" and in_use.record["kind"] == "download"
    assert in_use.path.is_relative_to(roads_folder("tiny", db))
    assert sorted(p.name for p in (DATA / "tiny").iterdir()) == before
    assert "network built from OpenStreetMap (Overpass)" in capsys.readouterr().out


def test_info_states_the_folders_own_roads_with_their_km(db):
    """The bundled region's own road layer (the two partial real layers) is described as an import is: km by class."""
    RegionSettingsStore(db)  # the deployment's database: nothing stored in it
    info = json.loads(_cli("info", "--region", str(DEFAULT_REGION), "--db", str(db), "--json", env_db=db).stdout)
    roads = info["roads"]
    assert roads["origin"] == "folder" and roads["file"] == "roads.geojson"
    assert roads["km"] > 1000 and roads["ways"] > 1000
    assert roads["km_by_class"]["trunk"] > 500  # the A-2 and the other trunk roads of the generalised layer
