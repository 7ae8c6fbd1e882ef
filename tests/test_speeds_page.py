"""The speeds table of the Roads page in Streamlit's AppTest: a planner edits and saves it to the region's
speeds.csv (travel times then use it, on every page), a bad edit or a folder that may not be written changes
nothing, other roles see it read-only."""

from __future__ import annotations

import os
import re
import shutil

import pytest
from conftest import DATA, DEFAULT_REGION, PROJECT, SHARED_TURKISTAN, TINY, needs_shared, signed_in_app

from geo.region import load_region
from geo.speeds import KAZAKHSTAN_SPEEDS_KMH
from planning.i18n import t
from planning.render import webmap

EDITOR = "speeds_editor"
ROW = {name: i for i, name in enumerate(KAZAKHSTAN_SPEEDS_KMH)}  # the editor's rows, in the built-in order


@pytest.fixture(autouse=True)
def _isolated(monkeypatch, tmp_path):
    monkeypatch.setenv("QORGAU_SCENARIO_DB", str(tmp_path / "qorgau.sqlite"))
    monkeypatch.chdir(PROJECT)


@pytest.fixture
def tiny_roads(tmp_path):
    """The tiny region with hand-made roads through its settlements (see tests/test_cli_speeds.py)."""
    target = tmp_path / "tiny"
    shutil.copytree(TINY, target)
    shutil.copy(DATA / "speeds" / "tiny_roads.osm", target / "roads.osm")
    return target


def _app(monkeypatch, region, role="planner", page="pages/roads.py"):
    monkeypatch.setenv("QORGAU_REGION", str(region))
    return signed_in_app(page, role=role)


def _texts(elements) -> str:
    """The elements' texts as the reader sees them (file names and paths are Markdown-escaped on the page)."""
    return "\n".join(re.sub(r"\\(.)", r"\1", str(e.value)) for e in elements)


def _edit(at, **cells):
    """Seed the editor's edit state as the browser sends it: {row: {column: value}}."""
    at.session_state[EDITOR] = {
        "edited_rows": {ROW[name]: change for name, change in cells.items()},
        "added_rows": [],
        "deleted_rows": [],
    }


def test_a_planner_edits_and_saves_the_speeds_and_travel_times_follow(monkeypatch, tiny_roads):
    calls = []
    real = webmap.region_map
    monkeypatch.setattr(webmap, "region_map", lambda region, **kw: calls.append(kw) or real(region, **kw))
    at = _app(monkeypatch, tiny_roads)
    assert "Сейчас действуют: встроенные скорости для Казахстана." in _texts(at.caption)
    table = at.data_editor(key=EDITOR).value
    assert list(table["highway"]) == list(KAZAKHSTAN_SPEEDS_KMH) and table["use_maxspeed"].all()
    _edit(at, primary={"speed_kmh": 20}, tertiary={"use_maxspeed": False})
    at.run()
    at.button(key="speeds_save").click().run()
    assert not at.exception, at.exception
    saved = (tiny_roads / "speeds.csv").read_text(encoding="utf-8").splitlines()
    assert saved[0] == "highway,speed_kmh,use_maxspeed" and "primary,20,yes" in saved and "tertiary,50,no" in saved
    assert len(saved) == 1 + len(KAZAKHSTAN_SPEEDS_KMH)
    assert f"Скорости сохранены в {tiny_roads.resolve() / 'speeds.csv'}" in _texts(at.success)
    captions = _texts(at.caption)
    assert "Сейчас действуют: скорости из speeds.csv региона." in captions
    assert (
        f"{t('road_class.primary', 'ru')} 20" in captions and "ограничения maxspeed учтены, кроме: tertiary" in captions
    )
    assert at.data_editor(key=EDITOR).value.set_index("highway").loc["primary", "speed_kmh"] == 20
    # the map page computes with the saved speeds: Beta (s2) is 4 × further than at 80 km/h
    at.switch_page("pages/map.py").run()
    assert not at.exception, at.exception
    beta = list(calls[-1]["settlement_minutes"])[1]
    assert beta == pytest.approx(4 * 14.85, abs=0.05)
    assert "скорости из speeds.csv региона" in calls[-1]["method_description"]


def test_a_bad_edit_shows_the_problem_and_changes_nothing(monkeypatch, tiny_roads):
    (tiny_roads / "speeds.csv").write_text("highway,speed_kmh\nprimary,70\n", encoding="utf-8")
    before = (tiny_roads / "speeds.csv").read_bytes()
    at = _app(monkeypatch, tiny_roads)
    assert "Сейчас действуют: скорости из speeds.csv региона." in _texts(at.caption)
    _edit(at, primary={"speed_kmh": 0}, track={"speed_kmh": None}, service={"speed_kmh": 900})
    at.run()
    at.button(key="speeds_save").click().run()
    assert not at.exception, at.exception
    assert "Скорости не сохранены, ничего не изменилось:" in _texts(at.error)
    problems = _texts(at.code)
    assert "speeds.csv: строка 6: столбец «speed_kmh»: скорости ноль или меньше (классы: primary)." in problems
    assert "скорости пусты или не числа (классы: track)" in problems
    assert "скорости вне 1–200 км/ч (классы: service)" in problems
    assert (tiny_roads / "speeds.csv").read_bytes() == before
    assert not at.success and f"{t('road_class.primary', 'ru')} 70" in _texts(
        at.caption
    )  # still the saved speeds in use


def test_the_bundled_region_is_not_written(monkeypatch):
    at = _app(monkeypatch, DEFAULT_REGION)
    _edit(at, primary={"speed_kmh": 70})
    at.run()
    at.button(key="speeds_save").click().run()
    assert "Встроенный регион (data/default) изменять нельзя" in _texts(at.error)
    assert not (DEFAULT_REGION / "speeds.csv").exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write into a read-only folder")
def test_a_read_only_folder_gives_a_clear_message(monkeypatch, tiny_roads):
    tiny_roads.chmod(0o555)
    try:
        at = _app(monkeypatch, tiny_roads)
        _edit(at, primary={"speed_kmh": 70})
        at.run()
        at.button(key="speeds_save").click().run()
        assert "только для чтения" in _texts(at.error)
        assert not (tiny_roads / "speeds.csv").exists()
    finally:
        tiny_roads.chmod(0o755)


def test_restoring_the_built_in_speeds_removes_the_file(monkeypatch, tiny_roads):
    (tiny_roads / "speeds.csv").write_text("highway,speed_kmh\nprimary,70\n", encoding="utf-8")
    at = _app(monkeypatch, tiny_roads)
    at.button(key="speeds_reset").click().run()
    assert not at.exception, at.exception
    assert not (tiny_roads / "speeds.csv").exists()
    assert "Сейчас действуют: встроенные скорости для Казахстана." in _texts(at.caption)
    assert not [b for b in at.button if b.key == "speeds_reset"]


@pytest.mark.parametrize("role", ["presenter", "admin"])
def test_other_roles_see_the_speeds_read_only(monkeypatch, tiny_roads, role):
    (tiny_roads / "speeds.csv").write_text("highway,speed_kmh\nprimary,70\n", encoding="utf-8")
    at = _app(monkeypatch, tiny_roads, role=role)
    assert not at.data_editor
    shown = next(d for d in at.dataframe if "highway" in d.value.columns).value.set_index("highway")
    assert shown.loc["primary", "speed_kmh"] == 70
    assert shown.loc["primary", "road"] == t("road_class.primary", "ru") != "primary"  # the tag, named in Russian
    assert "ваша роль может их только просматривать" in _texts(at.caption)
    assert not [b for b in at.button if b.key in ("speeds_save", "speeds_reset")]


@needs_shared
def test_a_planner_saves_speeds_for_the_real_region(monkeypatch, tmp_path):
    folder = tmp_path / "turkistan"
    shutil.copytree(SHARED_TURKISTAN, folder)
    at = _app(monkeypatch, folder)
    _edit(at, trunk={"speed_kmh": 85}, track={"use_maxspeed": False})
    at.run()
    at.button(key="speeds_save").click().run()
    assert not at.exception, at.exception
    assert load_region(folder).speed_profile.speeds_kmh["trunk"] == 85.0
    assert f"{t('road_class.trunk', 'ru')} 85" in _texts(at.markdown) and "кроме: track" in _texts(at.markdown)
    assert "Сейчас действуют: скорости из speeds.csv региона." in _texts(at.caption)
