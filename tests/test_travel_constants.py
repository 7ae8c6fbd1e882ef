"""The travel constants a planner sets per region (maximum access distance, off-road speed, estimate circuity and
speed): the Roads page section stores and audits them, every figure uses them, and the method and access distance of
each settlement reach the tables, exports, coverage figures and the command line.

The tiny region with the hand-made roads (tests/data/roads/hand.osm) 8 to 74 km from its four villages: with the
default 5 km every time is a straight-line estimate; with 100 km every village joins the roads.
"""

from __future__ import annotations

import json
import shutil

import numpy as np
import pandas as pd
import pytest
from conftest import DATA, PROJECT, signed_in_app

from geo.region import load_region
from geo.traveltime import TravelConstants
from planning.analysis import TRAVEL_CONSTANTS_KEY, evaluate, site_minutes_for
from planning.cli import main
from planning.coverage import coverage, estimated_sentence, nearest
from planning.render.exports import gaps_geojson, settlement_table, tables
from planning.store import access
from planning.store.settings import RegionSettingsStore

WIDE = TravelConstants(max_access_km=100.0)


@pytest.fixture
def roads_region(tmp_path):
    target = tmp_path / "tiny"
    shutil.copytree(DATA / "tiny", target)
    shutil.copy(DATA / "roads" / "hand.osm", target / "roads.osm")
    return target


def test_nearest_carries_the_method_of_the_chosen_row():
    minutes = np.array([[10.0, np.inf, 5.0], [20.0, 3.0, 5.0]])
    estimated = np.array([[True, False, False], [False, True, True]])
    near = nearest(minutes, estimated=estimated)
    assert near.site_index.tolist() == [0, 1, 0] and near.estimated.tolist() == [True, True, False]
    assert near.methods.tolist() == ["estimate", "estimate", "network"]
    cov = coverage(near.minutes, [100.0, np.nan, 50.0], None, ["a", "a", "b"], estimated=near.estimated)
    figures = cov.region.within["30"]
    assert (figures.settlements_time_estimated, figures.population_time_estimated) == (2, 100.0)
    assert cov.districts["b"].within["60"].settlements_time_estimated == 0
    sentence = estimated_sentence(cov.region, "en")
    assert sentence == "Of 3 settlements, 2 (100 people) have straight-line estimated times."
    assert estimated_sentence(cov.districts["b"], "en") is None
    with pytest.raises(ValueError, match="estimated"):
        nearest(minutes, estimated=estimated[:1])


def test_constants_change_every_figure_and_reach_the_exports(roads_region):
    region = load_region(roads_region)
    narrow = evaluate(region, region.services, site_minutes_for(region), incidents=None)
    wide = evaluate(region, region.services, site_minutes_for(region, constants=WIDE), incidents=None)
    assert (narrow.methods == "estimate").all() and (wide.methods == "network").all()
    assert narrow.coverage.region.within["30"].settlements_time_estimated == len(region.settlements)
    assert wide.coverage.region.within["30"].settlements_time_estimated == 0
    np.testing.assert_allclose(narrow.access_km, wide.access_km)
    assert (narrow.access_km > 5).all()
    table = settlement_table(region, wide, lang="en")
    assert table["method"].tolist() == ["network"] * 4
    assert table["access_km"].tolist() == [round(float(v), 2) for v in wide.access_km]
    collection = json.loads(gaps_geojson(region, narrow, lang="en"))
    assert collection["travel_constants"] == TravelConstants().to_dict()
    assert {f["properties"]["method"] for f in collection["features"]} == {"estimate"}
    assert all(f["properties"]["access_km"] > 5 for f in collection["features"])
    sheets = tables(region, wide, lang="en", method_description="profile X")
    method = sheets["Method"].set_index("Item")["Value"]
    assert method["Maximum access distance, km"] == 100.0 and method["Travel times"] == "profile X"
    gaps = sheets["Gaps"]
    assert set(gaps["Method"]) <= {"by road"} and "To road, km" in gaps.columns


def test_the_cli_reads_the_stored_constants_and_says_how_many_are_estimated(roads_region, tmp_path, capsys):
    db = tmp_path / "db.sqlite"
    RegionSettingsStore(db).set("tiny", TRAVEL_CONSTANTS_KEY, WIDE.to_dict(), user="p", action="edit travel constants")
    out = tmp_path / "tt.csv"
    argv = ["travel-times", "--region", str(roads_region), "--out", str(out), "--lang", "en"]
    assert main(argv) == 0
    assert (pd.read_csv(out)["method"] == "estimate").all()  # the app's database (none here): the defaults
    assert "4 of 4 settlements" in capsys.readouterr().err
    assert main([*argv, "--db", str(db)]) == 0
    table = pd.read_csv(out)
    assert list(table.columns) == ["settlement_id", "minutes", "service_id", "method", "access_km"]
    assert (table["method"] == "network").all() and (table["access_km"] > 5).all()
    err = capsys.readouterr().err
    assert "0 of 4 settlements" in err and "up to 100 km from a road" in err
    assert main(["coverage", "--region", str(roads_region), "--db", str(db), "--lang", "en", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["travel_constants"]["max_access_km"] == 100.0 and report["estimated"]["settlements"] == 0
    RegionSettingsStore(db).set("tiny", TRAVEL_CONSTANTS_KEY, {"circuity": 0.5}, user="p", action="edit")
    assert main(["coverage", "--region", str(roads_region), "--db", str(db), "--lang", "en"]) == 2
    assert "circuity" in capsys.readouterr().err


def test_roads_page_section_stores_audits_and_resets(roads_region, monkeypatch, tmp_path):
    db = tmp_path / "qorgau.sqlite"
    monkeypatch.setenv("QORGAU_SCENARIO_DB", str(db))
    monkeypatch.setenv("QORGAU_REGION", str(roads_region))
    monkeypatch.chdir(PROJECT)
    at = signed_in_app("pages/roads.py", role="planner")
    assert "Используются значения по умолчанию." in "\n".join(c.value for c in at.caption)
    at.number_input(key="travel_max_access_km").set_value(100.0)
    next(b for b in at.button if b.label == "Сохранить значения").click().run()
    assert not at.exception
    stored = RegionSettingsStore(db).get("tiny", TRAVEL_CONSTANTS_KEY)
    assert stored is not None and stored.value["max_access_km"] == 100.0 and stored.updated_by == "tester"
    assert "если дорога не дальше 100 км" in "\n".join(c.value for c in at.caption)  # the status states them
    assert [e.action for e in access.entries(access.AccessStore(db), action="edit travel constants")]
    at.button(key="travel_reset").click().run()
    assert RegionSettingsStore(db).get("tiny", TRAVEL_CONSTANTS_KEY) is None
    assert "если дорога не дальше 5 км" in "\n".join(c.value for c in at.caption)
    viewer = signed_in_app("pages/roads.py", role="presenter")
    assert not [n for n in viewer.number_input if n.key == "travel_max_access_km"]


def test_a_village_beyond_the_matrix_cutoff_gets_its_long_time_not_unreachable(roads_region):
    from geo.traveltime import nearest_service_minutes
    from planning.analysis import SiteMinutes, region_network

    region = load_region(roads_region)
    network = region_network(region)
    for constants in (TravelConstants(), WIDE):
        short = SiteMinutes(
            network, region.settlements, analysis_crs=region.analysis_crs, cutoff_minutes=10.0, constants=constants
        )
        assert np.isinf(short.rows(region.services)).sum() >= 2  # the matrix stops at 10 minutes
        result = evaluate(region, region.services, short, incidents=None)
        direct = nearest_service_minutes(
            network, region.settlements, region.services, analysis_crs=region.analysis_crs, constants=constants
        )
        np.testing.assert_allclose(result.nearest.minutes, direct.minutes, rtol=1e-5)
        assert (result.methods == direct.methods).all() and (result.nearest.site_index == 0).all()


def test_the_bands_use_the_same_constants_as_the_minutes():
    """Without roads the bands are the estimate's circles: their radius follows the stated circuity and speed."""
    import geopandas as gpd
    from shapely.geometry import Point

    from geo.region import load_region
    from geo.traveltime import TravelConstants
    from planning.analysis import service_bands

    region = load_region(DATA / "tiny")
    services = gpd.GeoDataFrame({"service_id": ["s"]}, geometry=[Point(68.0, 42.5)], crs="EPSG:4326")
    slow = TravelConstants(circuity=1.3, estimate_speed_kmh=20.0)
    fast = TravelConstants(circuity=1.3, estimate_speed_kmh=40.0)
    area = {
        name: service_bands(region, services, None, minutes=(15.0,), constants=constants)
        .to_crs(region.analysis_crs)
        .area.sum()
        for name, constants in (("slow", slow), ("fast", fast))
    }
    assert area["fast"] > 3.5 * area["slow"]  # twice the radius: four times the area (less what the outline clips)
