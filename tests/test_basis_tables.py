"""The session's demand basis beyond the headline (issue 19, items 4-5): the Scenarios page's figures with their
ranges, the gap list and district table on the basis (expected cases; incidents as released cells only), Suggest's
demand following the session's basis both ways, and route sheets marking an estimated population with its range."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess

import numpy as np
import pytest
from conftest import PROJECT, TEST_SECRET, TINY, sign_in_session
from streamlit.testing.v1 import AppTest

from geo.region import load_region
from planning.analysis import evaluate, incident_release, site_minutes_for
from planning.baseline import baseline_services
from planning.beyond import TOTAL_ROW_ID, beyond_table, demand_column, demand_title, gap_table
from planning.circuit_data import plan_region, plan_report, read_teams
from planning.estimates import people
from planning.i18n import t
from planning.need import need_rate
from planning.render.routesheets import population_text, stop_table, write_pdf, write_xlsx

RANGED = re.compile(r"[\d\u00a0 ,]+ %? ?\([\d\u00a0 ,]+–[\d\u00a0 ,]+ ?%?\)")
"""A figure with its range as shown: "84 % (75–88 %)", "531 (481–620)"."""
RATE = {"per_1000": 4.0, "low": 2.0, "high": 8.0, "source": "a test figure"}
"""Expected cases per 1,000 residents for the tests (a made-up figure, named as one)."""
K = 5
"""Small-count threshold of the test release: Beta's 2 incidents are a hidden cell."""


@pytest.fixture(scope="module")
def tiny():
    region = load_region(TINY)
    minutes = site_minutes_for(region)
    services = baseline_services(region)
    release = incident_release(region, secret=TEST_SECRET, k=K)
    result = evaluate(region, services, minutes, incidents=release)
    return region, services, result, release


def _released_cell(text: str) -> bool:
    """A cell as a release shows it: "0", "<k" or a number of at least k (never a small count)."""
    return text in ("0", f"<{K}") or (text.isdigit() and int(text) >= K)


# --- the core -------------------------------------------------------------------------------------------------------
def test_the_demand_column_on_each_basis(tiny):
    region, _, _, release = tiny
    rate = need_rate(**RATE)
    assert demand_column(region.settlements, "people") is None  # the population column is the demand already
    need = demand_column(region.settlements, "need", rate=rate)
    assert need is not None
    np.testing.assert_allclose(need, people(region.settlements) * 4.0 / 1000.0)
    assert np.isfinite(need).all() and (need > 0).all()  # Gamma and Delta are unknown: estimated, never zero
    cells = demand_column(region.settlements, "incidents", incidents=release)
    assert cells is not None and list(cells) == list(release.settlement_texts())
    assert all(_released_cell(c) for c in cells) and f"<{K}" in set(cells)  # Beta's 2: hidden
    assert demand_column(region.settlements, "incidents", incidents=None) is None  # not for this reader


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_the_gap_list_names_its_basis_and_never_shows_a_small_count(tiny, lang):
    region, services, result, release = tiny
    cov = result.coverage
    rate = need_rate(**RATE)
    common = dict(threshold_minutes=30.0, lang=lang, services=services)
    need = gap_table(
        region,
        cov,
        result.nearest_service_ids,
        demand=demand_column(region.settlements, "need", rate=rate),
        basis="need",
        **common,
    )
    column = demand_title("need", lang)
    assert column in need.columns
    beta = need[need[t("field.name", lang)] == "Бета"].iloc[0]
    assert beta[column] == pytest.approx(800 * 4.0 / 1000.0)  # 3.2 expected cases
    incidents = gap_table(
        region,
        cov,
        result.nearest_service_ids,
        demand=demand_column(region.settlements, "incidents", incidents=release),
        basis="incidents",
        **common,
    )
    cells = incidents[demand_title("incidents", lang)]
    assert len(cells) >= 2 and all(_released_cell(str(c)) for c in cells)
    assert incidents[incidents[t("field.name", lang)] == "Бета"].iloc[0][demand_title("incidents", lang)] == "<5"
    people_only = gap_table(region, cov, result.nearest_service_ids, **common)
    assert demand_title("need", lang) not in people_only.columns and demand_title("incidents", lang) not in people_only


def test_the_district_table_counts_expected_cases_beyond(tiny):
    region, services, result, _ = tiny
    rate = need_rate(**RATE)
    table = beyond_table(region, result.coverage, lang="ru", need=rate)
    column = t("beyond.col.need_beyond", "ru", minutes="30")
    expected = demand_column(region.settlements, "need", rate=rate)
    beyond = result.coverage.nearest_minutes > 30.0
    assert table[column].iloc[-1] == pytest.approx(round(float(expected[beyond].sum()), 1))  # the region's total
    assert TOTAL_ROW_ID not in table[t("field.district", "ru")].tolist()  # the totals row is named, not an id


# --- route sheets ---------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def plan(tiny):
    region, services, _, _ = tiny
    teams = read_teams(io.StringIO("name,base,day_hours,visit_minutes,days\nTeam A,s1,8,60,10\n"))
    data, solved = plan_region(region, services, teams, site_minutes_for(region), threshold_minutes=5.0)
    return {"region": "tiny", "scenario": "base", "minutes": 5.0, **plan_report(region, data, solved)}


def _stop(report: dict, name: str) -> dict:
    return next(s for team in report["teams"] for day in team["days"] for s in day["stops"] if s["name"] == name)


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_an_estimated_population_is_written_with_its_range_and_marked(plan, tmp_path, lang):
    from openpyxl import load_workbook

    delta = _stop(plan, "Дельта")  # Delta's population is unknown: the region's estimate
    assert delta["population_estimated"] and delta["population_low"] < delta["population_high"]
    text = population_text(delta, lang)
    assert text == t(
        "circuits.population_estimate",
        lang,
        value=f"{round(delta['population']):,}".replace(",", "\u00a0"),
        low=f"{round(delta['population_low']):,}".replace(",", "\u00a0"),
        high=f"{round(delta['population_high']):,}".replace(",", "\u00a0"),
    )
    assert text.startswith("≈") and t("circuits.estimated", lang) in text  # marked as an estimate
    beta = _stop(plan, "Бета")
    assert population_text(beta, lang) == "800"  # known: the number alone
    old = {k: v for k, v in delta.items() if k not in ("population_low", "population_high")}  # a plan saved before
    assert population_text(old, lang) == t("circuits.population_estimate_bare", lang, value=text[1:].split(" (")[0])

    book = load_workbook(write_xlsx(plan, tmp_path / "routes.xlsx", lang))
    cells = [c for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for c in row]
    assert text in cells and 800 in cells  # the estimate as text with its range; a known population a number
    pdf = write_pdf(plan, tmp_path / "routes.pdf", lang)
    flat = " ".join(
        subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout.split()
    )
    assert " ".join(text.split()) in flat
    table = stop_table(plan, lang)
    assert text in table[t("circuits.col.population", lang)].tolist()


# --- the pages ------------------------------------------------------------------------------------------------------
def _region_with_rate(tmp_path):
    folder = tmp_path / "region"
    shutil.copytree(TINY, folder)
    meta = json.loads((folder / "region.json").read_text(encoding="utf-8"))
    meta["need_rate"] = RATE
    (folder / "region.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    return folder


def _app(monkeypatch, tmp_path, page: str, *, lang="ru", role="planner") -> AppTest:
    monkeypatch.setenv("QORGAU_REGION", str(_region_with_rate(tmp_path)))
    monkeypatch.setenv("QORGAU_SCENARIO_DB", str(tmp_path / "qorgau.sqlite"))
    monkeypatch.chdir(PROJECT)
    at = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=180)
    at.session_state["lang"] = lang
    sign_in_session(at, "tester", role)
    at.run()
    return _open(at, page)


def _open(at: AppTest, page: str) -> AppTest:
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def _captions(at: AppTest) -> str:
    return " ".join(c.value for c in at.caption)


def _gap_list(at: AppTest, lang: str):
    """The gap list of the page (the table with a minutes column)."""
    return next(d.value for d in at.dataframe if t("scen.col_minutes", lang) in d.value.columns)


def _district_table(at: AppTest, lang: str):
    return next(d.value for d in at.dataframe if t("beyond.col.all_settlements", lang) in d.value.columns)


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_scenarios_states_the_basis_with_ranges_and_its_tables_follow_it(monkeypatch, tmp_path, lang):
    at = _app(monkeypatch, tmp_path, "pages/scenarios.py", lang=lang)
    assert t("need.ranged_title", lang) in [h.value for h in at.subheader]
    metrics = {m.label: m.value for m in at.metric}
    for label in (t("need.within.people", lang, minutes="30"), t("need.settlements_beyond", lang, minutes="60")):
        assert RANGED.fullmatch(metrics[label]), (label, metrics)
    assert t("need.basis_stated", lang, basis=t("need.basis.people", lang)) in _captions(at)

    at.radio(key="scen_demand_basis").set_value("need").run()
    assert not at.exception, at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert RANGED.fullmatch(metrics[t("need.within.need", lang, minutes="30")]), metrics
    assert t("need.basis_stated", lang, basis=t("need.basis.need", lang)) in _captions(at)
    gaps = _gap_list(at, lang)
    assert demand_title("need", lang) in gaps.columns
    assert (gaps[demand_title("need", lang)] > 0).all()  # estimated villages count too
    assert t("beyond.col.need_beyond", lang, minutes="30") in _district_table(at, lang).columns

    at.radio(key="scen_demand_basis").set_value("incidents").run()
    assert not at.exception, at.exception
    cells = _gap_list(at, lang)[demand_title("incidents", lang)]
    assert all(_released_cell(str(c)) for c in cells) and "2" not in set(map(str, cells))  # Beta: "<5", never 2
    assert metrics != {m.label: m.value for m in at.metric}


def test_the_maps_gap_list_follows_the_basis_and_a_district_level_role_sees_no_village_incidents(monkeypatch, tmp_path):
    at = _app(monkeypatch, tmp_path, "pages/map.py")
    at.radio(key="map_gap_minutes").set_value(30.0).run()
    at.radio(key="map_demand_basis").set_value("need").run()
    assert not at.exception, at.exception
    assert demand_title("need", "ru") in _gap_list(at, "ru").columns
    at.radio(key="map_demand_basis").set_value("incidents").run()
    assert f"<{K}" in set(_gap_list(at, "ru")[demand_title("incidents", "ru")])
    assert t("beyond.col.incidents", "ru", minutes="30") in _district_table(at, "ru").columns

    admin = _app(monkeypatch, tmp_path / "admin", "pages/map.py", role="admin")  # district-level incidents only
    admin.radio(key="map_demand_basis").set_value("incidents").run()
    assert not admin.exception, admin.exception
    assert demand_title("incidents", "ru") not in _gap_list(admin, "ru").columns
    assert t("scen.district_only", "ru") in _captions(admin)


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_suggests_demand_follows_the_session_basis_both_ways(monkeypatch, tmp_path, lang):
    at = _app(monkeypatch, tmp_path, "pages/map.py", lang=lang)
    at.radio(key="map_demand_basis").set_value("need").run()
    at = _open(at, "pages/suggest.py")
    assert at.radio(key="suggest_demand").value == "need"  # the Map's choice
    at.radio(key="suggest_demand").set_value("incidents").run()
    assert at.session_state["_demand_basis"] == "incidents"  # pages.need_view.BASIS_KEY
    at.radio(key="suggest_demand").set_value("blend").run()  # Suggest's own: the session keeps its basis
    assert at.session_state["_demand_basis"] == "incidents"
    at.radio(key="suggest_demand").set_value("population").run()
    assert at.session_state["_demand_basis"] == "people"
    at = _open(at, "pages/map.py")
    assert at.radio(key="map_demand_basis").value == "people"
    assert t("need.basis_stated", lang, basis=t("need.basis.people", lang)) in _captions(at)


def test_the_teams_page_lists_each_visit_with_an_estimate_marked_and_its_range(monkeypatch, tmp_path):
    at = _app(monkeypatch, tmp_path, "pages/teams.py", lang="kk")
    next(n for n in at.number_input if n.label == t("circuits.minutes", "kk")).set_value(5).run()
    next(b for b in at.button if b.label == t("circuits.run", "kk")).click().run()
    assert not at.exception, at.exception
    _, report, _ = at.session_state["teams_result"]  # pages.teams.RESULT_KEY
    assert t("circuits.stops", "kk") in [h.value for h in at.subheader]
    shown = [str(v) for d in at.dataframe for v in d.value.to_numpy().ravel()] + [
        str(v) for tb in at.table for v in tb.value.to_numpy().ravel()
    ]
    assert population_text(_stop(report, "Дельта"), "kk") in shown  # "≈6 400 (… – …), бағалау"
