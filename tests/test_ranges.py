"""planning.need and planning.ranges: demand bases, the rate, seeded draws and headline figures with ranges."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from conftest import TEST_SECRET, TINY

from geo.region import load_region
from planning.analysis import incident_release
from planning.cli import main
from planning.cli import need as cli_need
from planning.need import DEMAND_BASES, NeedRateError, demand_of, need_rate, rate_from_meta
from planning.ranges import (
    DEFAULT_DRAWS,
    DEFAULT_SEED,
    DEFAULT_SPEED_HIGH,
    DEFAULT_SPEED_LOW,
    Assumptions,
    RangeError,
    draw,
    headline,
)

# three settlements: 1,000 known at 10 min, an estimate of 400 (200..600) at 35 min, 100 known at 100 min
SETTLEMENTS = pd.DataFrame(
    {
        "population": [1000.0, 400.0, 100.0],
        "population_low": [1000.0, 200.0, 100.0],
        "population_high": [1000.0, 600.0, 100.0],
        "population_source": ["file", "estimate", "file"],
    }
)
MINUTES = np.array([10.0, 35.0, 100.0])


def test_the_cli_constants_agree_with_the_core():
    assert cli_need.DEMAND_BASES == DEMAND_BASES and cli_need.DEFAULT_DRAWS == DEFAULT_DRAWS
    assert cli_need.DEFAULT_SEED == DEFAULT_SEED
    assert (cli_need.DEFAULT_SPEED_LOW, cli_need.DEFAULT_SPEED_HIGH) == (DEFAULT_SPEED_LOW, DEFAULT_SPEED_HIGH)


def test_expected_need_is_people_times_the_rate():
    rate = need_rate(12.0, low=8.0, high=16.0, source="survey, table 3")
    assert demand_of(SETTLEMENTS, "need", rate=rate).tolist() == pytest.approx([12.0, 4.8, 1.2])
    with pytest.raises(NeedRateError):
        demand_of(SETTLEMENTS, "need")  # no rate: said so, never a made-up one
    with pytest.raises(NeedRateError):
        need_rate(12.0, low=13.0, source="x")
    with pytest.raises(NeedRateError):
        need_rate(12.0, source=" ")
    assert rate_from_meta({}) is None
    assert rate_from_meta({"need_rate": {"per_1000": 3, "source": "s"}}).high == 3.0
    with pytest.raises(NeedRateError, match="region.json"):
        rate_from_meta({"need_rate": 3})


def test_headline_figures_by_hand_and_their_ranges():
    # central: 1,000 of 1,500 within 30 min; beyond: 2 settlements, 500 people
    drawn = draw(SETTLEMENTS, "people", assumptions=Assumptions(draws=400, seed=1))
    figures = headline(MINUTES, drawn, threshold_minutes=30.0)
    assert figures["share_within"].value == pytest.approx(1000 / 1500)
    assert (figures["settlements_beyond"].value, figures["demand_beyond"].value) == (2.0, 500.0)
    # speeds -20 % .. +10 %: 35 min becomes 31.8 .. 43.8 min, always beyond 30; the estimate varies 200..600
    assert (figures["settlements_beyond"].low, figures["settlements_beyond"].high) == (2.0, 2.0)
    assert 300.0 <= figures["demand_beyond"].low < 500.0 < figures["demand_beyond"].high <= 700.0
    # at 40 min the 35-minute settlement is within at the profile's speeds and beyond when 20 % slower
    at_40 = headline(MINUTES, drawn, threshold_minutes=40.0)
    assert at_40["settlements_beyond"].value == 1.0
    assert (at_40["settlements_beyond"].low, at_40["settlements_beyond"].high) == (1.0, 2.0)
    # without varying anything the range is the value
    fixed = draw(SETTLEMENTS, "people", assumptions=Assumptions(speed_low=0.0, speed_high=0.0, populations=False))
    flat = headline(MINUTES, fixed, threshold_minutes=30.0)["share_within"]
    assert flat.low == flat.high == pytest.approx(flat.value)


def test_a_seeded_draw_reproduces_and_another_seed_differs():
    rate = need_rate(10.0, low=5.0, high=15.0, source="test")
    one = draw(SETTLEMENTS, "need", rate=rate, assumptions=Assumptions(seed=7))
    two = draw(SETTLEMENTS, "need", rate=rate, assumptions=Assumptions(seed=7))
    other = draw(SETTLEMENTS, "need", rate=rate, assumptions=Assumptions(seed=8))
    assert np.array_equal(one.speed_factor, two.speed_factor) and np.array_equal(one.demand, two.demand)
    assert not np.array_equal(one.demand, other.demand)
    assert ((one.speed_factor >= 0.8) & (one.speed_factor <= 1.1)).all()
    assert one.demand[:, 0].min() >= 5.0 and one.demand[:, 0].max() <= 15.0  # 1,000 known people × 5..15 per 1,000
    with pytest.raises(RangeError):
        Assumptions(speed_low=0.1)


def test_incident_ranges_are_released_cells():
    region = load_region(TINY)
    release = incident_release(region, secret=TEST_SECRET, k=5)
    minutes = np.array([0.0, 38.7, 80.1, 129.8])
    drawn = draw(region.settlements, "incidents", incidents=release)
    figures = headline(minutes, drawn, threshold_minutes=60.0, incidents=release)
    beyond = release.value(minutes > 60.0)
    assert figures["demand_beyond"].value == (None if beyond is None else float(beyond))
    shown = {release.value(minutes > 60.0 * f) for f in drawn.speed_factor}
    for end in (figures["demand_beyond"].low, figures["demand_beyond"].high):
        assert end is None or int(end) in shown  # never an interpolated, unreleased number


def test_cli_coverage_carries_low_and_high_per_headline_figure(capsys):
    args = ["coverage", "--region", str(TINY), "--minutes", "30,60", "--json", "--draws", "50", "--seed", "3"]
    assert main([*args, "--demand", "need", "--rate", "10", "--rate-low", "5", "--rate-high", "20"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["demand"] == "need" and report["rate"]["low"] == 5.0 and report["assumptions"]["draws"] == 50
    for key in ("30", "60"):
        for name in ("share_within", "settlements_beyond", "demand_beyond"):
            figure = report["headline"][key][name]
            assert figure["low"] <= figure["high"] and set(figure) == {"value", "low", "high"}
    assert main([*args, "--demand", "need", "--rate", "10", "--rate-low", "5", "--rate-high", "20"]) == 0
    assert json.loads(capsys.readouterr().out)["headline"] == report["headline"]  # seeded: the same ranges
    assert main(["coverage", "--region", str(TINY), "--demand", "need"]) == 2  # no rate anywhere: said so
    assert "need_rate" in capsys.readouterr().err
