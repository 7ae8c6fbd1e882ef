"""The scenarios and compare pages in AppTest, signed in through the session state, scenarios in tmp_path."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from conftest import PROJECT, TEST_SECRET, TINY, signed_in_app
from geo.region import load_region
from planning.analysis import incident_release
from planning.scenarios import SCENARIO_DB_ENV_VAR, ScenarioStore



@pytest.fixture
def db(tmp_path, monkeypatch):
    path = tmp_path / "qorgau.sqlite"
    monkeypatch.setenv(SCENARIO_DB_ENV_VAR, str(path))
    monkeypatch.setenv("QORGAU_REGION", str(TINY))
    monkeypatch.chdir(PROJECT)
    return path


def _page(page: str, role: str) -> AppTest:
    return signed_in_app(page, role=role)


def _metrics(at: AppTest) -> list[tuple[str, str]]:
    return [(m.label, m.value) for m in at.metric]


def test_scenarios_page_creates_the_baseline_and_shows_hand_checked_figures(db):
    at = _page("pages/scenarios.py", "planner")
    (scenario,) = ScenarioStore(db).list_scenarios("tiny")
    assert scenario.name == "Действующие службы региона" and len(scenario.sites) == 1
    values = [v for _, v in _metrics(at)]
    # within 30: 12 000 people, 1 settlement, Alpha's 7 incidents; within 60: 12 800, 2, Alpha's 7 and Beta's 2:
    # each incident figure is the release's cell of its settlements
    release = incident_release(load_region(TINY), secret=TEST_SECRET, k=5)
    assert values[:6] == ["12\u202f000", "1", release.text([0]), "12\u202f800", "2", release.text([0, 1])]
    assert "x" not in values and all(v == "<5" or int(v) >= 5 for v in (values[2], values[5]))


def test_adding_a_site_from_the_list_saves_a_version_and_changes_the_figures(db):
    at = _page("pages/scenarios.py", "planner")
    at.selectbox(key="scen_settlement").set_value(2).run()  # Gamma
    at.button(key="scen_add").click().run()
    assert not at.exception, at.exception
    (scenario,) = ScenarioStore(db).list_scenarios("tiny")
    assert scenario.version == 2 and len(scenario.sites) == 2
    assert [v for _, v in _metrics(at)][1] == "2"  # Gamma is now covered within 30 minutes
    at.button(key="scen_undo").click().run()
    (scenario,) = ScenarioStore(db).list_scenarios("tiny")
    assert scenario.version == 3 and len(scenario.sites) == 1
    assert [v for _, v in _metrics(at)][1] == "1"


def test_presenter_sees_no_editing_and_no_village_incidents(db):
    at = _page("pages/scenarios.py", "presenter")
    assert not [b for b in at.button if b.key in ("scen_add", "scen_undo")]
    gap_table = at.dataframe[-1].value
    assert "Обращения" not in gap_table.columns  # per-settlement incidents are not for presenters
    assert any("Обращения" in str(c) for c in at.dataframe[0].value.columns)  # district level is


def test_compare_page_needs_two_scenarios_then_compares(db):
    at = _page("pages/compare.py", "planner")
    assert at.info  # only the baseline exists (created by the scenarios page; here none yet)
    store = ScenarioStore(db)
    base = store.list_scenarios("tiny")
    if not base:
        _page("pages/scenarios.py", "planner")
        base = store.list_scenarios("tiny")
    sites = list(base[0].sites)
    from planning.scenarios import Site
    store.create("Plus Gamma", "tiny", sites + [Site("g", "Gamma team", "permanent", 42.5, 68.7)], author="t")
    at = _page("pages/compare.py", "planner")
    summary = at.success[0].value
    assert "«Plus Gamma»" in summary and "на 1 населённый пункт больше" in summary
    changes = at.dataframe[-1].value
    assert list(changes.iloc[:, 0]) == ["Гамма"]
