"""planning.hidden: expected need against released reports; the ratio never reveals a small count."""

from __future__ import annotations

import math

import pytest
from conftest import TEST_SECRET, TINY

from geo.region import load_region
from planning.analysis import incident_release
from planning.hidden import TOTAL_ROW_ID, UNDER_REPORTED_RATIO, hidden_need_table
from planning.need import need_rate

RATE = need_rate(10.0, low=5.0, high=20.0, source="test")


@pytest.fixture(scope="module")
def tiny():
    return load_region(TINY)


def test_expected_need_and_the_released_reports_by_district(tiny):
    release = incident_release(tiny, secret=TEST_SECRET, k=5)
    table = hidden_need_table(tiny.settlements, RATE, release, district_order=["W", "E"]).set_index("district_id")
    assert list(table.index) == ["W", "E", TOTAL_ROW_ID]
    # W: Alpha 12,000 and Beta 800 known: 128 expected cases (64 .. 256); E: Gamma and Delta estimated (6,400 each)
    assert (table.loc["W", "expected"], table.loc["W", "expected_low"], table.loc["W", "expected_high"]) == (
        pytest.approx(128.0),
        pytest.approx(64.0),
        pytest.approx(256.0),
    )
    assert table.loc["E", "expected"] == pytest.approx(128.0)
    west = tiny.settlements["district_id"].to_numpy() == "W"
    assert table.loc["W", "reported"] == release.text(west)  # exactly the cell every other view shows
    assert table.loc["W", "ratio"] == pytest.approx(release.value(west) / 128.0)
    # far below what is expected even at the low end (64 x 0.5 = 32): likely under-reported
    assert table.loc["W", "under_reported"] == (release.value(west) < UNDER_REPORTED_RATIO * 64.0)
    assert table.loc["E", "reported"] == "0" and table.loc["E", "ratio"] == 0.0 and table.loc["E", "under_reported"]


def test_the_ratio_is_shown_only_where_the_count_is_releasable(tiny):
    # with k = 20 the west's reports are a small count: shown as "<20", and neither ratio nor flag may give it away
    release = incident_release(tiny, secret=TEST_SECRET, k=20)
    table = hidden_need_table(tiny.settlements, RATE, release).set_index("district_id")
    west = tiny.settlements["district_id"].to_numpy() == "W"
    assert release.value(west) is None and table.loc["W", "reported"] == "<20"
    assert math.isnan(table.loc["W", "ratio"]) and table.loc["W", "under_reported"] is None
    assert table.loc[TOTAL_ROW_ID, "reported"] == "<20" and math.isnan(table.loc[TOTAL_ROW_ID, "ratio"])
    # no column carries a raw count: only the released text, and the ratio where the text is a number
    shown = {row.reported: row.ratio for row in table.itertuples()}
    for text, ratio in shown.items():
        assert text.startswith("<") == math.isnan(ratio) or text == "0"


def test_cli_coverage_carries_the_hidden_need_table(capsys):
    import json

    from planning.cli import main

    args = ["coverage", "--region", str(TINY), "--json", "--draws", "5", "--rate", "10", "--rate-source", "test"]
    assert main(args) == 0
    rows = json.loads(capsys.readouterr().out)["hidden_need"]
    assert [row["district_id"] for row in rows] == ["W", "E", TOTAL_ROW_ID]
    for row in rows:
        assert isinstance(row["reported"], str)  # the released cell as shown, never a raw count
        assert (row["ratio"] is None) == row["reported"].startswith("<")
