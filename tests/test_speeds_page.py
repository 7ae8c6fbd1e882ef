"""The speeds table of the Roads page in Streamlit's AppTest: a planner edits and saves it for the region in the
deployment's database (travel times then use it, on every page; the region folder, the bundled one included, is
not written), a bad edit changes nothing, restoring brings the folder's speeds back, other roles see it read-only."""

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
from planning.store.settings import RegionSettingsStore

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


def _stored(region) -> dict | None:
    setting = RegionSettingsStore(os.environ["QORGAU_SCENARIO_DB"]).get(load_region(region).region_id, "speeds")
    return None if setting is None else {row["highway"]: row for row in setting.value["rows"]}


STORED = "Сейчас действуют: скорости, заданные для региона на странице «Дороги»."


def test_a_planner_edits_and_saves_the_speeds_and_travel_times_follow(monkeypatch, tiny_roads):
    calls = []
    real = webmap.region_overlay  # the map page's overlay: drawn on every run, with the whole map's arguments
    monkeypatch.setattr(webmap, "region_overlay", lambda region, **kw: calls.append(kw) or real(region, **kw))
    at = _app(monkeypatch, tiny_roads)
    assert "Сейчас действуют: встроенные скорости для Казахстана." in _texts(at.caption)
    table = at.data_editor(key=EDITOR).value
    assert list(table["highway"]) == list(KAZAKHSTAN_SPEEDS_KMH) and table["use_maxspeed"].all()
    _edit(at, primary={"speed_kmh": 20}, tertiary={"use_maxspeed": False})
    at.run()
    at.button(key="speeds_save").click().run()
    assert not at.exception, at.exception
    assert not (tiny_roads / "speeds.csv").exists()  # stored in the deployment's data, not in the folder
    saved = _stored(tiny_roads)
    assert saved["primary"]["speed_kmh"] == 20 and saved["tertiary"]["use_maxspeed"] is False
    assert len(saved) == len(KAZAKHSTAN_SPEEDS_KMH)
    assert "Скорости сохранены для этого региона" in _texts(at.success)
    captions = _texts(at.caption)
    assert STORED in captions
    assert (
        f"{t('road_class.primary', 'ru')} 20" in captions and "ограничения maxspeed учтены, кроме: tertiary" in captions
    )
    assert at.data_editor(key=EDITOR).value.set_index("highway").loc["primary", "speed_kmh"] == 20
    # the map page computes with the saved speeds: Beta (s2) is 4 × further than at 80 km/h
    at.switch_page("pages/map.py").run()
    assert not at.exception, at.exception
    beta = list(calls[-1]["settlement_minutes"])[1]
    assert beta == pytest.approx(4 * 14.85, abs=0.05)
    assert "скорости, заданные для региона" in calls[-1]["method_description"]


def test_a_bad_edit_shows_the_problem_and_changes_nothing(monkeypatch, tiny_roads):
    (tiny_roads / "speeds.csv").write_text("highway,speed_kmh\nprimary,70\n", encoding="utf-8")
    at = _app(monkeypatch, tiny_roads)
    assert "Сейчас действуют: скорости из speeds.csv региона." in _texts(at.caption)
    _edit(at, primary={"speed_kmh": 0}, track={"speed_kmh": None}, service={"speed_kmh": 900})
    at.run()
    at.button(key="speeds_save").click().run()
    assert not at.exception, at.exception
    assert "Скорости не сохранены, ничего не изменилось:" in _texts(at.error)
    problems = _texts(at.code)
    assert "таблица скоростей: строка 6: столбец «speed_kmh»: скорости ноль или меньше (классы: primary)." in problems
    assert "скорости пусты или не числа (классы: track)" in problems
    assert "скорости вне 1–200 км/ч (классы: service)" in problems
    assert _stored(tiny_roads) is None
    assert not at.success and f"{t('road_class.primary', 'ru')} 70" in _texts(
        at.caption
    )  # still the folder's speeds in use


def test_the_bundled_region_takes_speeds_without_writing_its_folder(monkeypatch):
    before = sorted(p.name for p in DEFAULT_REGION.iterdir())
    at = _app(monkeypatch, DEFAULT_REGION)
    _edit(at, primary={"speed_kmh": 70})
    at.run()
    at.button(key="speeds_save").click().run()
    assert not at.exception, at.exception
    assert _stored(DEFAULT_REGION)["primary"]["speed_kmh"] == 70
    assert sorted(p.name for p in DEFAULT_REGION.iterdir()) == before
    assert STORED in _texts(at.caption)


def test_restoring_brings_back_the_folder_speeds(monkeypatch, tiny_roads):
    (tiny_roads / "speeds.csv").write_text("highway,speed_kmh\nprimary,70\n", encoding="utf-8")
    at = _app(monkeypatch, tiny_roads)
    assert not [b for b in at.button if b.key == "speeds_reset"]  # nothing stored: nothing to restore
    _edit(at, primary={"speed_kmh": 20})
    at.run()
    at.button(key="speeds_save").click().run()
    assert STORED in _texts(at.caption)
    at.button(key="speeds_reset").click().run()
    assert not at.exception, at.exception
    assert _stored(tiny_roads) is None and (tiny_roads / "speeds.csv").exists()
    assert "Сейчас действуют: скорости из speeds.csv региона." in _texts(at.caption)
    assert f"{t('road_class.primary', 'ru')} 70" in _texts(at.caption)
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
def test_a_planner_saves_speeds_for_the_real_region(monkeypatch):
    at = _app(monkeypatch, SHARED_TURKISTAN)  # a read-only folder: nothing is written there
    _edit(at, trunk={"speed_kmh": 85}, track={"use_maxspeed": False})
    at.run()
    at.button(key="speeds_save").click().run()
    assert not at.exception, at.exception
    assert _stored(SHARED_TURKISTAN)["trunk"]["speed_kmh"] == 85.0
    assert f"{t('road_class.trunk', 'ru')} 85" in _texts(at.markdown) and "кроме: track" in _texts(at.markdown)
    assert STORED in _texts(at.caption)
