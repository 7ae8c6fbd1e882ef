"""The one rule for the name a place is shown by (geo.names, planning.i18n.place_names), the audit log's objects in
the reader's language, minutes below one, and the map's scale in kilometres only; on the bundled region where the
issue saw the faults."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import DEFAULT_REGION

from geo.names import corrected_name, corrections, kato_display_name, russian_form, settlement_labels
from geo.region import load_region
from planning.i18n import fmt_minutes, place_names, t
from planning.store.access import object_label


@pytest.fixture(scope="module")
def region():
    return load_region(DEFAULT_REGION)


def _labels(**columns):
    n = len(columns["ids"])
    base = {
        "name": [None] * n,
        "name_ru": [None] * n,
        "name_kk": [None] * n,
        "name_en": [None] * n,
        "district_id": ["D"] * n,
        "x_m": np.arange(n) * 1000.0,
        "y_m": np.zeros(n),
    }
    return settlement_labels(**{**base, **columns})


def test_kato_names_are_shown_without_their_abbreviation():
    assert kato_display_name("с.Жибек жолы") == "Жибек жолы"
    assert kato_display_name("с. Аша") == "Аша"
    assert kato_display_name("рзд.51") == "Разъезд 51"
    assert kato_display_name("ст.Чанак") == "Станция Чанак"
    assert kato_display_name("с.им.Турара Рыскулова") == "Имени Турара Рыскулова"
    assert kato_display_name("г.Туркестан") == "Туркестан"
    assert kato_display_name("") is None and kato_display_name(None) is None


def test_doubled_district_suffixes_are_corrected_and_listed():
    assert corrected_name("Енбекшинскийский") == "Енбекшинский"
    assert corrected_name("Каратаускийский") == "Каратауский"
    assert corrected_name("Сузакский") == "Сузакский" and corrected_name("Аль-Фарабиский") == "Аль-Фарабиский"
    assert corrections(["Енбекшинскийский", "Сузакский", None]) == [("Енбекшинскийский", "Енбекшинский")]


def test_the_russian_name_comes_from_kato_then_osm_then_a_namesake_then_russian_letters():
    frame = _labels(
        ids=["a", "b", "c", "d", "e"],
        name=["Жібек Жолы", "Сәмбет Саттаров ауылы", "Сәмбет Саттаров ауылы", "Ақбұлақ", "Шорнақ"],
        name_ru=["Жибек Жолы (Черняевка)", "Самбет Саттаров", None, None, "Шорнак"],
        kato_name=["с.Жибек жолы", None, None, None, "с.Чернак"],
        kato_match=["exact", None, None, None, "skeleton"],
    )
    assert list(frame["label_ru"]) == ["Жибек жолы", "Самбет Саттаров", "Самбет Саттаров", "Акбулак", "Шорнак"]
    assert list(frame["label_kk"]) == [
        "Жібек Жолы",
        "Сәмбет Саттаров ауылы",
        "Сәмбет Саттаров ауылы",
        "Ақбұлақ",
        "Шорнақ",
    ]
    assert russian_form("Әлкен Оспанов ауылы") == "Алкен Оспанов"


def test_a_latin_name_is_passed_over_in_russian_and_kazakh():
    frame = _labels(ids=["a"], name=["Ырысты"], name_ru=["Ырысты"], name_kk=["Arab="])
    assert frame.loc[0, "label_kk"] == "Ырысты" and frame.loc[0, "label_ru"] == "Ырысты"


def test_a_place_without_any_name_is_named_by_its_nearest_named_neighbour():
    frame = _labels(ids=["far", "near", "none"], name=["Далёкое", "Таскешу", None], name_kk=[None, "Тасқешу", None])
    frame["settlement_id"] = ["far", "near", "none"]
    assert frame.loc[2, "label_ru"] is None and frame.loc[2, "near_ru"] == "Таскешу" and frame.loc[2, "near_km"] == 1
    assert place_names(frame.iloc[[2]], "ru") == ["безымянное место в 1,0 км от н. п. Таскешу"]
    assert place_names(frame.iloc[[2]], "kk") == ["Тасқешу елді мекенінен 1,0 км жердегі атаусыз елді мекен"]
    assert place_names(frame.iloc[[2]].drop(columns="near_km"), "kk") == ["Тасқешу маңындағы атаусыз елді мекен"]
    assert place_names(pd.DataFrame({"settlement_id": ["7"], "name": ["#7"]}), "ru") == ["безымянное место"]


def test_the_bundled_region_shows_no_id_and_corrected_districts(region):
    for lang in ("ru", "kk"):
        names = place_names(region.settlements, lang)
        assert not [n for n in names if n.startswith("#") or n.isdigit()], lang
        assert len(names) == len(region.settlements)
    by_id = dict(zip(region.settlements["settlement_id"], place_names(region.settlements, "ru")))
    assert by_id["2561754753"].startswith("безымянное место в ")  # was "#2561754753"
    assert by_id["2561754753"].endswith(" км от н. п. Таскешу")
    assert by_id["2561754753"] != by_id["2561754755"]  # two unnamed places near one village, told apart
    assert by_id["1496102387"] == "Ырысты"
    districts = place_names(region.districts, "ru")
    assert "Енбекшинский" in districts and "Каратауский" in districts
    assert not [d for d in districts if "скийский" in d]
    assert "Енбекшинскийский" in set(region.districts["name_ru"])  # the source's spelling is kept


def test_the_audit_objects_are_shown_in_the_language():
    assert object_label("password", "ru") == "пароль"
    assert object_label("session cookie", "kk") == "браузерде сақталған кіру"
    assert object_label("user planner1 (planner)", "ru") == f"пользователь planner1 ({t('role.planner', 'ru')})"
    assert object_label("user a (planner -> admin)", "kk") == (
        f"пайдаланушы a ({t('role.planner', 'kk')} → {t('role.admin', 'kk')})"
    )
    assert object_label("scenario 2 v4 csv", "ru") == "сценарий 2, версия 4, CSV"
    assert object_label("report.pdf (r1, D1, kk, incidents: district)", "ru", regions={"r1": "Регион"}) == (
        "report.pdf (Регион, D1, Қазақша, обращения: по районам)"
    )
    assert object_label("something new", "ru") == "something new"  # an unknown shape: as stored


def test_minutes_below_one_are_said_so():
    assert fmt_minutes(0.0, "ru") == "< 1" and fmt_minutes(0.4, "kk") == "< 1"
    assert fmt_minutes(12.3, "ru") == "12,3"
    assert fmt_minutes(float("nan"), "ru") == "—"


def test_the_median_of_the_baseline_is_under_a_minute_because_services_stand_in_the_cities(region):
    """Why the issue saw "0,0": more than half of the known population lives where a baseline service stands."""
    from planning.analysis import evaluate, site_minutes_for
    from planning.baseline import current_services

    result = evaluate(region, current_services(region), site_minutes_for(region), incidents=None)
    minutes, people = result.nearest.minutes, region.settlements["population"].to_numpy(dtype=float)
    known = ~np.isnan(people)
    at_a_service = known & (minutes < 1)
    assert people[at_a_service].sum() > 0.5 * people[known].sum()
    assert result.coverage.region.median_minutes < 1


def test_the_map_scale_is_metric_only(region):
    from planning.render.webmap import region_map

    html = region_map(region, lang="ru", k=5).get_root().render()
    assert "L.control.scale({imperial: false, metric: true})" in html
    assert "L.control.scale()" not in html
