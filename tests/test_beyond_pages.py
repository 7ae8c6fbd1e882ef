"""The Map and Scenarios pages answer the planner's question (AppTest, tiny region): the per-district table of
villages beyond 30/60 minutes with its totals, the gap list filtered by district with its totals, and a village
chosen from the list or clicked on the map."""

from __future__ import annotations

import pytest
from conftest import PROJECT, TINY, signed_in_app

from planning.store.db import DB_ENV_VAR

# tiny: Alpha (12 000, West) holds the service; Beta 38.7 min (800, West); Gamma 80.1 and Delta 129.8 min (East,
# both of unknown population)
TOTALS = [4, 3, 13600, 2, 2, 12800, 2]  # Gamma and Delta: unknown populations, estimated at 6,400 each


@pytest.fixture
def db(tmp_path, monkeypatch):
    monkeypatch.setenv(DB_ENV_VAR, str(tmp_path / "qorgau.sqlite"))
    monkeypatch.setenv("QORGAU_REGION", str(TINY))
    monkeypatch.chdir(PROJECT)


def _district_table(at):
    return next(d.value for d in at.dataframe if "Всего н. п." in d.value.columns)


def _gap_table(at):
    return next(d.value for d in at.dataframe if "Минут до ближайшей службы" in d.value.columns)


def _texts(at) -> list[str]:
    return [m.value for m in at.markdown] + [c.value for c in at.caption] + [s.value for s in at.success]


@pytest.mark.parametrize("page, key", [("pages/map.py", "map"), ("pages/scenarios.py", "scen")])
def test_page_shows_the_district_table_and_the_filtered_gap_list(db, page, key):
    at = signed_in_app(page, role="planner")
    table = _district_table(at)
    assert table["Район"].tolist() == ["Западный", "Восточный", "Итого по региону"]
    assert table[[c for c in table.columns if not c.startswith(("Район", "обращ"))]].iloc[-1].tolist() == TOTALS
    gaps = _gap_table(at)
    assert gaps["Название"].tolist() == ["Дельта", "Гамма"]  # both start at 60 min; Delta, Gamma: 6,400 estimated
    assert not any("Обращения" in c or "обращ" in c for c in gaps.columns)  # never per village
    at.selectbox(key=f"{key}_gap_district").set_value("W").run()
    assert not at.exception, at.exception
    assert any("в пределах 60 мин" in s for s in _texts(at))  # nothing in the West is beyond 60 minutes
    at.radio(key=f"{key}_gap_minutes").set_value(30.0).run()
    assert _gap_table(at)["Название"].tolist() == ["Бета"]
    assert "Итого: 1 нас. пунктов, жителей (известных и оценённых): 800, без известной численности: 0" in _texts(at)
    at.selectbox(key=f"{key}_gap_district").set_value("E").run()
    assert _gap_table(at)["Название"].tolist() == ["Дельта", "Гамма"]
    assert (
        "Итого: 2 нас. пунктов, жителей (известных и оценённых): 12\u00a0800, без известной численности: 2"
        in _texts(at)
    )


@pytest.mark.parametrize(
    "page, key, map_key", [("pages/map.py", "map", "region_map"), ("pages/scenarios.py", "scen", "scen_map")]
)
def test_a_village_chosen_or_clicked_shows_its_minutes_and_service(db, page, key, map_key):
    at = signed_in_app(page, role="planner")
    at.selectbox(key=f"{key}_village").set_value(2).run()  # Gamma, for keyboard users
    assert not at.exception, at.exception
    texts = _texts(at)
    assert "Гамма: 80,1 мин до ближайшей службы «Служба Альфа»." in texts
    assert any("оценка по прямой, маршрут не строится" in s for s in texts)  # no roads: no route drawn
    at.session_state[map_key] = {"last_object_clicked": {"lat": 42.6, "lng": 68.4}}  # a click on Beta's marker
    at.run()
    assert not at.exception, at.exception
    assert "Бета: 38,7 мин до ближайшей службы «Служба Альфа»." in _texts(at)


def test_presenter_sees_incidents_per_district_only(db):
    at = signed_in_app("pages/scenarios.py", role="presenter")
    table = _district_table(at)
    assert [c for c in table.columns if c.startswith("обращ")] == ["обращ. > 30", "обращ. > 60"]
    assert not any("бращ" in c for c in _gap_table(at).columns)
