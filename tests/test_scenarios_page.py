"""The scenarios and compare pages in AppTest, signed in through the session state, scenarios in tmp_path."""

from __future__ import annotations

import pytest
from conftest import TEST_SECRET, TINY, signed_in_app
from streamlit.testing.v1 import AppTest

from geo.region import load_region
from planning.analysis import incident_release
from planning.scenarios import BaselineReadOnly, Scenario
from planning.store.scenarios import ScenarioStore


@pytest.fixture
def db(app_db):
    return app_db


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
    assert values[:6] == ["12\u00a0000", "1", release.text([0]), "12\u00a0800", "2", release.text([0, 1])]
    assert "x" not in values and all(v == "<5" or int(v) >= 5 for v in (values[2], values[5]))


def _copy_baseline(at: AppTest) -> AppTest:
    """Click "copy to a new scenario" on the baseline, keeping the default name."""
    from planning.i18n import t

    next(b for b in at.button if b.label == t("scen_base.copy")).click().run()
    assert not at.exception, at.exception
    return at


def test_adding_a_site_from_the_list_saves_a_version_and_changes_the_figures(db):
    at = _copy_baseline(_page("pages/scenarios.py", "planner"))
    at.selectbox(key="scen_settlement").set_value(2).run()  # Gamma
    at.button(key="scen_add").click().run()
    assert not at.exception, at.exception
    baseline, scenario = ScenarioStore(db).list_scenarios("tiny")
    assert scenario.version == 2 and len(scenario.sites) == 2
    assert (baseline.version, len(baseline.sites)) == (1, 1)
    assert [v for _, v in _metrics(at)][1] == "2"  # Gamma is now covered within 30 minutes
    at.button(key="scen_undo").click().run()
    baseline, scenario = ScenarioStore(db).list_scenarios("tiny")
    assert scenario.version == 3 and len(scenario.sites) == 1
    assert [v for _, v in _metrics(at)][1] == "1"


def test_presenter_sees_no_editing_and_no_village_incidents(db):
    at = _page("pages/scenarios.py", "presenter")
    assert not [b for b in at.button if b.key in ("scen_add", "scen_undo")]
    gap_table = at.dataframe[-1].value
    assert "Обращения" not in gap_table.columns  # per-settlement incidents are not for presenters
    assert any("обращ" in str(c) for c in at.dataframe[0].value.columns)  # district level is


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


# --- the scenario being edited stays selected; create once; unique names; rename, archive (issue 11, item 5) -------
def _scenarios(db) -> dict[str, tuple[int, int]]:
    """name -> (sites, version) of the tiny region's scenarios in use."""
    return {s.name: (len(s.sites), s.version) for s in ScenarioStore(db).list_scenarios("tiny")}


def _names(db) -> list[str]:
    """Names of the tiny region's scenarios in use, oldest first (repeats kept)."""
    return [s.name for s in ScenarioStore(db).list_scenarios("tiny")]


def _pick_key(at: AppTest) -> str:
    """The scenario picker's widget key now: it moves when the page chooses for the user (a new scenario)."""
    from planning.i18n import t

    return next(box.key for box in at.selectbox if box.label == t("scen.pick"))


def _shown_label(at: AppTest, key: str) -> str:
    box = at.selectbox(key=key)
    return box.options[box.index]


def _browser_keeps_label(at: AppTest, key: str, label: str) -> None:
    """On the next run the browser sends back ``label`` for the selectbox ``key``: a browser keeps the label it
    shows until the server sets another value, even when the options' labels have changed meanwhile."""
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    node = at.selectbox(key=key)

    class StaleSelectbox(type(node)):
        @property
        def _widget_state(self):
            state = WidgetState()
            state.id = self.id
            state.string_value = label
            return state

    node.__class__ = StaleSelectbox


def _map_click(at: AppTest, lat: float, lon: float) -> AppTest:
    at.session_state["scen_map"] = {"last_clicked": {"lat": lat, "lng": lon}}
    return at.run()


def _plan_b_picked(db) -> tuple[AppTest, Scenario, Scenario, str]:
    """The scenarios page of a planner after a copy of the baseline, "Plan B", was saved (by someone else: the page
    reruns to see it) and picked: the app, the baseline, the plan and the picker's label as the browser shows it."""
    at = _page("pages/scenarios.py", "planner")
    store = ScenarioStore(db)
    (baseline,) = store.list_scenarios("tiny")
    plan = store.create("Plan B", "tiny", baseline.sites, author="tester")
    at.run()
    at.selectbox(key=_pick_key(at)).set_value(plan.scenario_id).run()
    return at, baseline, plan, _shown_label(at, _pick_key(at))


def test_the_edited_scenario_stays_selected_across_edits_threshold_changes_and_page_switches(db):
    at, baseline, plan, shown = _plan_b_picked(db)
    at.selectbox(key="scen_settlement").set_value(2).run()  # Gamma
    at.button(key="scen_add").click().run()
    assert not at.exception, at.exception
    assert _scenarios(db) == {baseline.name: (1, 1), "Plan B": (2, 2)}
    # the next interaction, with the browser still showing the label it had before the edit
    _browser_keeps_label(at, _pick_key(at), shown)
    at.radio(key="scen_gap_minutes").set_value(60).run()
    assert at.selectbox(key=_pick_key(at)).value == plan.scenario_id
    at.radio(key="scen_click").set_value("add").run()
    _map_click(at, 42.45, 68.95)  # a further click lands in Plan B, not in the baseline
    assert not at.exception, at.exception
    assert _scenarios(db) == {baseline.name: (1, 1), "Plan B": (3, 3)}
    # leave the page and come back: still Plan B, and the next edit goes there
    at.switch_page("pages/map.py").run()
    at.switch_page("pages/scenarios.py").run()
    assert at.selectbox(key=_pick_key(at)).value == plan.scenario_id
    at.button(key="scen_undo").click().run()
    assert _scenarios(db) == {baseline.name: (1, 1), "Plan B": (2, 4)}


def _new_scenario_form(at: AppTest):
    """The name field and the create button of the new-scenario form (found by label: keys change per form)."""
    from planning.i18n import t

    field = next(w for w in at.text_input if w.label == t("scen.new_name"))
    return field, next(b for b in at.button if b.label == t("scen_base.copy"))


def test_a_scenario_is_created_once_and_names_are_unique(db):
    at = _page("pages/scenarios.py", "planner")
    field, button = _new_scenario_form(at)
    field.set_value("Plan B")
    button.click().run()  # Enter in the field submits the form
    assert not at.exception, at.exception
    names = _names(db)
    assert names[1:] == ["Plan B"] and at.selectbox(key=_pick_key(at)).value == 2
    # the page chose for the user: the picker moved to a new widget, so a browser still showing the baseline
    # (its next message is about the old widget) cannot send the baseline back as a pick
    assert _pick_key(at) != "scen_id"
    at.radio(key="scen_gap_minutes").set_value(60).run()
    assert at.selectbox(key=_pick_key(at)).value == 2
    # the form it belonged to is gone: the one shown now copies Plan B, under a name of its own
    field, button = _new_scenario_form(at)
    assert field.value == "Копия: Plan B" and field.key == "scen_new_name_1_2"
    # the same name in another case and spacing is refused, with a message
    field, button = _new_scenario_form(at)
    field.set_value("  plan   b ")
    button.click().run()
    assert _names(db) == names
    assert any("«Plan B» уже есть" in e.value for e in at.error)


def test_rename_archive_and_restore_keep_the_history(db):
    from planning.store import access

    at, baseline, plan, shown = _plan_b_picked(db)
    store = ScenarioStore(db)
    at.text_input(key=f"scen_title_{plan.scenario_id}").set_value("Plan C")
    at.button(key=f"scen_rename_scenario_{plan.scenario_id}").click().run()
    assert list(_scenarios(db)) == [baseline.name, "Plan C"]
    _browser_keeps_label(at, _pick_key(at), shown)  # the browser still shows "Plan B"
    at.radio(key="scen_gap_minutes").set_value(60).run()
    assert at.selectbox(key=_pick_key(at)).value == plan.scenario_id
    # a name taken by another scenario is refused
    at.text_input(key=f"scen_title_{plan.scenario_id}").set_value(baseline.name.upper())
    at.button(key=f"scen_rename_scenario_{plan.scenario_id}").click().run()
    assert list(_scenarios(db)) == [baseline.name, "Plan C"] and at.error
    # archive: gone from the lists, kept with its versions, restorable
    at.button(key="scen_archive").click().run()
    assert list(_scenarios(db)) == [baseline.name]
    assert at.selectbox(key=_pick_key(at)).options == [baseline.name]
    assert [v.version for v in store.history(plan.scenario_id)] == [1]
    assert store.load(plan.scenario_id).archived
    # the baseline is shown now: it offers no archive (nor rename), and the store refuses both
    assert not [b for b in at.button if b.key in ("scen_archive", f"scen_rename_scenario_{baseline.scenario_id}")]
    with pytest.raises(BaselineReadOnly, match="read-only"):
        store.archive(baseline.scenario_id, author="tester")
    with pytest.raises(BaselineReadOnly):
        store.rename(baseline.scenario_id, "Other", author="tester")
    assert list(_scenarios(db)) == [baseline.name]
    at.button(key=f"scen_restore_{plan.scenario_id}").click().run()
    assert list(_scenarios(db)) == [baseline.name, "Plan C"]
    assert at.selectbox(key=_pick_key(at)).value == plan.scenario_id
    actions = [e.action for e in access.entries(store) if e.object.startswith(f"scenario {plan.scenario_id} ")]
    assert actions == ["restore scenario", "archive scenario", "rename scenario", "create scenario"]


# --- two planners on one scenario: reload or merge, nothing dropped (issue 11, item 6) -------------------------------
def _add_gamma(at: AppTest) -> AppTest:
    at.selectbox(key="scen_settlement").set_value(2).run()  # Gamma
    return at.button(key="scen_add").click().run()


def _page_then_bek_saves(db) -> tuple[AppTest, ScenarioStore, Scenario]:
    """The Scenarios page open on version 1 of "Plan B", a copy of the tiny region's baseline, then another planner
    (bek) saves version 2 with one more site."""
    from planning.scenarios import Site

    at, _, scenario, _ = _plan_b_picked(db)
    store = ScenarioStore(db)
    store.save(
        scenario.scenario_id,
        [*scenario.sites, Site("b1", "Bek's site", "permanent", 42.3, 68.1)],
        author="bek",
        base_version=1,
    )
    return at, store, scenario


def test_a_save_meeting_a_newer_version_says_who_and_offers_reload_or_merge(db):
    at, store, scenario = _page_then_bek_saves(db)
    _add_gamma(at)
    assert not at.exception, at.exception
    assert store.load(scenario.scenario_id).version == 2  # nothing saved over Bek's version
    warning = " ".join(w.value for w in at.warning)
    assert "bek" in warning and "версия 2" in warning
    at.button(key="scen_conflict_merge").click().run()
    latest = store.load(scenario.scenario_id)
    assert latest.version == 3 and [s.name for s in latest.sites] == ["Служба Альфа", "Bek's site", "Гамма (Восточный)"]
    assert [v.author for v in store.history(scenario.scenario_id)] == ["tester", "bek", "tester"]
    assert not [b for b in at.button if b.key == "scen_conflict_merge"]
    # again, and this time reload: the change is dropped, the newest version is shown
    store.save(scenario.scenario_id, list(latest.sites[:1]), author="bek", base_version=3)
    at.radio(key="scen_click").set_value("add").run()
    _map_click(at, 42.45, 68.95)
    assert store.load(scenario.scenario_id).version == 4
    at.button(key="scen_conflict_reload").click().run()
    assert store.load(scenario.scenario_id).version == 4
    assert "Версия 4, служб: 1." in [c.value for c in at.caption]


def test_a_version_saved_meanwhile_is_named_with_who_and_the_newest_one_offered(db):
    at, store, scenario = _page_then_bek_saves(db)
    at.run()  # this page still works from version 1: it says who saved version 2, and saves nothing
    assert not at.exception, at.exception
    (info,) = [i.value for i in at.info if "bek" in i.value]
    assert "теперь версия 2" in info and "вы видите версию 1" in info
    at.button(key="scen_show_newest").click().run()
    assert not [i for i in at.info if "bek" in i.value]
    assert "Версия 2, служб: 2." in [c.value for c in at.caption]
    assert store.load(scenario.scenario_id).version == 2
