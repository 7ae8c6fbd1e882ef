"""The region folder loader: canonical schema, every class of bad input, encodings, the real fixture."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from conftest import DEFAULT_REGION, PROJECT, SHARED_TURKISTAN, needs_shared

from geo.errors import RegionError, ValidationError
from geo.names import LABEL_COLUMNS, NEAR_COLUMNS, NEAR_KM_COLUMN
from geo.region import load_region, read_services
from geo.schema import DISTRICT_COLUMNS, INCIDENT_COLUMNS, SERVICE_COLUMNS, SETTLEMENT_COLUMNS


def _errors(path) -> list[str]:
    with pytest.raises(RegionError) as caught:
        load_region(path)
    assert isinstance(caught.value, ValueError)
    return [p.format() for p in caught.value.problems]


def test_tiny_region_loads_into_the_canonical_schema(tiny_region):
    region = load_region(tiny_region)
    shown = (
        *LABEL_COLUMNS,
        *NEAR_COLUMNS,
        NEAR_KM_COLUMN,
    )  # the names shown per language (geo.names), beside the schema's columns
    assert [c for c in region.settlements.columns if c not in shown] == SETTLEMENT_COLUMNS
    assert set(shown) <= set(region.settlements.columns)
    assert [c for c in region.districts.columns if c not in shown] == DISTRICT_COLUMNS
    assert set(LABEL_COLUMNS) <= set(region.districts.columns)
    assert list(region.services.columns) == SERVICE_COLUMNS
    assert list(region.incidents.columns) == INCIDENT_COLUMNS
    assert region.settlements.crs.to_epsg() == 4326
    s = region.settlements.set_index("settlement_id")
    assert s.loc["s1", "name"] == "Альфа" and s.loc["s1", "kind"] == "town" and s.loc["s1", "population"] == 12000
    assert np.isnan(s.loc["s3", "population"])
    assert list(s["district_id"]) == ["W", "W", "E", "E"]  # assigned from the outlines, said in a warning
    assert region.districts.set_index("district_id").loc["W", "population"] == 1500  # "1 500" parsed
    assert region.services.iloc[0]["district_id"] == "W"
    assert region.incidents_synthetic and region.incidents["count"].sum() == 9
    messages = " ".join(w.format() for w in region.warnings)
    assert "2 of 4 settlements have no population (village 1, hamlet 1)" in messages
    assert "districts were assigned from the outlines" in messages


@pytest.mark.parametrize(
    "broken, expected",
    [
        (
            "settlements_bad_numbers.csv",
            ["line 2: column 'population': expected a number", "line 3: column 'population': negative values"],
        ),
        ("settlements_duplicate_ids.csv", ["lines 2, 3: column 'id': duplicate ids"]),
        ("settlements_outside.csv", ["line 3: points lie outside the region outline"]),
        (
            "settlements_swapped.csv",
            [
                "lines 2, 3: points fall outside the region, but would fall inside with latitude and "
                "longitude exchanged. Fix: swap the lat and lon columns."
            ],
        ),
        ("settlements_metres.csv", ["line 2: coordinates are not degrees (they look like projected metres)"]),
        ("settlements_missing_columns.csv", ["needs coordinate columns lat and lon"]),
        ("settlements_empty.csv", ["settlements.csv: file is empty."]),
        ("settlements_header_only.csv", ["settlements.csv: has a header but no data rows."]),
    ],
)
def test_bad_settlement_files_are_reported_with_line_column_and_fix(region_with, broken, expected):
    messages = "\n".join(_errors(region_with(broken, as_="settlements.csv")))
    for text in expected:
        assert text in messages
    assert "Fix:" in messages


def test_every_problem_of_a_file_is_reported_together(region_with):
    messages = _errors(region_with("settlements_bad_numbers.csv", as_="settlements.csv"))
    assert len(messages) == 2  # the bad number and the negative, not only the first


@pytest.mark.parametrize(
    "broken, as_, expected",
    [
        ("districts_self_intersecting.geojson", "districts.geojson", "feature 1: invalid outlines (Self-intersection)"),
        (
            "districts_point.geojson",
            "districts.geojson",
            "feature 1: expected Polygon or MultiPolygon outlines; got Point",
        ),
        ("districts_duplicate_ids.geojson", "districts.geojson", "features 1, 2: column 'district_id': duplicate ids"),
        ("boundary_empty.geojson", "boundary.geojson", "boundary.geojson: file is empty (no features)."),
        ("boundary_truncated.geojson", "boundary.geojson", "boundary.geojson: cannot be read as GeoJSON"),
    ],
)
def test_bad_outline_files_are_errors(region_with, broken, as_, expected):
    messages = "\n".join(_errors(region_with(broken, as_=as_)))
    assert expected in messages


def test_invalid_outline_is_not_silently_repaired(region_with):
    with pytest.raises(RegionError):
        load_region(region_with("districts_self_intersecting.geojson", as_="districts.geojson"))


@pytest.mark.parametrize("broken", ["settlements_utf8_bom_semicolon.csv", "settlements_cp1251.csv"])
def test_encodings_separators_and_decimal_commas_load(region_with, broken):
    region = load_region(region_with(broken, as_="settlements.csv"))
    row = region.settlements.iloc[0]
    assert row["name"] == "Один" and row["population"] == 1200 and row["kind"] == "village"
    assert (round(row.geometry.y, 3), round(row.geometry.x, 3)) == (42.5, 68.2)


def test_missing_required_files(tiny_region):
    (tiny_region / "region.json").unlink()
    (tiny_region / "boundary.geojson").unlink()
    messages = "\n".join(_errors(tiny_region))
    assert "region.json: is missing; it is required." in messages
    assert "boundary.geojson: is missing; it is required." in messages


def test_unknown_place_kinds_are_warned_not_dropped(tiny_region):
    (tiny_region / "incidents.csv").unlink()
    (tiny_region / "settlements.csv").write_text(
        "id,name,place,population,lat,lon\nk1,Один,metropolis,10,42.5,68.2\n", encoding="utf-8"
    )
    region = load_region(tiny_region)
    assert len(region.settlements) == 1 and region.settlements.iloc[0]["kind"] == "unknown"
    assert any("unknown kind (metropolis)" in w.format() for w in region.warnings)


def test_incident_counts_with_bad_values_never_echo_content(tiny_region):
    (tiny_region / "incidents.csv").write_text(
        "settlement,period,count\ns1,2023,5 cases\ns2,2023,-1\ns1,2023,1.5\ns2,2023,\ns9,2023,3\ns1,last spring,3\n",
        encoding="utf-8",
    )
    messages = "\n".join(_errors(tiny_region))
    assert "line 2, 5: column 'count': expected a whole number" in messages.replace("lines", "line")
    assert "line 3: column 'count': counts cannot be negative" in messages
    assert "line 4: column 'count': counts must be whole numbers" in messages
    assert "line 6: column 'settlement'" in messages
    assert "line 7: column 'period'" in messages
    for secret in ("5 cases", "last spring", "s9"):
        assert secret not in messages


def test_incident_points_are_aggregated_to_settlements_and_discarded(tiny_region):
    (tiny_region / "incidents.csv").write_text(
        "date,lat,lon,type\n2023-02-01,42.51,68.21,x\n2023-08-01,42.51,68.21,x\n14.03.2024,42.21,68.88,y\n",
        encoding="utf-8",
    )
    region = load_region(tiny_region)
    assert set(region.incidents.columns) == set(INCIDENT_COLUMNS)
    rows = {(r.settlement_id, r.period): r.count for r in region.incidents.itertuples()}
    assert rows == {("s1", "2023-H1"): 1, ("s1", "2023-H2"): 1, ("s4", "2024-H1"): 1}


def test_read_services_reports_unknown_kind_and_outside_points(tiny_region):
    from geo.region import region_outline

    region = load_region(tiny_region)
    data = "id,name,kind,lat,lon\nx,Служба,bus,42.5,68.2\ny,Далеко,mobile,50,80\n".encode()
    with pytest.raises(ValidationError) as caught:
        read_services(data, name="scenario.csv", outline=region_outline(region))
    text = str(caught.value)
    assert "scenario.csv: line 2: column 'kind': kind must be one of permanent, mobile." in text
    assert "scenario.csv: line 3: points lie outside the region outline: y «Далеко»." in text


def test_an_uploaded_geojson_that_cannot_be_read_is_reported_by_its_name():
    # an upload is bytes: the message names the upload (it used to fail with AttributeError on bytes.name)
    with pytest.raises(ValidationError) as caught:
        read_services(b'{"type": "FeatureCollection", "features": [', name="sites.geojson")
    assert [(p.file, p.key) for p in caught.value.problems] == [("sites.geojson", "geojson_unreadable")]


def test_default_region_loads_as_the_real_region():
    region = load_region(DEFAULT_REGION)
    real = load_region(SHARED_TURKISTAN) if (SHARED_TURKISTAN / "region.json").is_file() else None
    assert len(region.boundary) == 2 and len(region.districts) == 21
    assert region.settlements["settlement_id"].is_unique and region.settlements["district_id"].notna().all()
    if real is not None:  # the same places as the real data it is built from
        assert set(region.settlements["settlement_id"]) == set(real.settlements["settlement_id"].astype(str))
    assert region.incidents_synthetic
    assert "districts" not in region.missing() and "roads" not in region.missing()
    assert region.roads_path == DEFAULT_REGION / "roads.geojson"  # the partial real road layers (a line layer)


@needs_shared
def test_real_turkistan_fixture_loads_with_its_quirks_as_warnings():
    region = load_region(SHARED_TURKISTAN)
    assert (len(region.boundary), len(region.districts), len(region.settlements)) == (2, 21, 940)
    assert region.settlements["settlement_id"].is_unique
    assert region.settlements["district_id"].notna().all()
    missing = int(region.settlements["population"].isna().sum())
    text = "\n".join(w.format() for w in region.warnings)
    assert f"{missing} of 940 settlements have no population" in text
    assert "Енбекшинскийский" in text  # the doubled-suffix typo in the outlines
    assert "Сауран" in text  # the district the classifier knows but the outlines lack


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "planning", *args], cwd=PROJECT, capture_output=True, text=True)


def test_cli_info_json_counts():
    done = _cli("info", "--region", str(DEFAULT_REGION), "--json")
    assert done.returncode == 0, done.stderr
    info = json.loads(done.stdout)
    region = load_region(DEFAULT_REGION)
    assert info["settlements"] == len(region.settlements) and info["services"] == len(region.services)
    assert info["districts"] == len(region.districts) and info["incidents_synthetic"] is True
    assert info["settlements_without_population"] == int(region.settlements["population"].isna().sum())


def test_cli_info_invalid_input_exits_2_without_traceback(region_with):
    done = _cli("info", "--region", str(region_with("settlements_duplicate_ids.csv", as_="settlements.csv")))
    assert done.returncode == 2
    assert "duplicate ids" in done.stderr and "Traceback" not in done.stderr


def test_cli_info_missing_folder_exits_2():
    done = _cli("info", "--region", "/no/such/folder")
    assert done.returncode == 2 and "is not a folder" in done.stderr


@needs_shared
def test_cli_info_on_the_real_fixture():
    done = _cli("info", "--region", str(SHARED_TURKISTAN))
    assert done.returncode == 0
    assert (
        "districts                        21" in done.stdout and "settlements                      940" in done.stdout
    )
