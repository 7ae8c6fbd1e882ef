"""The baseline is read-only, editing starts from a copy, and every page starts from the same defaults (issue 18,
items 1, 6, 7 and 12): the store refuses, the Scenarios map inspects by default, Compare and Reports open on the
baseline, one default threshold everywhere."""

from __future__ import annotations

import sqlite3

import pytest
from conftest import TINY, signed_in_app
from streamlit.testing.v1 import AppTest

from geo.region import load_region
from geo.settings import DEFAULT_GAP_MINUTES
from planning.i18n import t
from planning.scenarios import BaselineReadOnly, Site, free_scenario_name
from planning.store.scenarios import ScenarioStore, baseline_scenario

BETA = (42.6, 68.4)
"""Beta's position in the tiny region (lat, lon): a village beyond 30 minutes of the one service."""


@pytest.fixture
def db(app_db):
    return app_db


def _store(db) -> ScenarioStore:
    return ScenarioStore(db)


# --- the store ---------------------------------------------------------------------------------------------------
def test_the_store_refuses_every_change_to_the_baseline_and_a_copy_takes_changes(db):
    store = _store(db)
    region = load_region(TINY)
    baseline = baseline_scenario(store, region, author="tester")
    assert baseline.baseline and baseline.version == 1 and baseline.name == "Действующие службы региона"
    assert baseline_scenario(store, region).scenario_id == baseline.scenario_id  # made once
    more = [*baseline.sites, Site("x", "Extra", "permanent", *BETA)]
    with pytest.raises(BaselineReadOnly, match="baseline.*read-only.*Fix: copy it to a new scenario"):
        store.save(baseline.scenario_id, more, author="tester", base_version=1)
    for refused in (
        lambda: store.undo(baseline.scenario_id, author="tester", base_version=1),
        lambda: store.rename(baseline.scenario_id, "Mine now", author="tester"),
        lambda: store.archive(baseline.scenario_id, author="tester"),
    ):
        with pytest.raises(BaselineReadOnly):
            refused()
    # written around the store, a second version is refused by the database itself
    with sqlite3.connect(db) as raw, pytest.raises(sqlite3.IntegrityError, match="read-only"):
        raw.execute(
            "INSERT INTO scenario_versions (scenario_id, version, sites_json, author, action, saved_at) "
            "VALUES (?, 2, '[]', 'x', 'save', 'now')",
            (baseline.scenario_id,),
        )
    assert [v.version for v in store.history(baseline.scenario_id)] == [1]
    copy = store.copy(baseline.scenario_id, "Plan B", author="tester")
    assert not copy.baseline and copy.sites == baseline.sites
    assert store.save(copy.scenario_id, more, author="tester", base_version=1).version == 2
    assert store.load(baseline.scenario_id).sites == baseline.sites


def test_a_database_from_before_the_mark_gets_it_and_its_baseline_is_the_one_of_that_name(tmp_path):
    path = tmp_path / "old.sqlite"
    store = ScenarioStore(path)
    first = store.create("Действующие службы региона", "tiny", [Site("a", "A", "permanent", 42.5, 68.2)], author="t")
    store.create("Plan B", "tiny", first.sites, author="t")
    with sqlite3.connect(path) as raw:  # as the store left databases before the column: no mark, no trigger
        raw.execute("DROP TRIGGER baseline_read_only")
        raw.execute("DROP INDEX one_baseline_per_region")
        raw.execute("ALTER TABLE scenarios DROP COLUMN baseline")
    reopened = ScenarioStore(path)
    baseline = baseline_scenario(reopened, load_region(TINY), author="t")
    assert baseline.scenario_id == first.scenario_id and baseline.baseline
    assert [s.name for s in reopened.list_scenarios("tiny")] == ["Действующие службы региона", "Plan B"]
    with pytest.raises(BaselineReadOnly):
        reopened.save(first.scenario_id, [], author="t", base_version=1)


def test_a_copy_name_is_free_in_any_case_and_spacing():
    assert free_scenario_name("Копия: План", ["План"]) == "Копия: План"
    assert free_scenario_name("Копия: План", ["копия:  план", "Копия: План 2"]) == "Копия: План 3"
    assert len(free_scenario_name("x" * 200, [])) == 120


# --- the Scenarios page --------------------------------------------------------------------------------------------
def _click(at: AppTest, lat: float, lon: float) -> AppTest:
    """A click on the map at (lat, lon), on a settlement's marker there (as streamlit-folium reports both)."""
    at.session_state["scen_map"] = {
        "last_clicked": {"lat": lat, "lng": lon},
        "last_object_clicked": {"lat": lat, "lng": lon},
    }
    return at.run()


def test_a_click_on_the_baseline_changes_nothing_and_shows_the_village(db):
    at = signed_in_app("pages/scenarios.py", role="planner")
    (baseline,) = _store(db).list_scenarios("tiny")
    assert baseline.baseline
    assert not [r for r in at.radio if r.key == "scen_click"]  # no edit mode on the baseline at all
    assert not [b for b in at.button if b.key in ("scen_add", "scen_undo", "scen_import")]
    assert any(t("scen_base.is_baseline", "ru", name=baseline.name) == i.value for i in at.info)
    _click(at, *BETA)
    assert not at.exception, at.exception
    assert [(s.version, len(s.sites)) for s in _store(db).list_scenarios("tiny")] == [(1, 1)]
    assert at.selectbox(key="scen_village").value == 1  # Beta's panel is open
    assert any("Бета" in m.value for m in at.markdown)


def test_copy_is_one_click_with_a_default_name_and_the_copy_is_selected_and_editable(db):
    at = signed_in_app("pages/scenarios.py", role="planner")
    field = next(w for w in at.text_input if w.label == t("scen.new_name"))
    assert field.value == "Копия: Действующие службы региона"
    next(b for b in at.button if b.label == t("scen_base.copy")).click().run()
    assert not at.exception, at.exception
    baseline, copy = _store(db).list_scenarios("tiny")
    assert copy.name == "Копия: Действующие службы региона" and copy.sites == baseline.sites
    picker = next(box for box in at.selectbox if box.label == t("scen.pick"))
    assert picker.value == copy.scenario_id
    assert at.radio(key="scen_click").value == "inspect"  # editing, but a click still only inspects
    _click(at, *BETA)
    assert _store(db).load(copy.scenario_id).version == 1
    at.radio(key="scen_click").set_value("add").run()  # chosen explicitly
    _click(at, 42.45, 68.95)
    assert (_store(db).load(copy.scenario_id).version, _store(db).load(baseline.scenario_id).version) == (2, 1)
    # on another scenario the mode is back to inspecting: the choice made on the copy does not follow
    other = _store(db).copy(copy.scenario_id, "Plan C", author="tester")
    at.run()
    next(box for box in at.selectbox if box.label == t("scen.pick")).set_value(other.scenario_id).run()
    assert at.radio(key="scen_click").value == "inspect"
    _click(at, 42.3, 68.3)
    assert _store(db).load(other.scenario_id).version == 1


def test_presenter_sees_the_baseline_read_only_without_a_copy_button(db):
    at = signed_in_app("pages/scenarios.py", role="presenter")
    assert not [b for b in at.button if b.label == t("scen_base.copy")]
    _click(at, *BETA)
    assert at.selectbox(key="scen_village").value == 1


# --- defaults: Compare and Reports open on the baseline; one threshold ------------------------------------------------
def _three_scenarios(db) -> tuple[int, int, int]:
    store = _store(db)
    baseline = baseline_scenario(store, load_region(TINY))
    plan_b = store.copy(baseline.scenario_id, "Plan B", author="t")
    newest = store.create("Newest", "tiny", [*baseline.sites, Site("g", "Gamma", "permanent", 42.5, 68.7)], author="t")
    return baseline.scenario_id, plan_b.scenario_id, newest.scenario_id


def test_compare_opens_on_the_baseline_and_the_scenario_being_worked_on_never_the_newest(db):
    baseline, plan_b, _newest = _three_scenarios(db)
    at = signed_in_app("pages/compare.py", role="planner")
    assert at.selectbox(key="cmp_a").value == baseline
    assert at.selectbox(key="cmp_b").value is None  # several others, none open: the reader chooses
    assert t("scen_base.choose_b_info", "ru", name="Действующие службы региона") in [i.value for i in at.info]
    at.switch_page("pages/scenarios.py").run()  # Plan B is opened on the Scenarios page
    next(box for box in at.selectbox if box.label == t("scen.pick")).set_value(plan_b).run()
    at.switch_page("pages/compare.py").run()
    assert (at.selectbox(key="cmp_a").value, at.selectbox(key="cmp_b").value) == (baseline, plan_b)


def test_compare_shows_a_zero_change_without_a_coloured_arrow(db):
    baseline, plan_b, _ = _three_scenarios(db)
    at = signed_in_app("pages/compare.py", role="planner")
    at.selectbox(key="cmp_b").set_value(plan_b).run()  # a copy: every change is zero
    deltas = [m for m in at.metric if m.delta]
    assert deltas and all(m.delta == "0" and m.proto.color == 2 for m in deltas if m.label != t("scen.median"))
    assert all(m.proto.color == 2 for m in deltas)  # MetricProto.MetricColor.GRAY: neither red nor green


def test_reports_open_on_the_baseline_however_many_scenarios_are_saved(db):
    _three_scenarios(db)
    at = signed_in_app("pages/reports.py", role="planner")
    box = next(b for b in at.selectbox if b.label == t("present.scenario"))
    assert box.value == box.options[0] == t("scen.baseline_name")
    assert box.options[-1] == "Newest"


def test_one_default_threshold_on_every_page_and_command(db, monkeypatch):
    """Map's gap list, Scenarios, Compare and Suggest start on DEFAULT_GAP_MINUTES; Reports and Present draw their
    gap figures from planning.render.report, whose threshold is it; so does ``suggest --minutes``."""
    import inspect

    from planning.analysis import evaluate, site_minutes_for
    from planning.cli import build_parser
    from planning.render import report

    assert DEFAULT_GAP_MINUTES == 60.0
    _three_scenarios(db)
    at = signed_in_app("pages/map.py", role="planner")
    shown = {"map": at.radio(key="map_gap_minutes").value}
    at.switch_page("pages/scenarios.py").run()
    shown["scenarios"] = at.radio(key="scen_gap_minutes").value
    at.switch_page("pages/compare.py").run()
    at.selectbox(key="cmp_b").set_value(2).run()
    shown["compare"] = at.radio(key="cmp_minutes").value
    at.switch_page("pages/suggest.py").run()
    shown["suggest"] = next(n for n in at.number_input if n.label == t("suggest.minutes")).value
    shown["reports, present (gap list)"] = report.GAP_THRESHOLD_MINUTES
    region = load_region(TINY)
    result = evaluate(region, region.services, site_minutes_for(region), incidents=None)
    beyond = [f.label for f in report.key_figures(result, lang="ru")]  # Present's and the PDF's large figures
    shown["present, reports (key figures)"] = next(
        m for m in (30.0, 60.0, 90.0, 120.0) if t("report.figure_uncovered", "ru", minutes=int(m)) in beyond
    )
    shown["reports (comparison)"] = (
        inspect.signature(report.comparison_sentence).parameters["threshold_minutes"].default
    )
    args = build_parser("suggest", lang="en").parse_args(["suggest", "--region", str(TINY), "--model", "mclp"])
    shown["cli suggest"] = args.minutes
    assert {page: float(value) for page, value in shown.items()} == dict.fromkeys(shown, DEFAULT_GAP_MINUTES)
