"""planning.estimates: unknown populations estimated from the region's known ones, with a range, never zero."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest
from conftest import TINY

from geo.region import load_region
from planning.analysis import SiteMinutes, evaluate
from planning.estimates import estimate_populations, estimated_share, people, people_range, population_is_estimated
from planning.intake.population import with_populations
from planning.suggest import candidate_sites, suggest

# Hand-worked table. District A: eight villages of known population 100..800 (enough for the district's own group)
# and one unknown village; district B: villages of 1,000 and 3,000, an unknown village, a hamlet of 50 and an
# unknown hamlet; a town of 20,000 in B.
KNOWN_A = [100.0, 200.0, 300.0, 400.0, 500.0, 600.0, 700.0, 800.0]
TABLE = pd.DataFrame(
    {
        "settlement_id": [f"a{i}" for i in range(8)] + ["a-unknown", "b1", "b2", "b-unknown", "h1", "h-unknown", "t1"],
        "kind": ["village"] * 9 + ["village"] * 3 + ["hamlet", "hamlet", "town"],
        "district_id": ["A"] * 9 + ["B"] * 6,
        "population": [*KNOWN_A, np.nan, 1000.0, 3000.0, np.nan, 50.0, np.nan, 20000.0],
    }
)


def _row(frame: pd.DataFrame, settlement: str) -> pd.Series:
    return frame.set_index("settlement_id").loc[settlement]


def test_estimates_on_a_hand_worked_table():
    out = estimate_populations(TABLE)
    # A: its own eight villages, median 450, interquartile range 275 .. 625 (linear: positions 1.75 and 5.25)
    a = _row(out, "a-unknown")
    assert (a.population, a.population_low, a.population_high) == (450.0, 275.0, 625.0)
    assert (a.population_source, a.population_basis) == ("estimate", "kind_district")
    # B knows only two villages: the region's ten villages, median 550, range 325 .. 775
    b = _row(out, "b-unknown")
    assert (b.population, b.population_low, b.population_high) == (550.0, 325.0, 775.0)
    assert b.population_basis == "kind_region"
    # one known hamlet is too few: widened to hamlets and villages (isolated dwellings have none), eleven values
    h = _row(out, "h-unknown")
    assert (h.population, h.population_low, h.population_high) == (500.0, 250.0, 750.0)
    # known ones keep their value, source and a zero-width range
    known = _row(out, "t1")
    assert (known.population, known.population_low, known.population_high, known.population_source) == (
        20000.0,
        20000.0,
        20000.0,
        "file",
    )
    assert population_is_estimated(out).sum() == 3 and not np.isnan(out["population"]).any()
    assert estimated_share(out) == pytest.approx((450 + 550 + 500) / (out["population"].sum()))
    assert TABLE["population"].isna().sum() == 3  # the input is not changed


def test_an_upload_replaces_an_estimate_and_the_rest_are_re_estimated():
    stored = pd.DataFrame({"settlement_id": ["b-unknown"], "population": [999.0]})
    out = with_populations(TABLE, stored)
    assert _row(out, "b-unknown").population_source == "upload" and _row(out, "b-unknown").population == 999.0
    assert _row(out, "a-unknown").population_source == "estimate"
    # estimating an estimated frame again re-derives from the known ones only
    again = estimate_populations(out)
    assert _row(again, "a-unknown").population == _row(out, "a-unknown").population


def test_a_region_that_knows_no_population_still_has_people_everywhere():
    nothing = TABLE.assign(population=np.nan)
    out = estimate_populations(nothing)
    assert (out["population_source"] == "unknown").all()
    central, low, high = people_range(nothing)
    assert (central > 0).all() and (low > 0).all() and (high > 0).all()


@pytest.fixture(scope="module")
def tiny_unknown():
    region = load_region(TINY)
    region = dataclasses.replace(region, settlements=region.settlements.assign(population=np.nan))
    return region, SiteMinutes(None, region.settlements, analysis_crs=region.analysis_crs)


def test_no_code_path_treats_an_unknown_population_as_zero(tiny_unknown):
    """Every population unknown: coverage, suggest's weights and gains are still positive."""
    region, minutes = tiny_unknown
    assert (people(region.settlements) > 0).all()
    services = region.services.iloc[:1]
    result = evaluate(region, services, minutes, incidents=None, thresholds=(60.0,))
    figures = result.coverage.region.within["60"]
    assert figures.settlements_covered > 0
    # nothing to estimate from: the figures say the population is unknown, never that nobody lives there
    assert figures.settlements_unknown_population == 4 and math.isnan(figures.population_share)
    # the headline figures count demand (one unit per settlement when no population is known), never zero
    from planning.ranges import headline_ranges

    ranges = headline_ranges(result.nearest.minutes, region.settlements, "people", thresholds=(60.0,))["60"]
    assert 0 < ranges["share_within"].value < 1 and ranges["demand_beyond"].value > 0
    assert ranges["demand_beyond"].low > 0
    candidates = candidate_sites(region, source="district_centres")
    picked = suggest(region, services, minutes, candidates, model="mclp", threshold_minutes=60.0, add=1)
    assert picked.objective > 0 and picked.demand.weights.sum() > 0 and picked.demand.unknown_population == 0
    assert all(p.gain_people > 0 for p in picked.picks if p.gain_settlements)


def test_coverage_reads_known_plus_estimated_with_the_estimated_share():
    region = load_region(TINY)
    services = region.services.iloc[:1]
    result = evaluate(
        region, services, SiteMinutes(None, region.settlements, analysis_crs=region.analysis_crs), incidents=None
    )
    figures = result.coverage.region.within["60"]
    unknown = region.settlements["population"].isna()
    assert unknown.any()  # the tiny region has settlements of unknown population
    assert figures.settlements_estimated_population == unknown.sum() and figures.settlements_unknown_population == 0
    known_total = region.settlements["population"].sum()
    assert figures.population_total == pytest.approx(known_total + figures.population_estimated_total)
    assert 0 < figures.estimated_share < 1


def test_the_map_tooltip_marks_an_estimate_with_its_range():
    from planning.estimates import with_estimates
    from planning.render.webmap import UNKNOWN_POPULATION_COLOUR, _settlement_layer

    region = load_region(TINY)
    layer = _settlement_layer(with_estimates(region.settlements), "ru")
    properties = {f["properties"]["label"]: f["properties"] for f in layer.data["features"]}
    assert properties["Дельта"]["population_label"] == "≈ 6\u00a0400 (оценка, 3\u00a0600–9\u00a0200)"
    assert properties["Дельта"]["colour"] == UNKNOWN_POPULATION_COLOUR  # not drawn as a known population
    assert properties["Бета"]["population_label"] == "800"
