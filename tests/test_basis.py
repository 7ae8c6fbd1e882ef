"""One demand basis, stated, and ranges on Compare, Present, Reports, the PDF and the exports (issue 19, items 4-5)."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest
from conftest import DEFAULT_REGION, PROJECT, TEST_SECRET, TINY, sign_in_session
from streamlit.testing.v1 import AppTest

from geo.region import load_region
from planning.analysis import evaluate, incident_release, site_minutes_for
from planning.baseline import baseline_services
from planning.i18n import t
from planning.need import need_rate
from planning.ranges import FIGURE_TABLE_COLUMNS, HEADLINE_KEYS, Assumptions, settlement_demand
from planning.render.exports import gaps_geojson, headline_csv, settlement_table, tables
from planning.render.report import basis_ranges, ranged_figures, region_pdf
from planning.scenarios import Site, sites_from_services
from planning.store.scenarios import ScenarioStore

RANGED = re.compile(r"[\d\u00a0 ,]+ %? ?\([\d\u00a0 ,]+–[\d\u00a0 ,]+ ?%?\)")
"""A figure with its range as shown: "84 % (75–88 %)", "531 (481–620)"."""
FEW_DRAWS = Assumptions(draws=40, seed=5)


# --- the core and the files ---------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def tiny():
    region = load_region(TINY)
    minutes = site_minutes_for(region)
    result = evaluate(region, baseline_services(region), minutes, incidents=None)
    release = incident_release(region, secret=TEST_SECRET, k=5)
    return region, minutes, result, release


def test_each_settlement_carries_its_demand_on_the_basis(tiny):
    region, _, _, release = tiny
    people = settlement_demand(region.settlements, "people")
    assert people[0] == 12000.0 and people[1] == 800.0
    assert all(v > 0 for v in people)  # Gamma and Delta have no known population: estimated, never 0
    rate = need_rate(5.0, low=2.0, high=10.0, source="a test figure")
    need = settlement_demand(region.settlements, "need", rate=rate)
    assert need[0] == 60.0 and need[1] == 4.0  # 12,000 and 800 people × 5 per 1,000
    cells = settlement_demand(region.settlements, "incidents", incidents=release)
    assert list(cells) == list(release.settlement_texts())  # released cells: Beta's 2 reads "<5", never "2"
    assert cells[1] == "<5" and "2" not in set(cells)
    assert list(settlement_demand(region.settlements, "incidents", incidents=None)) == [None] * 4  # not for this reader


def test_the_settlement_table_and_the_gaps_carry_the_basis_and_the_demand(tiny):
    region, _, result, release = tiny
    table = settlement_table(region, result, incidents=release, incident_level="settlement", demand_basis="incidents")
    assert set(table["demand_basis"]) == {"incidents"} and list(table["demand"]) == list(release.settlement_texts())
    hidden = settlement_table(region, result, incidents=release, incident_level="district", demand_basis="incidents")
    assert hidden["demand"].isna().all()  # a presenter's file: no settlement's incidents
    headline = basis_ranges(region, result.nearest.minutes, "people", assumptions=FEW_DRAWS)
    collection = json.loads(gaps_geojson(region, result, demand_basis="people", headline=headline))
    assert collection["demand_basis"] == "people"
    assert {f["properties"]["demand_basis"] for f in collection["features"]} == {"people"}
    assert all(f["properties"]["demand"] > 0 for f in collection["features"])
    for row in collection["headline"].values():
        assert set(row) == set(HEADLINE_KEYS)
        assert all(set(figure) == {"value", "low", "high"} for figure in row.values())


def test_headline_exports_carry_low_and_high(tiny):
    region, _, result, release = tiny
    headline = basis_ranges(region, result.nearest.minutes, "people", assumptions=FEW_DRAWS)
    frame = pd.read_csv(io.BytesIO(headline_csv(headline, "people")), encoding="utf-8-sig")
    assert tuple(frame.columns) == FIGURE_TABLE_COLUMNS
    assert set(frame["demand_basis"]) == {"people"} and set(frame["minutes"]) == {30, 60}
    assert (frame["low"] <= frame["value"] + 1e-9).all() and (frame["value"] <= frame["high"] + 1e-9).all()
    sheets = tables(region, result, lang="kk", demand_basis="people", headline=headline)
    assert t("export.sheet_headline", "kk") in sheets
    settlements = sheets[t("export.sheet_settlements", "kk")]
    assert {"demand_basis", "demand"} <= set(settlements.columns)


def test_incident_ranges_show_no_small_count(tiny):
    region, _, result, release = tiny
    figures = basis_ranges(region, result.nearest.minutes, "incidents", incidents=release, assumptions=FEW_DRAWS)
    for minutes, row in figures.items():
        beyond = result.nearest.minutes > float(minutes)
        released = release.value(beyond)
        shown = ranged_figures(row, "incidents", minutes=minutes, lang="ru", k=release.k)[2].value
        if released is None:
            assert shown == "<5"  # hidden: no number and no range
        else:
            assert shown.startswith(str(released))
        numbers = [int(n) for n in re.findall(r"\d+", shown)]
        assert all(n == 0 or n >= release.k for n in numbers), shown
    # Beta's 2 incidents lie beyond 30 minutes: that cell is hidden
    assert ranged_figures(figures["30"], "incidents", minutes="30", lang="ru", k=5)[2].value == "<5"


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_the_pdf_names_the_basis_and_gives_ranges_and_assumptions(tiny, tmp_path, lang):
    region, minutes, _, release = tiny
    rate = need_rate(5.0, low=2.0, high=10.0, source="a test figure")
    pdf = region_pdf(
        region,
        [("base", baseline_services(region))],
        minutes,
        lang=lang,
        incidents=release,
        demand_basis="need",
        rate=rate,
        assumptions=FEW_DRAWS,
    )
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True).stdout
    flat = " ".join(text.split())
    assert t("need.basis_stated", lang, basis=t("need.basis.need", lang)) in flat
    assert "a test figure" in flat  # the rate's source
    assert t("need.within.need", lang, minutes="30") in flat and RANGED.search(flat)
    assert t("report.assume_draws", lang, draws="40", seed="5") in flat  # the draws and the seed
    assert t("report.assume_speeds", lang, low="-20", high="10") in flat


# --- the pages ------------------------------------------------------------------------------------------------------
def _app(monkeypatch, tmp_path, *, region=TINY, role="planner", lang="ru", scenarios=()) -> AppTest:
    monkeypatch.setenv("QORGAU_REGION", str(region))
    monkeypatch.setenv("QORGAU_SCENARIO_DB", str(tmp_path / "qorgau.sqlite"))
    monkeypatch.chdir(PROJECT)
    loaded = load_region(region)
    store = ScenarioStore(tmp_path / "qorgau.sqlite")
    for name, sites in scenarios:
        store.create(name, loaded.region_id, sites(loaded), author="t")
    at = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=180)
    at.session_state["lang"] = lang  # the session's language, as the switch sets it
    sign_in_session(at, "tester", role)
    at.run()
    return at


def _open(at: AppTest, page: str) -> AppTest:
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def _captions(at: AppTest) -> str:
    return " ".join(c.value for c in at.caption)


PLUS_GAMMA = ("Plus Gamma", lambda r: sites_from_services(r.services) + [Site("g", "Gamma", "permanent", 42.5, 68.7)])


def _ranges_table(at, lang):
    """Compare's table of each scenario's ranged figures (a data grid, indexed by the figure)."""
    return next(d.value for d in at.dataframe if d.value.index.name == t("report.col_figure", lang))


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_compare_states_the_basis_and_ranges_each_scenario(monkeypatch, tmp_path, lang):
    at = _open(_app(monkeypatch, tmp_path, lang=lang, scenarios=[PLUS_GAMMA]), "pages/scenarios.py")
    at = _open(at, "pages/compare.py")
    at.radio(key="cmp_minutes").set_value(30.0).run()
    table = _ranges_table(at, lang)
    assert list(table.index[:2]) == [
        t("need.within.people", lang, minutes="30"),
        t("need.settlements_beyond", lang, minutes="30"),
    ]
    assert table.index[2].startswith(t("need.beyond.people", lang, minutes="30"))
    assert table.shape[1] == 2  # A and B side by side
    assert all(RANGED.fullmatch(str(v)) for v in table.iloc[:2].to_numpy().ravel()), table
    assert t("need.basis_stated", lang, basis=t("need.basis.people", lang)) in _captions(at)
    # the other basis, chosen here, is the session's: Present counts the same
    at.radio(key="cmp_basis").set_value("incidents").run()
    assert not at.exception, at.exception
    table = _ranges_table(at, lang)
    assert table.index[2] == t("need.beyond.incidents", lang, minutes="30")
    assert table.iloc[2, 0] == "<5"  # Beta's 2 incidents beyond 30 minutes: hidden, no range that could reveal it
    at = _open(at, "pages/present.py")
    assert t("need.basis_stated", lang, basis=t("need.basis.incidents", lang)) in _captions(at)
    assert t("need.beyond.incidents", lang, minutes="60") in {m.label for m in at.metric}


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_present_states_the_basis_with_three_ranged_figures(monkeypatch, tmp_path, lang):
    at = _open(_app(monkeypatch, tmp_path, region=DEFAULT_REGION, role="presenter", lang=lang), "pages/present.py")
    metrics = {m.label: m.value for m in at.metric}
    assert list(metrics) == [
        t("need.within.people", lang, minutes="30"),
        t("need.settlements_beyond", lang, minutes="60"),
        t("need.beyond.people", lang, minutes="60") + t("need.thousands", lang),
    ]
    assert all(RANGED.fullmatch(v) for v in metrics.values()), metrics
    assert t("need.basis_stated", lang, basis=t("need.basis.people", lang)) in _captions(at)


def test_a_rate_in_region_json_is_the_reports_basis_and_the_pdf_states_it(monkeypatch, tmp_path):
    folder = tmp_path / "region"
    shutil.copytree(TINY, folder)
    meta = json.loads((folder / "region.json").read_text(encoding="utf-8"))
    meta["need_rate"] = {"per_1000": 4.0, "low": 2.0, "high": 8.0, "source": "a test figure"}
    (folder / "region.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    at = _open(_app(monkeypatch, tmp_path, region=folder, lang="kk"), "pages/reports.py")
    at.radio(key="reports_basis").set_value("need").run()
    assert t("need.basis_stated", "kk", basis=t("need.basis.need", "kk")) in _captions(at)
    assert "a test figure" in _captions(at)
    next(b for b in at.button if b.label == t("reports.prepare", "kk")).click().run()
    assert not at.exception, at.exception
    request, files = at.session_state["_report_files"]
    assert request[-1] == "need"
    frame = pd.read_csv(io.BytesIO(files["headline"][0]()), encoding="utf-8-sig")
    assert set(frame["demand_basis"]) == {"need"} and {"low", "high"} <= set(frame.columns)
    path = tmp_path / "r.pdf"
    path.write_bytes(files["region_pdf"][0]())
    text = " ".join(subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout.split())
    assert t("need.basis_stated", "kk", basis=t("need.basis.need", "kk")) in text
    # the session keeps the basis: the Map counts expected need too
    at = _open(at, "pages/map.py")
    assert at.radio(key="map_demand_basis").value == "need"


def test_the_cli_report_and_export_take_the_demand(tmp_path, capsys):
    from planning.cli import main

    pdf, headline = tmp_path / "r.pdf", tmp_path / "h.csv"
    base = ["--region", str(TINY), "--draws", "30", "--seed", "9", "--lang", "ru"]
    assert main(["report", *base, "--demand", "incidents", "--out", str(pdf)]) == 0
    text = " ".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout.split())
    assert t("need.basis_stated", "ru", basis=t("need.basis.incidents", "ru")) in text
    assert main(["export", *base, "--format", "headline", "--out", str(headline), "--demand", "people"]) == 0
    frame = pd.read_csv(headline, encoding="utf-8-sig")
    assert set(frame["demand_basis"]) == {"people"} and len(frame) == 2 * len(HEADLINE_KEYS)
    again = tmp_path / "h2.csv"
    assert main(["export", *base, "--format", "headline", "--out", str(again), "--demand", "people"]) == 0
    assert again.read_bytes() == headline.read_bytes()  # seeded: the same ranges
    assert main(["export", *base, "--format", "gaps", "--out", str(tmp_path / "g.json"), "--demand", "need"]) == 2
    assert "need_rate" in capsys.readouterr().err  # no rate anywhere: said so, nothing written
    assert not (tmp_path / "g.json").exists()
    assert np.isfinite(frame["value"]).all()
