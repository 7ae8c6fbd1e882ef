"""The upload page (planners) in AppTest on the tiny region: stored counts replace the folder's for the session,
a rejected upload changes nothing and says so."""

from __future__ import annotations

import pytest
from conftest import PROJECT, sign_in_session
from streamlit.testing.v1 import AppTest
from test_signin import texts

from planning.store import access
from planning.store.intake import IncidentStore

APP = str(PROJECT / "app.py")
COUNTS = b"settlement,period,count\ns1,2024,9\ns3,2024,6\ns2,2024-H1,4\n"


@pytest.fixture
def planner_app(tiny_region, tmp_path, monkeypatch):
    monkeypatch.setenv("QORGAU_SCENARIO_DB", str(tmp_path / "qorgau.sqlite"))
    monkeypatch.setenv("QORGAU_REGION", str(tiny_region))
    monkeypatch.chdir(PROJECT)
    at = AppTest.from_file(APP, default_timeout=120)
    sign_in_session(at, "pat", "planner")
    at.run()
    at.switch_page("pages/upload.py").run()
    assert not at.exception, at.exception
    return at


def upload(at: AppTest, name: str, data: bytes, mode: str = "replace") -> AppTest:
    at.file_uploader[0].upload(name, data, "text/csv")
    at.radio[0].set_value(mode)
    at.button[0].click().run()
    assert not at.exception, at.exception
    return at


def test_the_folders_incidents_until_something_is_uploaded(planner_app):
    assert "ещё ничего не загружено" in texts(planner_app)
    assert set(planner_app.session_state["_region"].incidents["period"]) == {"2023-H1", "2023"}


def test_an_accepted_upload_is_stored_and_used_by_every_page_of_the_session(planner_app, tmp_path):
    at = upload(planner_app, "extract.csv", COUNTS)
    assert "Сохранено записей: 3" in at.success[0].value
    assert "в базе для этого региона: периоды 2024." in texts(at)  # the periods a filter may offer
    stored = IncidentStore(tmp_path / "qorgau.sqlite").counts("tiny")
    assert sorted(stored["count"]) == [4, 6, 9]
    at.switch_page("pages/home.py").run()
    incidents = at.session_state["_region"].incidents
    assert sorted(incidents["count"]) == [4, 6, 9] and not incidents["synthetic"].any()
    log = access.entries(access.AccessStore(tmp_path / "qorgau.sqlite"), user="pat")
    assert log[0].action == "upload incidents (replace)" and "extract" not in log[0].object  # no file name kept


def test_a_rejected_upload_changes_nothing_and_says_so(planner_app, tmp_path):
    upload(planner_app, "extract.csv", COUNTS)
    at = upload(planner_app, "next.csv", b"settlement,period,count\ns1,2025,5 cases\n")
    assert "ничего не изменено" in at.error[0].value
    assert "5 cases" in at.code[0].value or "count" in at.code[0].value  # the problem, with its line
    assert "в базе для этого региона: периоды 2024." in texts(at)  # what was stored before is still there
    assert sorted(IncidentStore(tmp_path / "qorgau.sqlite").counts("tiny")["count"]) == [4, 6, 9]


def test_append_refuses_a_period_that_is_already_stored(planner_app, tmp_path):
    upload(planner_app, "extract.csv", COUNTS)
    at = upload(planner_app, "again.csv", b"settlement,period,count\ns4,2024,7\n", mode="append")
    assert at.error and "2024" in at.code[0].value
    at = upload(at, "more.csv", b"settlement,period,count\ns4,2025,7\n", mode="append")
    assert at.success and "в базе для этого региона: периоды 2025, 2024." in texts(at)


def test_points_are_stored_as_counts_only(planner_app, tmp_path):
    at = upload(planner_app, "points.csv", b"date,lat,lon\n2024-02-01,42.51,68.21\n2024-03-01,42.52,68.22\n")
    assert at.success, texts(at)
    stored = IncidentStore(tmp_path / "qorgau.sqlite").counts("tiny")
    assert list(stored.columns) == ["settlement_id", "district_id", "period", "count", "synthetic"]
    assert stored["count"].sum() == 2
