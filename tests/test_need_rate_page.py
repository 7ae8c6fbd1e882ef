"""The Need page in Streamlit's AppTest: where no rate is set it says so and the form comes first; a planner sets the
rate (stored, audited) and removes it; the hidden-need table then shows per district the released cell and the
ratio only where that cell is a number; a presenter sees the page but no form."""

from __future__ import annotations

import re

import pytest
from conftest import PROJECT, TINY, sign_in_session, signed_in_app

from planning.i18n import t
from planning.store import access
from planning.store.need import REMOVE_ACTION, SET_ACTION, stored_rate

PAGE = "pages/need.py"


@pytest.fixture(autouse=True)
def _isolated(monkeypatch, tmp_path):
    monkeypatch.setenv("QORGAU_SCENARIO_DB", str(tmp_path / "qorgau.sqlite"))
    monkeypatch.setenv("QORGAU_REGION", str(TINY))
    monkeypatch.setenv("QORGAU_SMALL_COUNT_K", "5")
    monkeypatch.chdir(PROJECT)


def _texts(elements) -> str:
    return "\n".join(re.sub(r"\\(.)", r"\1", str(e.value)) for e in elements)


def _set(at, lang, *, rate, low=None, high=None, source):
    inputs = {n.label: n for n in at.number_input}
    inputs[t("needpage.per_1000", lang)].set_value(rate)
    if low is not None:
        inputs[t("needpage.low", lang)].set_value(low)
    if high is not None:
        inputs[t("needpage.high", lang)].set_value(high)
    at.text_area[0].input(source)
    next(b for b in at.button if b.label == t("needpage.save", lang)).click().run()


def _app(lang: str, role: str):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=120)
    sign_in_session(at, "tester", role)
    at.session_state["lang"] = lang
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_a_planner_sets_and_removes_the_rate(lang):
    at = _app(lang, "planner")
    assert t("needpage.no_rate", lang) in _texts(at.info)
    assert not at.dataframe  # no table and no map without a rate: the form first
    assert stored_rate("tiny") is None
    _set(at, lang, rate=10.0, low=6.0, high=12.0, source="test-only source, not a published figure")
    assert not at.exception, at.exception
    stored = stored_rate("tiny")
    assert (stored.per_1000, stored.low, stored.high, stored.updated_by) == (10.0, 6.0, 12.0, "tester")
    entry = access.entries(access.AccessStore(), limit=1)[0]
    assert (entry.user, entry.action) == ("tester", SET_ACTION)
    assert t("needpage.saved", lang) in _texts(at.success)
    # the rate in use is stated with who set it; the table shows the released cells
    assert "test-only source" in _texts(at.caption)
    table = at.dataframe[0].value
    reported = table[t("hidden.col.reported", lang)].tolist()
    ratios = table[t("hidden.col.ratio", lang)].tolist()
    for cell, ratio in zip(reported, ratios):
        assert str(cell).startswith("<") == (ratio == "—") or cell == "0"
    next(b for b in at.button if b.label == t("needpage.remove", lang)).click().run()
    assert not at.exception, at.exception
    assert stored_rate("tiny") is None
    assert access.entries(access.AccessStore(), limit=1)[0].action == REMOVE_ACTION
    assert t("needpage.no_rate", lang) in _texts(at.info)


def test_a_bad_rate_is_refused_naming_the_field(monkeypatch):
    at = signed_in_app(PAGE, role="admin")  # admins may set it too
    _set(at, "ru", rate=10.0, low=11.0, source="test-only")
    assert stored_rate("tiny") is None
    assert t("needpage.low", "ru") in _texts(at.error)
    at.text_area[0].input("   ")
    next(b for b in at.button if b.label == t("needpage.save", "ru")).click().run()
    assert stored_rate("tiny") is None and t("needpage.source", "ru") in _texts(at.error)


def test_a_presenter_sees_the_rate_but_no_form():
    from geo.region import load_region
    from planning.store.need import save_rate

    save_rate(load_region(TINY), {"per_1000": 10, "source": "test-only"}, user="p")
    at = signed_in_app(PAGE, role="presenter")
    assert not at.exception, at.exception
    assert not any(b.label == t("needpage.save", "ru") for b in at.button)
    assert not at.number_input
    assert at.dataframe  # the hidden-need table (districts, released cells)
    assert t("needpage.ask_planner", "ru") in _texts(at.caption)


def test_a_rate_set_in_another_session_is_read_on_the_next_run():
    from geo.region import load_region
    from planning.store.need import save_rate

    at = _app("ru", "planner")
    assert t("needpage.no_rate", "ru") in _texts(at.info)
    save_rate(load_region(TINY), {"per_1000": 3, "source": "test-only elsewhere"}, user="other")
    at.run()
    assert not at.exception, at.exception
    assert "test-only elsewhere" in _texts(at.caption) and at.dataframe


def test_a_rate_per_women_where_the_region_gives_their_share(monkeypatch, tmp_path):
    import json
    import shutil

    folder = tmp_path / "tiny"
    shutil.copytree(TINY, folder)
    meta = json.loads((folder / "region.json").read_text())
    (folder / "region.json").write_text(json.dumps({**meta, "women_18_75_share": 0.25}))
    monkeypatch.setenv("QORGAU_REGION", str(folder))
    at = _app("ru", "planner")
    basis = at.radio[0]
    assert basis.options[0] == t("needpage.basis.residents", "ru") and "0,25" in basis.options[1]
    basis.set_value("women_18_75")
    inputs = {n.label: n for n in at.number_input}
    inputs[t("needpage.per_1000_basis", "ru")].set_value(40.0)
    at.text_area[0].input("test-only per women")
    next(b for b in at.button if b.label == t("needpage.save", "ru")).click().run()
    assert not at.exception, at.exception
    assert stored_rate("tiny").basis == "women_18_75"
    assert "Показатель: 10 на 1" in _texts(at.caption)  # 40 per 1,000 women x 0.25 = 10 per 1,000 residents
