"""Incident uploads: parsed in memory, only counts stored, bad input rejected with a message and no loss."""

from __future__ import annotations

import io
import json
import os
import sqlite3
import time
from pathlib import Path

import numpy as np
import pytest
from pg import raw_connection

from geo.errors import ValidationError
from geo.region import load_region
from planning.intake.outlines import read_outline_upload
from planning.intake.uploads import MAX_UPLOAD_BYTES, MAX_UPLOAD_ROWS, safe_file_name
from planning.store.access import entries
from planning.store.intake import IncidentStore, ingest_incidents, upload_label

BAD = Path(__file__).parent / "data" / "bad"
DEFAULT_REGION = Path(__file__).resolve().parent.parent / "data" / "default"
SENTINEL = "SENTINEL-Зарема-ул.Абая-17"


def _square(x0, y0, x1, y1):
    return [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]


@pytest.fixture(scope="module")
def region(tmp_path_factory):
    """Two districts (west 68-69°E, east 69-70°E), two villages in each."""
    folder = tmp_path_factory.mktemp("tiny-region")
    (folder / "region.json").write_text(
        json.dumps(
            {
                "id": "tiny",
                "name": {"ru": "Крошка", "en": "Tiny"},
                "sources": [{"name": "hand-made", "licence": "CC0"}],
                "analysis_crs": "EPSG:32642",
            }
        ),
        encoding="utf-8",
    )
    (folder / "boundary.geojson").write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"name_ru": "Крошка"},
                        "geometry": {"type": "Polygon", "coordinates": _square(68, 42, 70, 44)},
                    }
                ],
            }
        ),
        encoding="utf-8",
    )
    (folder / "districts.geojson").write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"district_id": "DW", "name_ru": "Западный"},
                        "geometry": {"type": "Polygon", "coordinates": _square(68, 42, 69, 44)},
                    },
                    {
                        "type": "Feature",
                        "properties": {"district_id": "DE", "name_ru": "Восточный"},
                        "geometry": {"type": "Polygon", "coordinates": _square(69, 42, 70, 44)},
                    },
                ],
            }
        ),
        encoding="utf-8",
    )
    (folder / "settlements.csv").write_text(
        "id,name,name_ru,name_kk,name_en,kind,population,lat,lon\n"
        "W1,West One,Запад1,Батыс1,West One,village,1200,43.3,68.5\n"
        "W2,West Two,Запад2,Батыс2,West Two,village,800,42.5,68.9\n"
        "E1,East One,Восток1,Шығыс1,East One,village,950,43.5,69.1\n"
        "E2,East Two,Восток2,Шығыс2,East Two,town,5000,42.5,69.5\n",
        encoding="utf-8",
    )
    return load_region(folder)


@pytest.fixture
def store(tmp_path, db_at):
    return IncidentStore(db_at("qorgau"))


def _seed(store, region):
    """Counts that must survive every rejected upload."""
    result = ingest_incidents(
        b"settlement,period,count\nW1,2022,9\nE2,2022,14\n",
        filename="seed.csv",
        region=region,
        store=store,
        user="alice",
    )
    assert result.accepted, result.messages()
    return store.counts(region.region_id)


def _rejected(data, filename, region, store):
    before = _seed(store, region)
    result = ingest_incidents(data, filename=filename, region=region, store=store, user="alice")
    assert not result.accepted
    assert result.problems and all(message.startswith(result.file) for message in result.messages())
    assert all("Fix:" in message for message in result.messages())
    after = store.counts(region.region_id)
    assert after.equals(before), "a rejected upload changed the stored counts"
    assert entries(store, action="upload rejected")[0].object.endswith(upload_label(data, filename))
    return result, "\n".join(result.messages())


# --- accepted uploads ------------------------------------------------------------------------------------------
def test_points_are_assigned_to_the_nearest_village_of_their_district(region, store):
    # (43.5, 68.95) lies in the west district; East One (69.1) is nearer, West One (68.5) is its district's.
    data = (
        f"date,lat,lon,type\n2023-02-01,43.5,68.95,{SENTINEL}\n2023-08-01,43.31,68.52,x\n2023-08-02,42.54,69.42,y\n"
    ).encode()
    result = ingest_incidents(data, filename="points.csv", region=region, store=store, user="alice")
    assert result.accepted and result.layout == "points" and result.rows == 3
    counts = store.counts("tiny")
    assert sorted(zip(counts["settlement_id"], counts["period"], counts["count"])) == [
        ("E2", "2023-H2", 1),
        ("W1", "2023-H1", 1),
        ("W1", "2023-H2", 1),
    ]
    assert set(counts["district_id"]) == {"DW", "DE"}


def test_cp1251_semicolons_decimal_commas(region, store):
    result = ingest_incidents(
        (BAD / "cp1251_semicolon.csv").read_bytes(), filename="cp1251_semicolon.csv", region=region, store=store
    )
    assert result.accepted, result.messages()
    assert sorted(store.counts("tiny")["settlement_id"]) == ["E2", "W1"]


def test_utf8_bom_counts(region, store):
    result = ingest_incidents(
        (BAD / "utf8_bom_counts.csv").read_bytes(), filename="utf8_bom_counts.csv", region=region, store=store
    )
    assert result.accepted and result.layout == "counts", result.messages()
    counts = store.counts("tiny")
    assert dict(zip(counts["settlement_id"], counts["count"])) == {"W1": 7, "E1": 12}


def test_xlsx_counts(region, store):
    import openpyxl

    book = openpyxl.Workbook()
    for row in (["district", "period", "count"], ["DW", "2023", 11], ["Восточный", "2023", 3]):
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    result = ingest_incidents(buffer.getvalue(), filename="counts.xlsx", region=region, store=store)
    assert result.accepted, result.messages()
    counts = store.counts("tiny")
    assert dict(zip(counts["district_id"], counts["count"])) == {"DW": 11, "DE": 3}
    assert counts["settlement_id"].isna().all()


def test_geojson_points(region, store):
    document = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"date": "2023-03-01", "note": SENTINEL},
                "geometry": {"type": "Point", "coordinates": [68.52, 43.31]},
            },
            {
                "type": "Feature",
                "properties": {"date": "2023-03-02"},
                "geometry": {"type": "Point", "coordinates": [69.42, 42.54]},
            },
        ],
    }
    result = ingest_incidents(json.dumps(document).encode(), filename="points.geojson", region=region, store=store)
    assert result.accepted and result.layout == "points", result.messages()
    assert sorted(store.counts("tiny")["settlement_id"]) == ["E2", "W1"]


def test_replace_and_append(region, store):
    _seed(store, region)
    appended = ingest_incidents(
        b"settlement,period,count\nW2,2023,5\n", filename="more.csv", region=region, store=store, mode="append"
    )
    assert appended.accepted
    assert sorted(store.counts("tiny")["period"]) == ["2022", "2022", "2023"]
    twice = ingest_incidents(
        b"settlement,period,count\nW2,2023,5\n", filename="more.csv", region=region, store=store, mode="append"
    )
    assert not twice.accepted and "already stored" in twice.messages()[0]
    replaced = ingest_incidents(
        b"settlement,period,count\nE1,2024-H1,6\n", filename="new.csv", region=region, store=store, mode="replace"
    )
    assert replaced.accepted and store.counts("tiny")["period"].tolist() == ["2024-H1"]


def test_bundled_default_incidents_round_trip(tmp_path, db_at):
    region = load_region(DEFAULT_REGION)
    store = IncidentStore(db_at("db"))
    result = ingest_incidents(
        (DEFAULT_REGION / "incidents.csv").read_bytes(),
        filename="incidents.csv",
        region=region,
        store=store,
        user="demo",
    )
    assert result.accepted, result.messages()
    stored = store.counts(region.region_id)
    assert int(stored["count"].sum()) == int(region.incidents["count"].sum()) and stored["synthetic"].all()
    assert len(stored) == len(region.incidents)


# --- no leak -----------------------------------------------------------------------------------------------------
def test_only_counts_reach_the_database(region, tmp_path):
    store = IncidentStore(tmp_path / "db.sqlite")
    data = (
        f"id,date,lat,lon,type,victim\nR1,2023-02-01,43.512345,68.954321,{SENTINEL},{SENTINEL}\n"
        "R2,2023-08-01,43.31,68.52,x,y\n"
    ).encode()
    assert ingest_incidents(data, filename=f"{SENTINEL}.csv", region=region, store=store, user="alice").accepted
    rejected = ingest_incidents(data.replace(b"43.31", b"91.5"), filename="bad.csv", region=region, store=store)
    assert not rejected.accepted
    raw = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("db.sqlite"))
    for needle in (SENTINEL.encode(), b"43.512345", b"68.954321", b"R1", b"2023-02-01"):
        assert needle not in raw
    with raw_connection(store.path) as db:
        columns = {row[1] for row in db.execute("PRAGMA table_info(incident_counts)")}
    assert columns == {"region_id", "settlement_id", "district_id", "period", "count", "synthetic", "batch_id"}
    assert SENTINEL not in repr(rejected)


# --- bad input -----------------------------------------------------------------------------------------------------
def test_empty_file(region, store):
    _, text = _rejected(b"", "empty.csv", region, store)
    assert "empty" in text


def test_header_only(region, store):
    _, text = _rejected((BAD / "header_only.csv").read_bytes(), "header_only.csv", region, store)
    assert "no data rows" in text


def test_xlsx_renamed_csv(region, store):
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["settlement", "period", "count"])
    buffer = io.BytesIO()
    book.save(buffer)
    _, text = _rejected(buffer.getvalue(), "counts.csv", region, store)
    assert "Excel workbook" in text and "rename it to .xlsx" in text


def test_lat_lon_swapped(region, store):
    result, text = _rejected((BAD / "swapped_latlon.csv").read_bytes(), "swapped_latlon.csv", region, store)
    assert "swap the lat and lon columns" in text and result.problems[0].rows == (2, 3)


def test_projected_metres_as_degrees(region, store):
    _, text = _rejected((BAD / "projected_metres.csv").read_bytes(), "projected_metres.csv", region, store)
    assert "not degrees" in text and "lines 2, 3" in text
    assert "4796000" not in text


def test_blank_negative_fractional_and_worded_counts(region, store):
    result, text = _rejected((BAD / "bad_counts.csv").read_bytes(), "bad_counts.csv", region, store)
    rows = {p.message.split(".")[0]: p.rows for p in result.problems}
    assert rows["expected a whole number of incidents (e"] == (2, 5)  # blank, "5 cases"
    assert rows["counts must be whole numbers"] == (4,)
    assert rows["counts cannot be negative"] == (3,)
    assert all(p.column == "count" for p in result.problems)
    assert "cases" not in text and "2.5" not in text and "-3" not in text


def test_duplicate_record_ids(region, store):
    result, text = _rejected((BAD / "duplicate_ids.csv").read_bytes(), "duplicate_ids.csv", region, store)
    assert "counted twice" in text and result.problems[0].rows == (2, 4) and "A-17" not in text


def test_duplicate_place_and_period(region, store):
    result, text = _rejected((BAD / "duplicate_counts.csv").read_bytes(), "duplicate_counts.csv", region, store)
    assert "same place and period" in text and result.problems[0].rows == (2, 4)


def test_polygon_where_a_point_belongs(region, store):
    result, text = _rejected(
        (BAD / "polygon_for_point.geojson").read_bytes(), "polygon_for_point.geojson", region, store
    )
    assert "expected Point" in text and "feature 2" in text


def test_self_intersecting_polygon():
    with pytest.raises(ValidationError) as caught:
        read_outline_upload((BAD / "self_intersecting.geojson").read_bytes(), filename="self_intersecting.geojson")
    assert "Self-intersection" in str(caught.value) and "feature 1" in str(caught.value)
    assert "Fix Geometries" in str(caught.value)


def test_point_where_a_polygon_belongs():
    with pytest.raises(ValidationError, match="expected Polygon or MultiPolygon outlines; got Point"):
        read_outline_upload((BAD / "point_for_polygon.geojson").read_bytes(), filename="point_for_polygon.geojson")


def test_outline_upload_accepts_valid_districts():
    document = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"district_id": "D1", "name_ru": "Один", "population": "12 500"},
                "geometry": {"type": "Polygon", "coordinates": _square(68, 42, 69, 43)},
            }
        ],
    }
    districts = read_outline_upload(json.dumps(document).encode(), filename="districts.geojson")
    assert districts["district_id"].tolist() == ["D1"] and districts["population"].tolist() == [12500.0]


def test_vertex_cap(region, store):
    angles = np.linspace(0, 2 * np.pi, 1_000_002)[:-1]
    ring = np.round(np.column_stack([68 + 0.5 * np.cos(angles), 43 + 0.5 * np.sin(angles)]), 3).tolist()
    document = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"district_id": "D1"},
                "geometry": {"type": "Polygon", "coordinates": [ring + [ring[0]]]},
            }
        ],
    }
    data = json.dumps(document, separators=(",", ":")).encode()
    assert len(data) < MAX_UPLOAD_BYTES
    with pytest.raises(ValidationError, match="vertices"):
        read_outline_upload(data, filename="huge.geojson")


def test_a_million_rows_under_the_byte_cap(region, store):
    data = b"date,lat,lon\n" + b"2023-03-01,43.31,68.52\n" * 1_000_000
    assert len(data) < MAX_UPLOAD_BYTES
    started = time.perf_counter()
    _, text = _rejected(data, "million.csv", region, store)
    assert time.perf_counter() - started < 10
    assert f"at most {MAX_UPLOAD_ROWS:,}" in text


def test_over_the_byte_cap(region, store):
    _, text = _rejected(b"x" * (MAX_UPLOAD_BYTES + 1), "big.csv", region, store)
    assert "the limit is 25 MB" in text


def test_zip_bomb_xlsx(region, store):
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * 300_000_000)
    assert len(buffer.getvalue()) < 1_000_000
    _, text = _rejected(buffer.getvalue(), "bomb.xlsx", region, store)
    assert "zip bomb" in text


def test_file_name_is_never_a_path(region, store, tmp_path, monkeypatch):
    work = tmp_path / "a" / "b"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    before = sorted(p for p in tmp_path.rglob("*"))
    result = ingest_incidents(
        b"settlement,period,count\nW1,2023,7\n", filename="../../x.csv", region=region, store=store
    )
    assert result.accepted and result.file == "x.csv"
    database = store.path.name  # the database and its records beside it (qorgau.sqlite*, qorgau.pgstore*)
    assert sorted(p for p in tmp_path.rglob("*") if not p.name.startswith(database)) == [
        p for p in before if not p.name.startswith(database)
    ]
    assert not (tmp_path / "x.csv").exists()
    bad = ingest_incidents(b"", filename="..\\..\\evil\r\nname.csv", region=region, store=store)
    assert bad.file == "evilname.csv" and all(m.startswith("evilname.csv:") for m in bad.messages())
    assert safe_file_name("/etc/passwd") == "passwd" and safe_file_name("..") == "upload"


def test_headerless_file_does_not_echo_its_first_record(region, store):
    _, text = _rejected(
        f"2023-03-01,43.512345,68.954321,{SENTINEL}\n2023-03-02,43.1,68.6,y\n".encode(), "noheader.csv", region, store
    )
    assert "header" in text and "43.512345" not in text and SENTINEL not in text


def test_failure_while_writing_rolls_back(region, store):
    before = _seed(store, region)
    with raw_connection(store.path) as db:
        if store.postgres:
            db.raw.execute(
                "CREATE FUNCTION fail_on_e1() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                "IF NEW.settlement_id = 'E1' THEN RAISE EXCEPTION 'disk trouble'; END IF; RETURN NEW; END $$; "
                "CREATE TRIGGER fail_on_e1 BEFORE INSERT ON incident_counts FOR EACH ROW EXECUTE FUNCTION fail_on_e1()"
            )
        else:
            db.execute(
                "CREATE TRIGGER fail_on_e1 BEFORE INSERT ON incident_counts WHEN NEW.settlement_id = 'E1' "
                "BEGIN SELECT RAISE(ABORT, 'disk trouble'); END"
            )
    with pytest.raises(sqlite3.IntegrityError):
        ingest_incidents(
            b"settlement,period,count\nW1,2023,5\nE1,2023,8\n", filename="ok.csv", region=region, store=store
        )
    assert store.counts("tiny").equals(before)


def test_upload_is_recorded_in_the_audit_log_without_content(region, store):
    data = f"date,lat,lon,type\n2023-02-01,43.5,68.95,{SENTINEL}\n".encode()
    ingest_incidents(data, filename="p.csv", region=region, store=store, user="alice")
    entry = entries(store, user="alice")[0]
    assert entry.action == "upload incidents (replace)" and "2023-H1" in entry.object
    assert entry.object.startswith("incidents tiny from .csv upload of 79 bytes, sha256 ")
    assert upload_label(data, "p.csv") in entry.object and len(data) == 79
    assert SENTINEL not in entry.object and "43.5" not in entry.object


def test_uploaded_bytes_are_not_written(region, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    store = IncidentStore(tmp_path / "db" / "q.sqlite")
    ingest_incidents(b"date,lat,lon\n2023-02-01,43.5,68.95\n", filename="upload.csv", region=region, store=store)
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file() and not p.name.startswith("q.sqlite")) == []
    assert os.listdir(tmp_path) == ["db"]
