"""Presentation mode and the reports page in AppTest, signed in through the session state."""

from __future__ import annotations

import pytest
from conftest import DEFAULT_REGION, PROJECT, sign_in_session
from streamlit.testing.v1 import AppTest

from geo.region import load_region
from planning.scenarios import sites_from_services
from planning.store.scenarios import ScenarioStore


@pytest.fixture
def app(monkeypatch, tmp_path):
    def make(role: str, page: str) -> AppTest:
        monkeypatch.setenv("QORGAU_REGION", str(DEFAULT_REGION))
        monkeypatch.setenv("QORGAU_SCENARIO_DB", str(tmp_path / "scenarios.sqlite"))
        monkeypatch.chdir(PROJECT)
        region = load_region(DEFAULT_REGION)
        ScenarioStore(tmp_path / "scenarios.sqlite").create(
            "Две службы", region.region_id, sites_from_services(region.services)[:2], author="t"
        )
        at = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=120)
        sign_in_session(at, "tester", role)
        at.run()
        at.switch_page(page).run()
        assert not at.exception, at.exception
        return at

    return make


def _metrics(at: AppTest) -> dict:
    return {m.label: m.value for m in at.metric}


def _central(text: str) -> int:
    """The figure before its range: "163 (138–274)" -> 163."""
    return int(text.split("(")[0].replace("\u00a0", "").replace(" ", ""))


def test_presenter_steps_through_the_scenarios(app):
    at = app("presenter", "pages/present.py")
    assert len(at.metric) == 3  # share of the demand within 30 minutes, settlements and demand beyond 60, ranged
    assert {"Население в пределах 30 мин", "Населённых пунктов дальше 60 мин"} <= set(_metrics(at))
    assert not at.text_input and not at.number_input and not at.file_uploader  # no editing controls
    first = _metrics(at)
    assert at.button[0].disabled  # Previous, on the first step
    # the default's services.csv is its baseline: shown once, under its name, then the saved scenario
    assert "Базовый (пилот 2017 г.): служба в каждом районном центре" in " ".join(m.value for m in at.markdown)
    at.button[1].click().run()  # Next
    assert not at.exception, at.exception
    last = _metrics(at)
    assert "2 из 2" in " ".join(m.value for m in at.markdown) and "Две службы" in " ".join(m.value for m in at.markdown)
    assert at.button[1].disabled
    beyond = "Населённых пунктов дальше 60 мин"
    assert last != first and _central(last[beyond]) > _central(first[beyond])
    at.button[0].click().run()  # back to the baseline
    assert _metrics(at) == first


def test_the_language_switch_is_on_the_slide(app):
    at = app("presenter", "pages/present.py")
    switch = at.button_group(key="present_lang")
    assert switch.value == "ru"
    switch.set_value("kk").run()
    assert not at.exception, at.exception
    assert at.session_state["lang"] == "kk"
    assert "30 мин ішіндегі халық" in _metrics(at)  # the figures follow at once
    assert at.button_group(key="present_lang").value == "kk"


def test_a_new_session_starts_in_the_language_of_its_url(monkeypatch, tmp_path):
    monkeypatch.setenv("QORGAU_REGION", str(DEFAULT_REGION))
    monkeypatch.setenv("QORGAU_SCENARIO_DB", str(tmp_path / "scenarios.sqlite"))
    monkeypatch.chdir(PROJECT)
    at = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=120)
    at.query_params["lang"] = "kk"
    at.run()
    assert at.session_state["lang"] == "kk" and at.sidebar.selectbox(key="lang_choice").value == "kk"
    other = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=120)
    other.query_params["lang"] = "xx"  # not a language of the app: the default
    other.run()
    assert other.session_state["lang"] == "ru" and other.query_params["lang"] == "ru"


def test_reports_page_prepares_every_download(app):
    at = app("planner", "pages/reports.py")
    at.button[0].click().run()
    assert not at.exception, at.exception
    assert "_report_files" in at.session_state
    files = at.session_state["_report_files"][1]
    assert {"region_pdf", "png", "html", "csv", "xlsx", "bands", "gaps"} <= set(files)
    assert all(callable(build) for build, _, _ in files.values())  # nothing built before its button is clicked
    assert files["region_pdf"][0]()[:5] == b"%PDF-"


def test_admin_has_no_reports_page(app):
    with pytest.raises(ValueError, match="reports.py"):  # the navigation does not list it for this role
        app("admin", "pages/reports.py")
