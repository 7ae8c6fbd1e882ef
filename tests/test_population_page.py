"""The akimat's populations on the Upload page (planners), in AppTest on the tiny region: an accepted table is
used by every page of the session, a refused one changes nothing and says so; the Present page states how many
settlements have no known population beside its population figures."""

from __future__ import annotations

import pytest
from conftest import PROJECT, sign_in_session
from streamlit.testing.v1 import AppTest
from test_signin import texts

from planning.store import access
from planning.store.population import PopulationStore

APP = str(PROJECT / "app.py")
TABLE = "Населённый пункт;Численность населения\nс.Гамма;1 300\nДельта;250,0\nОмега;10\n".encode("cp1251")


@pytest.fixture
def app(tiny_region, tmp_path, monkeypatch):
    monkeypatch.setenv("QORGAU_SCENARIO_DB", str(tmp_path / "qorgau.sqlite"))
    monkeypatch.setenv("QORGAU_REGION", str(tiny_region))
    monkeypatch.chdir(PROJECT)

    def make(page: str, role: str = "planner") -> AppTest:
        at = AppTest.from_file(APP, default_timeout=120)
        sign_in_session(at, "pat", role)
        at.run()
        at.switch_page(page).run()
        assert not at.exception, at.exception
        return at

    return make


def upload_table(at: AppTest, name: str, data: bytes) -> AppTest:
    at.file_uploader[1].upload(name, data, "text/csv")
    at.button[1].click().run()
    assert not at.exception, at.exception
    return at


def test_an_accepted_table_is_stored_reported_and_used_by_the_session(app, tmp_path):
    at = app("pages/upload.py")
    at.session_state["_scen_results"] = {"computed": "with the file's populations"}
    assert "Численность ещё не загружалась" in texts(at) and "у 2 из 4 н. п. численность неизвестна" in texts(at)
    at = upload_table(at, "статистика.csv", TABLE)
    assert "Численность сохранена для 2 н. п.; неоднозначных строк: 0, не сопоставлено: 1." in at.success[0].value
    assert "строка 4: ни один населённый пункт этого региона не называется «Омега»" in texts(at)
    report = at.dataframe[0].value
    assert list(report["Строка"]) == [2, 3, 4] and list(report["Результат"]) == [
        "сопоставлено",
        "сопоставлено",
        "не найдено",
    ]
    assert "у 0 из 4 н. п. численность неизвестна" in texts(at)
    settlements = at.session_state["_region"].settlements
    assert list(settlements["population"]) == [12000.0, 800.0, 1300.0, 250.0]
    assert list(settlements["population_source"]) == ["file", "file", "upload", "upload"]
    assert "_scen_results" not in at.session_state  # coverage computed with the old populations is not shown again
    log = access.entries(access.AccessStore(tmp_path / "qorgau.sqlite"), user="pat")
    assert log[0].action == "upload populations" and "статистика" not in log[0].object


def test_a_refused_table_changes_nothing_and_says_so(app, tmp_path):
    at = upload_table(app("pages/upload.py"), "a.csv", TABLE)
    at = upload_table(at, "b.csv", "Населённый пункт;Численность населения\nс.Гамма;-3\n".encode("cp1251"))
    assert "Файл отклонён, сохранённая численность не изменена" in at.error[0].value
    assert "b.csv: строка 2: столбец «численность населения»: численность населения отрицательна." in texts(at)
    stored = PopulationStore(tmp_path / "qorgau.sqlite").populations("tiny")
    assert dict(zip(stored["settlement_id"], stored["population"])) == {"s3": 1300.0, "s4": 250.0}


def test_the_present_page_says_how_many_settlements_have_no_known_population(app):
    at = app("pages/present.py", role="presenter")
    captions = " ".join(c.value for c in at.caption)
    assert "численность 2 из 4 н. п. оценена" in captions  # estimated, and said so


def test_the_compare_page_states_unknown_populations_overall_and_per_district(app, tiny_region, tmp_path):
    from geo.region import load_region
    from planning.scenarios import sites_from_services
    from planning.store.scenarios import ScenarioStore

    region = load_region(tiny_region)
    store = ScenarioStore(tmp_path / "qorgau.sqlite")
    sites = sites_from_services(region.services)
    store.create("B", region.region_id, sites, author="t")  # compared with the baseline the page makes
    at = app("pages/compare.py")
    captions = " ".join(c.value for c in at.caption)
    assert captions.count("численность 2 из 4 н. п. оценена") == 2  # under each scenario's population figure
    districts = next(d.value for d in at.dataframe if "Н. п. без численности" in d.value.columns)
    unknown = dict(zip(districts.iloc[:, 0], districts["Н. п. без численности"]))
    assert unknown == {"Западный": 0, "Восточный": 2}  # West knows both populations, East neither
