"""The mobile teams page in AppTest: a planner builds circuits on the tiny region and saves them with a scenario; a
presenter sees the saved plan and cannot edit the teams."""

from __future__ import annotations

from conftest import PROJECT, TINY, signed_in_app
from streamlit.testing.v1 import AppTest

from planning.i18n import t
from planning.store.scenarios import ScenarioStore


def _page(monkeypatch, tmp_path, role="planner") -> AppTest:
    monkeypatch.setenv("QORGAU_REGION", str(TINY))
    monkeypatch.setenv("QORGAU_SCENARIO_DB", str(tmp_path / "scenarios.sqlite"))
    monkeypatch.chdir(PROJECT)
    return signed_in_app("pages/teams.py", role=role)


def _by_label(elements, label):
    return next(e for e in elements if e.label == label)


def test_planner_builds_and_saves_circuits_presenter_sees_them(monkeypatch, tmp_path):
    at = _page(monkeypatch, tmp_path)
    assert not at.exception, at.exception
    store = ScenarioStore(tmp_path / "scenarios.sqlite")
    (baseline,) = store.list_scenarios("tiny")
    copy = store.copy(baseline.scenario_id, "With teams", author="planner")
    at.run()
    _by_label(at.selectbox, t("circuits.scenario", "ru")).set_value(copy.scenario_id).run()
    _by_label(at.number_input, t("circuits.minutes", "ru")).set_value(5).run()  # every place beyond 5 minutes
    _by_label(at.button, t("circuits.run", "ru")).click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert t("circuits.schedule", "ru") in [h.value for h in at.subheader]
    _by_label(at.button, t("circuits.save", "ru")).click().run()
    assert not at.exception, at.exception
    saved = store.load(copy.scenario_id)
    assert saved.version == 2 and saved.circuits is not None and saved.circuits["teams"]
    assert saved.circuits["settings"]["minutes"] == 5.0

    viewer = _page(monkeypatch, tmp_path, role="presenter")
    viewer.run()
    _by_label(viewer.selectbox, t("circuits.scenario", "ru")).set_value(copy.scenario_id).run()
    assert not viewer.exception, viewer.exception
    assert t("circuits.showing_saved", "ru", version=2) in [i.value for i in viewer.info]
    assert not [b for b in viewer.button if b.label == t("circuits.save", "ru")]


def test_the_baseline_offers_no_save_but_says_how(monkeypatch, tmp_path):
    at = _page(monkeypatch, tmp_path)
    at.run()
    _by_label(at.button, t("circuits.run", "ru")).click().run()  # the default team at the baseline's service
    assert not at.exception, at.exception
    assert not [b for b in at.button if b.label == t("circuits.save", "ru")]
    assert t("circuits.baseline_read_only", "ru") in [c.value for c in at.caption]


def test_a_villages_people_on_the_teams_page_are_the_regions_estimate(monkeypatch, tmp_path):
    """Gamma's population is unknown: the plan counts it with planning.estimates' estimate (as the Map does), with
    its range, flagged as estimated."""
    from geo.region import load_region
    from planning.estimates import people, people_range

    at = _page(monkeypatch, tmp_path)
    at.run()
    _by_label(at.number_input, t("circuits.minutes", "ru")).set_value(5).run()  # every place beyond 5 minutes
    _by_label(at.button, t("circuits.run", "ru")).click().run()
    assert not at.exception, at.exception
    _, report, _ = at.session_state["teams_result"]  # pages.teams.RESULT_KEY (importing a page runs it)
    stops = {s["settlement_id"]: s for team in report["teams"] for day in team["days"] for s in day["stops"]}
    settlements = load_region(TINY).settlements
    row = list(settlements["settlement_id"].astype(str)).index("s3")
    _, low, high = people_range(settlements)
    gamma = stops["s3"]
    assert gamma["population"] == people(settlements)[row] == 6400.0 and gamma["population_estimated"]
    assert (gamma["population_low"], gamma["population_high"]) == (low[row], high[row])
    assert report["figures"]["population_fill"] == "estimate"
