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
    _by_label(at.number_input, t("suggest.add", "ru")).set_value(1).run()
    _run(at)
    table = at.dataframe[0].value
    assert list(table[t("suggest.col.name", "ru")]) == ["Бета"]
    assert "<5" in list(table[t("suggest.col.gain_incidents", "ru", minutes=30.0)])  # 2 incidents, suppressed
    assert any("лучшее возможное размещение" in s.value for s in at.success)  # quick vs the exact calculation

    _by_label(at.button, t("suggest.save", "ru")).click().run()
    assert not at.exception, at.exception
    assert at.success and "Сохранён" in at.success[-1].value
    [scenario] = ScenarioStore(tmp_path / "scenarios.sqlite").list_scenarios("tiny")
    assert [s.service_id for s in scenario.sites] == ["a", "suggested-01"]
    assert scenario.sites[1].name == "Предложено: Бета" and scenario.sites[1].lat == pytest.approx(42.6)


def test_every_demand_mode_is_offered_with_incidents_and_explained(monkeypatch, tmp_path):
    at = _page(monkeypatch, tmp_path, TINY)
    demand = _by_label(at.radio, t("suggest.demand", "ru"))
    assert list(demand.options) == [t(f"suggest.demand.{m}", "ru") for m in DEMAND_MODES]
    demand.set_value("blend").run()
    assert t("suggest.demand_help.blend", "ru") in [c.value for c in at.caption]
    assert any(s.label == t("suggest.incident_weight", "ru") for s in at.slider)


def test_presenter_sees_no_incident_gains_and_cannot_save(monkeypatch, tmp_path):
    at = _page(monkeypatch, tmp_path, TINY, role="presenter")
    _by_label(at.number_input, t("suggest.min_population", "ru")).set_value(500).run()
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
