"""The bundled default region: built from the real Turkistan data (../shared/data/turkistan) and package data,
byte-reproducible, with KATO codes matched by name within the district and the baseline at the KATO district
centres; and the KATO rules themselves on small hand-made classifiers."""

from __future__ import annotations

import json
import subprocess
import sys

import geopandas as gpd
import pandas as pd
import pytest
from conftest import DEFAULT_REGION, PROJECT, SHARED_TURKISTAN, needs_shared

from geo.default_region import BASELINE_NAME, SourceMissingError, build_default_region
from geo.kato import (
    ClassifierError,
    district_centres,
    match_settlements,
    name_key,
    read_classifier,
    skeleton_key,
    variant_key,
)
from geo.region import load_region
from planning.baseline import baseline_name, baseline_services, scenario_label, services_are_baseline
from planning.summary import source_attribution

BUILT_FILES = (
    "region.json",
    "boundary.geojson",
    "districts.geojson",
    "settlements.csv",
    "services.csv",
    "incidents.csv",
    "kato_turkistan_shymkent.csv",
    "kato_unmatched.csv",
    "roads.geojson",
)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("default") / "first"
    figures = build_default_region(out, source_dir=SHARED_TURKISTAN)
    return out, figures


@pytest.fixture(scope="module")
def default():
    return load_region(DEFAULT_REGION)


# --- the build ----------------------------------------------------------------------------------------------------


@needs_shared
def test_build_is_byte_reproducible_and_is_the_committed_default(built, tmp_path):
    first, _ = built
    build_default_region(tmp_path / "second", source_dir=SHARED_TURKISTAN)
    assert sorted(p.name for p in first.iterdir()) == sorted(BUILT_FILES)
    for name in BUILT_FILES:
        data = (first / name).read_bytes()
        assert data == (tmp_path / "second" / name).read_bytes(), f"{name} differs between two builds"
        assert data == (DEFAULT_REGION / name).read_bytes(), f"data/default/{name} is stale: rerun build-default"


@needs_shared
def test_every_real_settlement_and_district_is_in_the_default(default):
    real = load_region(SHARED_TURKISTAN)
    assert len(default.districts) == len(real.districts) and len(default.boundary) == len(real.boundary)
    assert list(default.settlements["settlement_id"]) == list(real.settlements["settlement_id"].astype(str))
    assert list(default.settlements["district_id"]) == list(real.settlements["district_id"])


@needs_shared
def test_kato_codes_are_reported_and_unmatched_ones_listed(built):
    out, figures = built
    table = pd.read_csv(out / "settlements.csv", dtype=str, keep_default_na=False)
    listed = pd.read_csv(out / "kato_unmatched.csv", dtype=str, keep_default_na=False)
    matched = table[table["kato"] != ""]
    assert figures["kato_matched"] == len(matched) and len(matched) + len(listed) == len(table)
    assert set(listed["id"]) == set(table.loc[table["kato"] == "", "id"])
    assert set(listed["status"]) <= {"ambiguous", "unmatched"}
    assert matched["kato"].is_unique  # one place per KATO settlement: a code two places claim is not guessed
    classifier = read_classifier(out / "kato_turkistan_shymkent.csv")
    known = dict(zip(classifier["code"], classifier["name"]))
    assert all(known[c] == n for c, n in zip(matched["kato"], matched["kato_name"]))
    sauran = classifier.loc[classifier["district_code"] == "615500000", "code"]
    assert matched.loc[matched["kato"].isin(sauran), "district_id"].eq("KZ612000").all()  # inside Kentau's outline
    assert len(matched[matched["kato"].isin(sauran)]) >= 20
    region = json.loads((out / "region.json").read_text(encoding="utf-8"))
    assert f"{len(matched)} of {len(table)} matched" in json.dumps(region, ensure_ascii=False)


@needs_shared
def test_population_source_says_where_each_figure_came_from(built):
    out, figures = built
    table = pd.read_csv(out / "settlements.csv", dtype=str, keep_default_na=False)
    tags = gpd.read_file(SHARED_TURKISTAN / "settlements.geojson")["population"].fillna("").to_numpy()
    assert set(table["population_source"]) == {"osm", "geonames", "unknown"}
    assert ((table["population_source"] == "osm") == (tags != "")).all()
    assert (table.loc[table["population_source"] == "osm", "population"].to_numpy() == tags[tags != ""]).all()
    assert (table.loc[table["population_source"] == "unknown", "population"] == "").all()
    assert (table.loc[table["population_source"] == "geonames", "population"] != "").all()
    assert figures["population_geonames"] == int((table["population_source"] == "geonames").sum()) > 0


def test_build_without_the_source_folder_says_where_to_find_it(tmp_path):
    with pytest.raises(SourceMissingError, match="--source") as caught:
        build_default_region(tmp_path / "out", source_dir=tmp_path / "nowhere")
    assert str(tmp_path / "nowhere") in str(caught.value) and isinstance(caught.value, FileNotFoundError)
    assert not (tmp_path / "out").exists()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "planning",
            "build-default",
            "--out",
            str(tmp_path / "out"),
            "--source",
            str(tmp_path / "nowhere"),
        ],
        cwd=PROJECT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1 and "--source" in done.stderr and "Traceback" not in done.stderr


# --- the baseline ---------------------------------------------------------------------------------------------------


@needs_shared
def test_baseline_is_one_service_per_kato_district_centre(default):
    table = pd.read_csv(DEFAULT_REGION / "settlements.csv", dtype=str, keep_default_na=False)
    services = pd.read_csv(DEFAULT_REGION / "services.csv", dtype=str, keep_default_na=False)
    centres = district_centres(read_classifier(DEFAULT_REGION / "kato_turkistan_shymkent.csv"))
    assert list(services["kato"]) == list(centres["centre_code"])  # Sauran included, Shymkent once
    at = table.set_index("kato").loc[services["kato"]]
    assert (at["lat"].to_numpy() == services["lat"].to_numpy()).all()
    assert (at["lon"].to_numpy() == services["lon"].to_numpy()).all()
    by_district = dict(zip(services["kato_district"], services["name"]))
    assert by_district["613600000"] == "Шаян" and by_district["615500000"] == "Шорнак"  # not the most populous
    assert by_district["615200000"] == "Аксукент"  # KATO "с.Аксу", found through its okrug's name
    assert services_are_baseline(default) and len(baseline_services(default)) == len(services)


def test_the_baseline_has_one_name_in_every_language(default):
    assert {lang: baseline_name(default, lang) for lang in ("ru", "kk", "en")} == BASELINE_NAME
    for saved_in in ("ru", "kk", "en"):  # a scenario saved under the baseline's name, read in another language
        assert scenario_label(BASELINE_NAME[saved_in], default, "kk") == BASELINE_NAME["kk"]
    assert scenario_label("Мой сценарий", default, "kk") == "Мой сценарий"


def test_attribution_names_every_source_and_its_licence(default):
    text = source_attribution(default.meta)
    for part in ("© OpenStreetMap contributors (ODbL 1.0)", "COD-AB", "CC BY 4.0", "GeoNames", "OpenMapTiles"):
        assert part in text
    roads = [s for s in default.meta["sources"] if "roads.geojson" in s["files"]]
    assert len(roads) == 1 and roads[0]["partial"] is True and "PARTIAL" in roads[0]["name"]
    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    for part in (
        "© OpenStreetMap contributors",
        "ODbL 1.0",
        "COD-AB",
        "CC BY 4.0",
        "GeoNames",
        "synthetic",
        "OpenMapTiles",
    ):
        assert part in readme


# --- KATO rules on hand-made classifiers ----------------------------------------------------------------------------


def _classifier(tmp_path, rows: str):
    path = tmp_path / "kato.csv"
    path.write_text("id,parent_id,code,name\n" + rows, encoding="utf-8")
    return read_classifier(path)


ROWS = """1,0,610000000,Туркестанская область
2,1,611000000,Туркестан Г.А.
3,2,611010000,г.Туркестан
4,1,613600000,район Байдибека
5,4,613630000,Шаянский с.о.
6,5,613630100,с.Шаян
7,5,613630200,с.Жибек жолы
8,4,613633000,Агыбетский с.о.
9,8,613633100,с.Агыбет
10,8,613633200,с.Жибек жолы
11,1,615200000,Сайрамский район
12,11,615230000,Аксукентский с.о.
13,12,615230100,с.Аксу
14,12,615230200,с.Кёктерек
15,0,790000000,г.Шымкент
16,15,791110000,Абайский район
"""


def test_district_centre_is_the_first_unit_in_kato_order(tmp_path):
    centres = district_centres(_classifier(tmp_path, ROWS))
    assert dict(zip(centres["district_code"], centres["centre_name"])) == {
        "611000000": "г.Туркестан",
        "613600000": "с.Шаян",
        "615200000": "с.Аксу",
        "790000000": "г.Шымкент",
    }
    broken = (
        ROWS.replace("5,4,613630000,Шаянский с.о.", "5,4,613650000,Шаянский с.о.")
        .replace("6,5,613630100", "6,5,613650100")
        .replace("8,4,613633000", "8,4,613653000")
        .replace("9,8,613633100", "9,8,613653100")
        .replace("10,8,613633200", "10,8,613653200")
    )
    with pytest.raises(ClassifierError, match="район Байдибека"):
        district_centres(_classifier(tmp_path, broken))


def test_names_are_normalised_across_spellings():
    assert name_key("с.Жибек жолы") == name_key("Жибек Жолы") == name_key("Жібек-Жолы")
    assert name_key("с.Кёктерек") == name_key("Кектерек")  # ё as е
    assert name_key("Көктерек") == name_key("Коктерек") == name_key("Koктерек")  # Kazakh ө, a Latin o
    assert name_key("Кёктерек") != name_key("Көктерек") and skeleton_key("Кёктерек") == skeleton_key("Көктерек")
    assert name_key("с.40-разъезд") == name_key("разъезд 40") == name_key("рзд.40")
    assert name_key("Қарашық") == name_key("Карашык") != name_key("Карашик")
    assert variant_key("Карашик") == variant_key("Қарашық")
    assert variant_key("Султанбека Кожанова") == variant_key("Сұлтанбек Қожанов ауылы")
    assert skeleton_key("с.Чернак") == skeleton_key("Шорнақ")


def test_matching_stays_within_the_district_and_does_not_guess(tmp_path):
    classifier = _classifier(tmp_path, ROWS)
    groups = {"613600000": ("6136",), "615200000": ("6152",)}
    matches = match_settlements(
        [["Шаян"], ["Жибек Жолы"], ["Ақсукент"], ["Көктерек", "Кёктерек"], ["Шаян"], [None], ["Агыбет"]],
        ["613600000", "613600000", "615200000", "615200000", "615200000", "613600000", "615200000"],
        classifier,
        group_codes=groups,
    )
    assert [(m.status, m.kato) for m in matches] == [
        ("matched", "613630100"),  # Шаян in its district
        ("ambiguous", ""),  # two okrugs hold a «Жибек жолы»: not guessed
        ("matched", "615230100"),  # Ақсукент is no settlement name, but names the okrug whose centre is с.Аксу
        ("matched", "615230200"),
        ("unmatched", ""),  # a Шаян in another district is not the Шаян of Байдибек
        ("unmatched", ""),  # no name
        ("unmatched", ""),  # Агыбет is in another district
    ]
    assert matches[1].detail == "613630200 613633200" and matches[2].tier == "okrug"
    twice = match_settlements([["Шаян"], ["Шаян"]], ["613600000", "613600000"], classifier, group_codes=groups)
    assert [m.status for m in twice] == ["ambiguous", "ambiguous"]  # one code claimed by two places


# --- the baseline's name on the pages -------------------------------------------------------------------------------


def test_every_page_shows_the_baseline_under_its_name_in_the_readers_language(monkeypatch, tmp_path):
    from conftest import signed_in_app

    from planning.scenarios import sites_from_services
    from planning.store.scenarios import ScenarioStore

    monkeypatch.setenv("QORGAU_REGION", str(DEFAULT_REGION))
    monkeypatch.setenv("QORGAU_SCENARIO_DB", str(tmp_path / "qorgau.sqlite"))
    monkeypatch.chdir(PROJECT)
    at = signed_in_app("pages/scenarios.py")  # a Russian reader opens Scenarios first: the baseline is created
    region = load_region(DEFAULT_REGION)
    store = ScenarioStore(tmp_path / "qorgau.sqlite")
    assert [s.name for s in store.list_scenarios(region.region_id)] == [BASELINE_NAME["ru"]]
    store.create("Две службы", region.region_id, sites_from_services(region.services)[:2], author="t")
    shown = {}
    for page in ("pages/scenarios.py", "pages/compare.py", "pages/suggest.py", "pages/present.py", "pages/reports.py"):
        at.session_state["lang"] = "kk"  # AppTest loses the sidebar's language widget on reruns (see test_pages)
        at.switch_page(page).run()
        assert not at.exception, (page, at.exception)
        options = [o for box in at.selectbox for o in box.options]
        shown[page] = options + [m.value for m in at.markdown]
    for page, texts in shown.items():
        joined = "\n".join(map(str, texts))
        assert BASELINE_NAME["kk"] in joined, page
        assert BASELINE_NAME["ru"] not in joined and "Базовый" not in joined, page
        assert joined.count(BASELINE_NAME["kk"]) >= 1
    assert [o for o in at.selectbox[0].options].count(BASELINE_NAME["kk"]) == 1  # reports: once, not twice


def test_the_loaded_default_keeps_kato_codes_so_population_tables_match_by_code(default):
    from planning.intake.population import read_populations

    coded = default.settlements[default.settlements["kato"].notna()]
    assert len(coded) == int((pd.read_csv(DEFAULT_REGION / "settlements.csv", dtype=str)["kato"].notna()).sum())
    picked = coded.iloc[[0, len(coded) // 2, -1]]
    table = "kato,name,population\n" + "".join(f"{k},Другое имя,{100 + i}\n" for i, k in enumerate(picked["kato"]))
    result = read_populations(table.encode("utf-8"), filename="akimat.csv", region=default)
    assert list(result.rows["settlement_id"]) == list(picked["settlement_id"])
    assert set(result.rows["matched_by"]) == {"kato"}
