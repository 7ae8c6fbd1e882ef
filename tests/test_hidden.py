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


def test_the_display_and_the_map_classes_keep_the_privacy_rule(tiny):
    from planning.hidden import hidden_need_display, ratio_class

    release = incident_release(tiny, secret=TEST_SECRET, k=20)
    table = hidden_need_table(tiny.settlements, RATE, release, district_order=["W", "E"])
    shown = hidden_need_display(table, {"W": "West", "E": "East"}, "ru").set_index("district_id")
    # W's reports are a small count: its cell stays "<20", no ratio, no assessment beyond "not released"
    assert shown.loc["W", "reported"] == "<20" and shown.loc["W", "ratio"] == "—"
    assert shown.loc["W", "class"] == "hidden" == ratio_class(table.iloc[0])
    # E reported nothing where 128 (64-256) cases are expected: a released 0, ratio 0, likely under-reported
    assert (shown.loc["E", "reported"], shown.loc["E", "ratio"], shown.loc["E", "class"]) == (
        "0",
        "0,00",
        "under_reported",
    )
    east = table.set_index("district_id").loc["E"]  # estimated people: the range is theirs and the rate's
    assert shown.loc["E", "expected"] == f"128 ({east['expected_low']:.0f}–{east['expected_high']:.0f})"
    assert shown.loc[TOTAL_ROW_ID, "district"] == "Весь регион"


@pytest.mark.parametrize(
    "reported, ratio, flag, expected",
    [
        ("<5", float("nan"), None, "hidden"),
        ("0", float("nan"), None, "none_expected"),
        ("3", 0.1, True, "under_reported"),
        ("30", 0.4, False, "below_half"),
        ("60", 0.5, False, "half_to_expected"),
        ("120", 1.0, False, "at_least_expected"),
    ],
)
def test_ratio_classes(reported, ratio, flag, expected):
    from planning.hidden import ratio_class

    assert ratio_class({"reported": reported, "ratio": ratio, "under_reported": flag}) == expected


def test_the_hidden_need_map_carries_no_small_count_and_no_point(tiny):
    import re

    from planning.hidden import hidden_need_display
    from planning.render.webmap import HIDDEN_CLASS_COLOURS, hidden_need_map, legend_of

    release = incident_release(tiny, secret=TEST_SECRET, k=20)
    west = tiny.settlements["district_id"].to_numpy() == "W"
    assert release.value(west) is None  # the west's reports are a small count with k = 20
    table = hidden_need_table(tiny.settlements, RATE, release, district_order=["W", "E"])
    fmap = hidden_need_map(tiny, hidden_need_display(table, {}, "kk"), lang="kk")
    fmap.get_root().render()  # the map renders (its tooltip checks its fields)
    layers = [c for c in fmap._children.values() if "features" in (getattr(c, "data", None) or {})]
    features = [f for layer in layers for f in layer.data["features"] if "class" in (f.get("properties") or {})]
    assert {f["properties"]["district_id"] for f in features} == {"W", "E"}
    for feature in features:
        props = feature["properties"]
        assert feature["geometry"]["type"] in ("Polygon", "MultiPolygon")  # districts only: no incident point
        assert set(props) == {"district_id", "class", "label", "expected", "reported", "ratio", "assessment"}
        if props["district_id"] == "W":
            assert (props["reported"], props["ratio"], props["class"]) == ("<20", "—", "hidden")
    # the west's raw count appears nowhere among the texts the layer carries
    district_of = dict(zip(tiny.settlements["settlement_id"], tiny.settlements["district_id"]))
    raw_west = int(tiny.incidents.loc[tiny.incidents["settlement_id"].map(district_of) == "W", "count"].sum())
    assert 0 < raw_west < 20
    texts = " ".join(str(v) for f in features for k, v in f["properties"].items() if k != "district_id")
    assert not re.search(rf"(?<![\d,]){raw_west}(?![\d,])", texts), texts
    colours = {row[0] for row in legend_of(fmap).rows}
    assert HIDDEN_CLASS_COLOURS["hidden"] in colours and HIDDEN_CLASS_COLOURS["under_reported"] in colours
