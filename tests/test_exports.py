"""Exports: CSV, XLSX and GeoJSON content, and every incident figure drawn from the one protected release."""

from __future__ import annotations

import io
import json

import numpy as np
import openpyxl
import pandas as pd
import pytest
from conftest import DEFAULT_REGION, TEST_SECRET, TINY

from geo.region import load_region
from planning.analysis import SiteMinutes, evaluate, incident_release, service_bands
from planning.baseline import current_services
from planning.render.exports import (
    bands_geojson,
    csv_bytes,
    district_table,
    gaps_geojson,
    scenario_map,
    settlement_table,
    standalone_html,
    tables,
    xlsx_bytes,
)
from planning.render.gapmap import shown_incidents
from planning.render.report import gap_table

K = 5


@pytest.fixture(scope="module")
def default():
    region = load_region(DEFAULT_REGION)
    table = SiteMinutes(None, region.settlements, analysis_crs=region.analysis_crs)
    incidents = incident_release(region, secret=TEST_SECRET, k=K)
    services = current_services(region).iloc[:3]
    return region, evaluate(region, services, table, incidents=incidents), incidents, services


def test_settlement_csv_has_every_settlement_and_released_incidents(default):
    region, result, incidents, _ = default
    frame = pd.read_csv(
        io.BytesIO(csv_bytes(settlement_table(region, result, incidents=incidents, incident_level="settlement"))),
        dtype=str,
    )
    assert len(frame) == len(region.settlements)
    assert list(frame["settlement_id"]) == list(region.settlements["settlement_id"])
    assert frame["Обращения"].tolist() == incidents.settlement_texts().tolist()  # the page's cells, as they are
    small = (incidents.counts > 0) & (incidents.counts < K)
    assert small.any() and set(frame["Обращения"][small]) <= {"<5"} | {str(n) for n in range(K, K + 4)}
    assert all(v in ("0", "<5") or int(v) >= K for v in frame["Обращения"])
    minutes = frame["Минуты"].astype(float)
    expected = np.where(np.isfinite(result.nearest.minutes), np.round(result.nearest.minutes, 1), np.nan)
    np.testing.assert_allclose(minutes, expected, atol=0.051)


def test_district_level_exports_carry_no_settlement_incidents(default):
    region, result, incidents, _ = default
    for frame in tables(region, result, incidents=incidents, incident_level="district").values():
        assert "Обращения" not in frame.columns
    gaps = json.loads(gaps_geojson(region, result, incidents=incidents, incident_level="district"))
    assert gaps["features"] and all("incidents" not in f["properties"] for f in gaps["features"])
    uncovered = int((result.nearest.minutes > 60).sum())
    assert len(gaps["features"]) == uncovered


@pytest.mark.parametrize("export", [settlement_table, gaps_geojson, gap_table, tables])
def test_an_unknown_incident_level_is_refused_by_every_table(default, export):
    region, result, incidents, _ = default
    with pytest.raises(ValueError, match="`incident_level` must be one of"):
        export(region, result, incidents=incidents, incident_level="village")


def test_xlsx_sheets_and_geojson(default):
    region, result, incidents, services = default
    sheets = tables(region, result, incidents=incidents, lang="kk", incident_level="settlement")
    book = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(sheets)))
    assert book.sheetnames == list(sheets)
    first = book[book.sheetnames[0]]
    assert first.max_row == len(region.settlements) + 1
    bands = service_bands(region, services, None)
    collection = json.loads(bands_geojson(bands))
    assert {f["properties"]["minutes"] for f in collection["features"]} == {15.0, 30.0, 60.0}


def test_district_table_export_is_the_page_table():
    region = load_region(TINY)
    table = SiteMinutes(None, region.settlements, analysis_crs=region.analysis_crs)
    result = evaluate(region, region.services, table, incidents=incident_release(region, secret=TEST_SECRET, k=K))
    frame = district_table(region, result)
    shown = shown_incidents(result.coverage)
    columns = ["Обращения ≤30 мин", "Обращения ≤60 мин", "Обращения всего"]
    for district, (_, row) in zip(result.coverage.districts, frame.iterrows()):
        values = [row[c] for c in columns]
        assert values == [shown.covered["30"][district], shown.covered["60"][district], shown.total[district]]
        assert all(v in ("0", f"<{K}") or int(v) >= K for v in values), values


def test_standalone_html_loads_nothing_from_the_app_or_the_net(default):
    region, result, _, services = default
    html = standalone_html(scenario_map(region, result, bands=service_bands(region, services, None), k=K))
    assert "/app/static" not in html and "<script src=" not in html and 'rel="stylesheet" href' not in html
    assert "L.map(" in html and "data:image/png;base64," in html
