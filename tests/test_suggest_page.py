"""The suggest page in AppTest: a planner suggests a site on the tiny region and saves it as a scenario."""

from __future__ import annotations

import pytest
from conftest import DEFAULT_REGION, PROJECT, TINY, signed_in_app
from streamlit.testing.v1 import AppTest

from planning.i18n import t
from planning.siting import DEMAND_MODES
from planning.store.scenarios import ScenarioStore


def _page(monkeypatch, tmp_path, region, role="planner") -> AppTest:
    monkeypatch.setenv("QORGAU_REGION", str(region))
    monkeypatch.setenv("QORGAU_SCENARIO_DB", str(tmp_path / "scenarios.sqlite"))
    monkeypatch.chdir(PROJECT)
    return signed_in_app("pages/suggest.py", role=role)


def _by_label(elements, label):
    return next(e for e in elements if e.label == label)


def _run(at: AppTest, lang: str = "ru") -> AppTest:
    _by_label(at.button, t("suggest.run", lang)).click().run()
    assert not at.exception, at.exception
    return at


def test_planner_suggests_beta_and_saves_it_as_a_scenario(monkeypatch, tmp_path):
    at = _page(monkeypatch, tmp_path, TINY)
    # every demand choice is documented where it is made
    assert {r.value for r in at.radio if r.label == t("suggest.demand", "ru")} == {"population"}
    assert t("suggest.demand_help.population", "ru") in [c.value for c in at.caption]
    _by_label(at.number_input, t("suggest.min_population", "ru")).set_value(500).run()
    _by_label(at.number_input, t("suggest.minutes", "ru")).set_value(30).run()  # within 60 every place is reached
    _by_label(at.number_input, t("suggest.add", "ru")).set_value(3).run()
    _run(at)
    table = at.dataframe[0].value
    # Gamma's and Delta's unknown populations are estimated (6,400 each: never 0), so they come first, then Beta's 800
    assert list(table[t("suggest.col.name", "ru")]) == ["Гамма", "Дельта", "Бета"]
    assert "<5" in list(table[t("suggest.col.gain_incidents", "ru", minutes=30.0)])  # 2 incidents, suppressed
    assert any("лучшее возможное размещение" in s.value for s in at.success)  # quick vs the exact calculation

    # the base is the baseline (read-only): the picks can only go into a new scenario
    assert t("suggest_add.baseline", "ru", name="Действующие службы региона") in [c.value for c in at.caption]
    assert not [b for b in at.button if b.key == "suggest_add"]
    _by_label(at.button, t("suggest_add.copy_new", "ru", name="Действующие службы региона")).click().run()
    assert not at.exception, at.exception
    assert at.success and "Сохранён" in at.success[-1].value
    baseline, scenario = ScenarioStore(tmp_path / "scenarios.sqlite").list_scenarios("tiny")
    assert baseline.baseline and [s.service_id for s in baseline.sites] == ["a"] and baseline.version == 1
    assert [s.service_id for s in scenario.sites] == ["a", "suggested-01", "suggested-02", "suggested-03"]
    assert scenario.sites[3].name == "Предложено: Бета" and scenario.sites[3].lat == pytest.approx(42.6)


def _base_box(at: AppTest):
    return _by_label(at.selectbox, t("suggest.base", "ru"))


def test_the_baseline_is_listed_once_and_chosen_by_default(monkeypatch, tmp_path):
    at = _page(monkeypatch, tmp_path, TINY)
    box = _base_box(at)
    assert box.options == ["Действующие службы региона"] and box.value == 1  # the saved baseline, once
    store = ScenarioStore(tmp_path / "scenarios.sqlite")
    store.copy(1, "Plan B", author="tester")
    at.run()
    assert _base_box(at).options == ["Действующие службы региона", "Plan B"] and _base_box(at).value == 1


def test_one_suggested_site_is_added_to_the_scenario_being_edited_as_a_new_undoable_version(monkeypatch, tmp_path):
    from planning.scenarios import Site

    at = _page(monkeypatch, tmp_path, TINY)
    store = ScenarioStore(tmp_path / "scenarios.sqlite")
    plan = store.copy(1, "Plan B", author="tester")
    plan = store.save(
        plan.scenario_id, [*plan.sites, Site("x", "Far", "permanent", 42.2, 68.0)], author="tester", base_version=1
    )
    at.session_state["_sticky_scen_id"] = plan.scenario_id  # Plan B is open on the Scenarios page
    at.run()
    assert _base_box(at).value == plan.scenario_id
    _by_label(at.number_input, t("suggest.min_population", "ru")).set_value(0).run()
    _by_label(at.number_input, t("suggest.minutes", "ru")).set_value(30).run()
    _by_label(at.number_input, t("suggest.add", "ru")).set_value(1).run()
    _run(at)
    picks = at.dataframe[0].value[t("suggest.col.name", "ru")].tolist()
    assert picks == ["Гамма"]  # unknown populations are estimated (6,400), never 0: Gamma outweighs Beta
    chosen = next(m for m in at.multiselect if m.label == t("suggest_add.chosen", "ru"))
    assert chosen.value == [1]
    chosen.set_value([]).run()
    assert at.button(key="suggest_add").disabled  # nothing chosen, nothing to add
    chosen.set_value([1]).run()
    at.button(key="suggest_add").click().run()
    assert not at.exception, at.exception
    latest = store.load(plan.scenario_id)
    assert latest.version == plan.version + 1
    assert [s.name for s in latest.sites][:-1] == [s.name for s in plan.sites]
    assert latest.sites[-1].name == "Предложено: Гамма"
    assert store.history(plan.scenario_id)[-1].author == "tester"
    assert any("версия 3" in s.value for s in at.success)
    assert _by_label(at.button, t("suggest_add.save_new", "ru"))  # saving as a new scenario stays offered
    # a second click adds nothing twice
    at.button(key="suggest_add").click().run()
    assert store.load(plan.scenario_id).version == latest.version and at.info
    # undoable like any edit, and the baseline is untouched
    assert store.undo(plan.scenario_id, author="tester", base_version=latest.version).sites == plan.sites
    assert store.load(1).version == 1


def test_every_demand_mode_is_offered_with_incidents_and_explained(monkeypatch, tmp_path):
    at = _page(monkeypatch, tmp_path, TINY)
    demand = _by_label(at.radio, t("suggest.demand", "ru"))
    # need only where the region sets a rate (the tiny region sets none)
    assert list(demand.options) == [t(f"suggest.demand.{m}", "ru") for m in DEMAND_MODES if m != "need"]
    demand.set_value("blend").run()
    assert t("suggest.demand_help.blend", "ru") in [c.value for c in at.caption]
    assert any(s.label == t("suggest.incident_weight", "ru") for s in at.slider)


def test_presenter_sees_no_incident_gains_and_cannot_save(monkeypatch, tmp_path):
    at = _page(monkeypatch, tmp_path, TINY, role="presenter")
    _by_label(at.number_input, t("suggest.min_population", "ru")).set_value(500).run()
    _by_label(at.number_input, t("suggest.minutes", "ru")).set_value(30).run()  # within 60 every place is reached
    _run(at)
    assert t("suggest.col.gain_incidents", "ru", minutes=30.0) not in at.dataframe[0].value.columns
    assert t("suggest.save_needs_edit", "ru") in [i.value for i in at.info]
    assert not [b for b in at.button if b.label == t("suggest.save", "ru")]


def test_exact_set_cover_on_the_default_region_in_english(monkeypatch, tmp_path):
    at = _page(monkeypatch, tmp_path, DEFAULT_REGION)
    at.session_state["lang"] = "en"
    at.run()
    _by_label(at.radio, t("suggest.model", "en")).set_value("lscp").run()
    _by_label(at.radio, t("suggest.method", "en")).set_value("exact").run()
    _run(at, "en")
    assert t("suggest.optimal", "en") in [m.value for m in at.markdown]
    assert len(at.dataframe[0].value) >= 1
    assert any("no site reaches" in e.label for e in at.expander)


def test_the_robust_choice_is_shown_beside_the_central_one_and_saved(monkeypatch, tmp_path):
    """T = 60, K = 1: Beta is the central choice and chosen in most draws; Gamma, whose population is an estimate with
    a range, covers more on average over the draws (tests/test_robust.py works the same case)."""
    at = _page(monkeypatch, tmp_path, TINY)
    assert _by_label(at.checkbox, t("suggest_robust.enable", "ru", count=200)).value  # offered with maximal coverage
    _by_label(at.number_input, t("suggest.min_population", "ru")).set_value(0).run()
    _by_label(at.number_input, t("suggest.minutes", "ru")).set_value(60).run()
    _by_label(at.number_input, t("suggest.add", "ru")).set_value(1).run()
    _run(at)
    central = at.dataframe[0].value
    assert list(central[t("suggest.col.name", "ru")]) == ["Бета"]
    assert list(central[t("suggest_robust.col.draws", "ru")]) == ["выбрано в 156 из 200 выборок"]
    assert t("suggest_robust.title", "ru") in [h.value for h in at.subheader]
    robust = at.dataframe[1].value
    assert list(robust[t("suggest.col.name", "ru")]) == ["Бета", "Гамма"]
    assert list(robust[t("suggest_robust.col.draws", "ru")]) == [
        "выбрано в 156 из 200 выборок",
        "выбрано в 44 из 200 выборок",
    ]
    assert list(robust[t("suggest_robust.col.robust", "ru")]) == ["", "✓"]
    assert t("suggest_robust.differs", "ru") in [i.value for i in at.info]
    central_mean, robust_mean = (
        float(m.value.replace("\u00a0", "").replace(" ", "").replace(",", ".")) for m in at.metric
    )
    assert robust_mean > central_mean
    _by_label(at.radio, t("suggest_robust.which", "ru")).set_value("robust").run()
    chosen = next(m for m in at.multiselect if m.label == t("suggest_add.chosen", "ru"))
    assert chosen.options == ["1. Гамма"] and chosen.value == [1]
    name = _by_label(at.text_input, t("suggest.save_name", "ru"))
    assert name.value == "Действующие службы региона + 1 устойчивое место"
    _by_label(at.button, t("suggest_add.copy_new", "ru", name="Действующие службы региона")).click().run()
    assert not at.exception, at.exception
    saved = ScenarioStore(tmp_path / "scenarios.sqlite").list_scenarios("tiny")[-1]
    assert [s.name for s in saved.sites][1:] == ["Предложено: Гамма"]


def test_the_draw_counts_read_in_kazakh(monkeypatch, tmp_path):
    at = _page(monkeypatch, tmp_path, TINY)
    at.session_state["lang"] = "kk"
    at.run()
    _by_label(at.number_input, t("suggest.min_population", "kk")).set_value(0).run()
    _by_label(at.number_input, t("suggest.minutes", "kk")).set_value(60).run()
    _by_label(at.number_input, t("suggest.add", "kk")).set_value(1).run()
    _run(at, "kk")
    assert list(at.dataframe[0].value[t("suggest_robust.col.draws", "kk")]) == ["200 таңдаудан 156 рет таңдалды"]


def test_the_robust_choice_is_not_offered_for_other_models(monkeypatch, tmp_path):
    at = _page(monkeypatch, tmp_path, TINY)
    _by_label(at.radio, t("suggest.model", "ru")).set_value("pmedian").run()
    assert _by_label(at.checkbox, t("suggest_robust.enable", "ru", count=200)).disabled
    assert t("suggest_robust.only_mclp", "ru") in [c.value for c in at.caption]
    _run(at)
    assert t("suggest_robust.title", "ru") not in [h.value for h in at.subheader]
