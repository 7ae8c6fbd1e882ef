"""The planner's question, hand-computed: villages beyond 30/60 minutes per district (known people, unknown
populations, totals), the gap list and its totals, a village's minutes and route."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from conftest import TINY

from geo.region import load_region
from planning.analysis import evaluate, site_minutes_for
from planning.baseline import current_services
from planning.beyond import (
    TOTAL_ROW_ID,
    GapTotals,
    beyond_by_district,
    beyond_table,
    display,
    gap_table,
    gap_totals,
    settlement_at,
    village_access,
)
from planning.coverage import coverage

# six villages; minutes to the nearest service, people (NaN: unknown), district (None: none)
MINUTES = [10.0, 40.0, 70.0, np.inf, 20.0, 50.0]
PEOPLE = [100.0, 200.0, np.nan, 50.0, np.nan, 300.0]
DISTRICTS = ["d1", "d1", "d1", "d2", "d3", None]


@pytest.fixture
def cov():
    return coverage(MINUTES, PEOPLE, None, DISTRICTS, thresholds=(30.0, 60.0))


def _row(frame: pd.DataFrame, district_id: str) -> list[int]:
    return frame.set_index("district_id").loc[district_id].tolist()


def test_beyond_by_district_hand_computed(cov):
    frame = beyond_by_district(cov, district_ids=["d1", "d2", "d3", "d4"])
    assert frame["district_id"].tolist() == ["d1", "d2", "d3", "d4", "unknown", TOTAL_ROW_ID]
    assert frame.columns.tolist() == [
        "district_id",
        "settlements",
        "beyond_30_settlements",
        "beyond_30_people",
        "beyond_30_unknown_population",
        "beyond_60_settlements",
        "beyond_60_people",
        "beyond_60_unknown_population",
    ]
    # d1: 40 min (200 people) and 70 min (unknown) beyond 30; only the unknown one beyond 60
    assert _row(frame, "d1") == [3, 2, 200, 1, 1, 0, 1]
    assert _row(frame, "d2") == [1, 1, 50, 0, 1, 50, 0]  # unreachable: beyond every threshold
    assert _row(frame, "d3") == [1, 0, 0, 0, 0, 0, 0]  # a district with no gaps
    assert _row(frame, "d4") == [0, 0, 0, 0, 0, 0, 0]  # a district without settlements
    assert _row(frame, "unknown") == [1, 1, 300, 0, 0, 0, 0]  # no district
    assert _row(frame, TOTAL_ROW_ID) == [6, 4, 550, 1, 2, 50, 1]
    figures = frame.drop(columns="district_id")
    assert (figures.iloc[:-1].sum() == figures.iloc[-1]).all()  # the totals row adds up


def test_gap_totals_match_the_table_row(cov):
    assert gap_totals(cov, threshold_minutes=30.0) == GapTotals(4, 550, 1)
    assert gap_totals(cov, threshold_minutes=60.0, district_id="d1") == GapTotals(1, 0, 1)
    assert gap_totals(cov, threshold_minutes=30.0, district_id="d3") == GapTotals(0, 0, 0)
    frame = beyond_by_district(cov).set_index("district_id")
    for district in ("d1", "d2", "unknown"):
        totals = gap_totals(cov, threshold_minutes=30.0, district_id=district)
        assert [totals.settlements, totals.people, totals.settlements_unknown_population] == frame.loc[
            district, ["beyond_30_settlements", "beyond_30_people", "beyond_30_unknown_population"]
        ].tolist()


def test_thresholds_follow_the_chosen_set():
    cov = coverage(MINUTES, PEOPLE, None, DISTRICTS, thresholds=(45.0,))
    frame = beyond_by_district(cov)
    assert frame.columns.tolist()[2:] == ["beyond_45_settlements", "beyond_45_people", "beyond_45_unknown_population"]
    assert _row(frame, TOTAL_ROW_ID) == [6, 3, 350, 1]


@pytest.fixture(scope="module")
def tiny():
    region = load_region(TINY)
    services = current_services(region)
    result = evaluate(region, services, site_minutes_for(region), incidents=None)
    return region, services, result


def test_tiny_region_table_and_gap_list(tiny):
    region, services, result = tiny
    table = beyond_table(region, result.coverage, lang="ru")
    assert table.iloc[:, 0].tolist() == ["Западный", "Восточный", "Итого по региону"]
    # Alpha 0 min, Beta 38.7 (800 people), Gamma 80.1 and Delta 129.8 (both of unknown population, estimated at
    # 6,400 each: the median of the two known)
    assert table.iloc[-1, 1:].tolist() == [4, 3, 13600, 2, 2, 12800, 2]
    gaps = gap_table(
        region, result.coverage, result.nearest_service_ids, threshold_minutes=30.0, lang="ru", services=services
    )
    # most people first (Delta and Gamma estimated at 6,400 each), then the farthest; estimates are labelled
    assert gaps["Название"].tolist() == ["Дельта", "Гамма", "Бета"]
    assert gaps["Источник численности"].tolist() == ["оценка", "оценка", "файл региона"]
    assert "Обращения" not in gaps.columns  # never per village
    east = gap_table(
        region,
        result.coverage,
        result.nearest_service_ids,
        threshold_minutes=30.0,
        lang="ru",
        services=services,
        district_id="E",
    )
    assert east["Название"].tolist() == ["Дельта", "Гамма"] and set(east["Район"]) == {"Восточный"}


def test_region_without_districts_has_one_row(tiny):
    region, services, _ = tiny
    bare = dataclasses.replace(
        region, districts=region.districts.iloc[:0], settlements=region.settlements.assign(district_id=None)
    )
    result = evaluate(bare, services, site_minutes_for(bare), incidents=None)
    table = beyond_table(bare, result.coverage, lang="kk")
    assert table.iloc[:, 0].tolist() == ["Бүкіл аймақ"]
    assert table.iloc[0, 1:].tolist() == [4, 3, 13600, 2, 2, 12800, 2]
    gaps = gap_table(
        bare, result.coverage, result.nearest_service_ids, threshold_minutes=60.0, lang="kk", services=services
    )
    assert set(gaps["Аудан"]) == {"Бүкіл аймақ"}


def test_display_formats_for_the_language_and_keeps_numbers():
    frame = pd.DataFrame({"name": ["a", "b", "c"], "minutes": [12.345, np.inf, 3.0], "people": [12300.0, np.nan, 7.0]})
    styled = display(frame, lang="ru", decimals={"minutes": 1}, infinite={"minutes": "недостижимо"})
    html = styled.to_html()
    assert "12\u00a0300" in html and "12,3" in html and "недостижимо" in html
    assert "nan" not in html.lower() and "None" not in html and "inf" not in html
    assert styled.data["people"].dtype == float  # the cells are numbers: the column sorts by value
    assert "12,300" in display(frame, lang="en").to_html()


def test_settlement_at_a_click(tiny):
    region, _, _ = tiny
    beta = region.settlements.geometry.iloc[1]
    assert settlement_at(region.settlements, beta.y, beta.x) == 1
    assert settlement_at(region.settlements, beta.y + 0.01, beta.x) is None


def test_a_village_without_roads_is_an_estimate_without_route(tiny):
    region, services, result = tiny
    access = village_access(region, services, result.coverage, result.nearest_service_ids, 2, network=None, lang="ru")
    assert access.name == "Гамма" and access.service_name == "Служба Альфа"
    assert access.minutes == pytest.approx(result.coverage.nearest_minutes[2]) and access.minutes > 60
    assert access.route is None and not access.by_road
