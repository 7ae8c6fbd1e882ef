"""Bad input at every door (issue 11, items 10-12): column aliases in every loader from one list, projected
outlines, non-finite coordinates, region.json types, XLSX row caps without trusting <dimension>, scenario import
checks and caps, a read-only or full database, and region folders only under the configured roots."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import BROKEN, PROJECT, TINY, signed_in_app

from geo.errors import RegionError, ValidationError
from geo.region import load_region, read_services, region_folder_under_roots
from geo.schema import COLUMN_ALIASES
from geo.tabular import canonical_columns, normalise_header, parse_numbers, read_table
from planning.i18n import format_problem
from planning.intake.incidents import parse_incidents
from planning.intake.outlines import read_outline_upload
from planning.scenarios import MAX_SCENARIO_SITES, Site, import_csv
from planning.store.db import StorageError
from planning.store.intake import IncidentStore, ingest_incidents
from planning.store.scenarios import ScenarioStore
from planning.suggest import candidate_sites


def _problems(folder) -> list:
    with pytest.raises(RegionError) as caught:
        load_region(folder)
    return caught.value.problems


def _text(problems) -> str:
    return "\n".join(p.format() for p in problems)


# --- 10. column aliases ---------------------------------------------------------------------------------------------


def test_services_csv_may_say_service_id(tiny_region):
    shutil.copy(BROKEN / "services_service_id.csv", tiny_region / "services.csv")
    region = load_region(tiny_region)
    assert list(region.services["service_id"]) == ["a", "b"]
    assert list(region.services["kind"]) == ["permanent", "mobile"]


@pytest.mark.parametrize("broken", ["settlements_russian_headers.csv", "settlements_kazakh_headers.csv"])
def test_russian_and_kazakh_headers_are_read_and_said(region_with, broken):
    region = load_region(region_with(broken, as_="settlements.csv"))
    s = region.settlements.set_index("settlement_id")
    assert list(s.index) == ["s1", "s2", "s3", "s4"]
    assert s.loc["s1", "name"] == "Альфа" and s.loc["s1", "kind"] == "city" and s.loc["s2", "population"] == 800
    assert s.loc["s4", "kind"] == "hamlet" and abs(s.loc["s1"].geometry.y - 42.5) < 1e-9
    note = next(w for w in region.warnings if w.key == "columns_read_as")
    latitude = "широта" if "russian" in broken else "ендік"
    assert f"'{latitude}' → lat" in note.format()
    assert "столбцы прочитаны как" in format_problem(note, "ru")
    assert "бағандар былай оқылды" in format_problem(note, "kk")
    # a message about a column names the header the file has, not the canonical field
    population = next(w for w in region.warnings if w.key == "population_missing")
    assert population.column == ("население" if "russian" in broken else "халқы")


def test_two_columns_for_one_field_is_an_error_naming_both(region_with):
    problems = _problems(region_with("settlements_ambiguous_lat.csv", as_="settlements.csv"))
    ambiguous = next(p for p in problems if p.key == "columns_ambiguous")
    assert "'lat', 'широта'" in ambiguous.format() and "'lat'" in ambiguous.format()
    assert "«lat»" in format_problem(ambiguous, "ru")


def test_canonical_columns_is_case_and_space_insensitive_and_does_not_mutate():
    table = pd.DataFrame({"  Широта ": ["42.5"], "ДОЛГОТА": ["68.2"], "Населённый   пункт": ["s1"]})
    renamed, problems = canonical_columns(table, "incidents", name="x.csv")
    assert {"lat", "lon", "settlement_id"} <= set(renamed.columns)
    assert list(table.columns) == ["  Широта ", "ДОЛГОТА", "Населённый   пункт"]
    assert [p.key for p in problems] == ["columns_read_as"]


def test_one_alias_list_no_alias_is_claimed_by_two_fields():
    for kind, fields in COLUMN_ALIASES.items():
        owner = {}
        for field, tiers in fields.items():
            for alias in (normalise_header(a) for tier in tiers for a in tier):
                assert owner.setdefault(alias, field) == field, f"{kind}: '{alias}' read as {owner[alias]} and {field}"
    # the loaders keep no alias tuples of their own: "широта" and "latitude" are spelled only in geo/schema.py
    for path in (
        "geo/region.py",
        "geo/tabular.py",
        "geo/incidents.py",
        "planning/intake/incidents.py",
        "planning/intake/outlines.py",
        "planning/scenarios.py",
        "planning/suggest.py",
    ):
        text = (PROJECT / path).read_text(encoding="utf-8")
        assert "широта" not in text and '"latitude"' not in text and '"osm_id"' not in text, path


def test_incident_counts_with_russian_headers_load_in_the_region(tiny_region):
    shutil.copy(BROKEN / "incidents_russian_headers.csv", tiny_region / "incidents.csv")
    region = load_region(tiny_region)
    assert region.incidents["count"].sum() == 9
    assert any(w.key == "columns_read_as" and "'количество' → count" in w.format() for w in region.warnings)


@pytest.fixture
def tiny(tiny_region):
    return load_region(tiny_region)


def test_incident_uploads_with_kazakh_and_russian_headers(tiny, tmp_path):
    points = "Күні;Ендік;Бойлық\n2023-03-01;42,5;68,2\n2023-08-01;42,6;68,4\n".encode()
    counts, layout, rows, problems = parse_incidents(points, filename="x.csv", region=tiny)
    assert layout == "points" and counts["count"].sum() == 2
    assert any(p.key == "columns_read_as" for p in problems)
    store = IncidentStore(tmp_path / "q.sqlite")
    result = ingest_incidents(
        "Населённый пункт,Период,Количество\ns1,2023,3\n".encode(), filename="c.csv", region=tiny, store=store, user="t"
    )
    assert result.accepted and store.counts("tiny")["count"].sum() == 3
    assert any("'количество' → count" in m for m in result.messages())


def test_district_outline_upload_reads_an_uppercase_kato_header():
    document = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"КАТО": "611000000", "Название (рус)": "Район"},
                "geometry": {"type": "Polygon", "coordinates": [[[68, 42], [69, 42], [69, 43], [68, 42]]]},
            }
        ],
    }
    districts = read_outline_upload(json.dumps(document).encode(), filename="d.geojson")
    assert list(districts["district_id"]) == ["611000000"] and list(districts["name_ru"]) == ["Район"]


def test_scenario_import_and_candidate_upload_read_the_aliases(tiny):
    data = "Идентификатор,Наименование,Тип,Широта,Долгота\nn1,Новая,mobile,42.5,68.5\n".encode()
    notes = []
    sites = import_csv(data, name="scen.csv", region=tiny, notes=notes)
    assert [(s.service_id, s.name, s.kind) for s in sites] == [("n1", "Новая", "mobile")]
    assert any(n.key == "columns_read_as" for n in notes)
    notes = []
    candidates = candidate_sites(tiny, source="upload", upload=data, upload_name="cand.csv", notes=notes)
    assert list(candidates["settlement_id"]) == ["n1"] and any(n.key == "columns_read_as" for n in notes)


# --- 11. coordinates, outlines, region.json, caps, the database ------------------------------------------------------


def test_a_boundary_in_utm_metres_is_a_clear_error_naming_file_and_crs(tiny_region):
    shutil.copy(BROKEN / "boundary_utm_metres.geojson", tiny_region / "boundary.geojson")
    problems = _problems(tiny_region)
    text = _text(problems)
    assert "boundary.geojson" in text and "EPSG:32642" in text and "projected metres" in text
    assert "EPSG:32642" in format_problem(problems[0], "ru") and "метры проекции" in format_problem(problems[0], "ru")
    run = subprocess.run(
        [sys.executable, "-m", "planning", "info", "--region", str(tiny_region)],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 2, run.stderr  # a validation error, not a crash (exit 1, GEOSException)
    assert "GEOSException" not in run.stdout + run.stderr and "EPSG:32642" in run.stdout + run.stderr


def test_district_outlines_in_metres_are_an_error_too(tiny_region):
    from pyproj import Transformer

    document = json.loads((tiny_region / "districts.geojson").read_text(encoding="utf-8"))
    to_utm = Transformer.from_crs("EPSG:4326", "EPSG:32642", always_xy=True)
    for feature in document["features"]:
        geometry = feature["geometry"]
        rings = (
            geometry["coordinates"]
            if geometry["type"] == "Polygon"
            else [r for p in geometry["coordinates"] for r in p]
        )
        for ring in rings:
            ring[:] = [list(to_utm.transform(*xy)) for xy in ring]
    (tiny_region / "districts.geojson").write_text(json.dumps(document), encoding="utf-8")
    assert any(p.key == "outline_projected_district" and p.file == "districts.geojson" for p in _problems(tiny_region))


def test_a_point_outside_is_named_by_id_and_name(region_with, tiny):
    problems = _problems(region_with("settlements_outside_named.csv", as_="settlements.csv"))
    outside = next(p for p in problems if p.key == "points_outside_named")
    assert outside.rows == (3,) and "far «Далёкое»" in outside.format()
    assert "far «Далёкое»" in format_problem(outside, "kk")
    with pytest.raises(ValidationError) as caught:
        from geo.region import region_outline

        read_services("id,name,lat,lon\nz,Служба Зета,50,80\n".encode(), name="s.csv", outline=region_outline(tiny))
    assert "z «Служба Зета»" in str(caught.value)


def test_non_finite_coordinates_are_errors_in_csv(region_with):
    problems = _problems(region_with("settlements_infinite.csv", as_="settlements.csv"))
    lines = {line for p in problems if p.column in ("lat", "lon") for line in p.rows}
    assert lines == {3, 4, 5}  # 1e400 (overflows to inf), inf and nan


def test_non_finite_coordinates_are_errors_in_geojson_points(tiny_region):
    for stale in ("settlements.csv", "incidents.csv"):
        (tiny_region / stale).unlink()
    (tiny_region / "settlements.geojson").write_text(
        '{"type": "FeatureCollection", "features": ['
        '{"type": "Feature", "properties": {"id": "s1", "name": "A"}, "geometry": {"type": "Point", "coordinates": [68.2, 42.5]}},'  # noqa: E501  (one data line)
        '{"type": "Feature", "properties": {"id": "s2", "name": "B"}, "geometry": {"type": "Point", "coordinates": [68.4, NaN]}}]}',  # noqa: E501  (one data line)
        encoding="utf-8",
    )  # GDAL reads NaN as a number (and refuses 1e400 as unreadable, which is an error too)
    problems = _problems(tiny_region)
    assert [(p.key, p.rows) for p in problems if p.severity == "error"] == [("coordinates_not_finite", (2,))]


def test_non_finite_numbers_are_bad_cells():
    numbers, blank, bad = parse_numbers(pd.Series(["1e400", "-1e999", "inf", "NaN", "12,5", ""]))
    assert list(bad) == [True, True, True, True, False, False] and numbers[4] == 12.5
    assert not np.isinf(numbers).any()


@pytest.mark.parametrize(
    "data, filename",
    [
        (b"date,lat,lon\n2023-01-05,1e400,68.2\n", "p.csv"),
        (
            b'{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"date": "2023-01-05"},'
            b' "geometry": {"type": "Point", "coordinates": [68.2, 1e400]}}]}',
            "p.geojson",
        ),
        (
            b'{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"date": "2023-01-05"},'
            b' "geometry": {"type": "Point", "coordinates": [NaN, 42.5]}}]}',
            "p.geojson",
        ),
    ],
)
def test_non_finite_coordinates_are_refused_in_incident_uploads(tiny, data, filename):
    counts, _, _, problems = parse_incidents(data, filename=filename, region=tiny)
    assert counts is None and any(p.severity == "error" for p in problems)


def test_non_finite_outline_upload_and_candidate_upload_are_refused(tiny):
    document = (
        '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"id": "W"},'
        ' "geometry": {"type": "Polygon", "coordinates": [[[68, 42], [69, NaN], [69, 43], [68, 42]]]}}]}'
    )
    with pytest.raises(ValidationError) as caught:
        read_outline_upload(document.encode(), filename="d.geojson")
    assert any(p.key == "outline_not_finite" for p in caught.value.problems)
    with pytest.raises(ValidationError):
        candidate_sites(tiny, source="upload", upload=b"id,name,lat,lon\nc,C,1e400,68.2\n", upload_name="c.csv")


@pytest.mark.parametrize(
    "meta, field",
    [
        ({"name": ["Малый", "Tiny"]}, "name"),
        ({"name": {"ru": 5}}, "name.ru"),
        ({"sources": "hand-made"}, "sources"),
        ({"sources": ["hand-made"]}, "sources[1]"),
        ({"sources": [{"files": "*", "name": "x", "licence": "CC0"}]}, "sources[1].files"),
        ({"analysis_crs": 32642}, "analysis_crs"),
        ({"id": {"x": 1}}, "id"),
    ],
)
def test_region_json_fields_of_the_wrong_type_are_errors(tiny_region, meta, field):
    base = json.loads((TINY / "region.json").read_text(encoding="utf-8"))
    (tiny_region / "region.json").write_text(json.dumps({**base, **meta}), encoding="utf-8")
    problems = _problems(tiny_region)
    wrong = [p for p in problems if p.key == "meta_wrong_type"]
    assert [p.column for p in wrong] == [field], _text(problems)
    assert "hand-made" not in _text(problems)  # the type is named, not the value


def test_home_page_shows_wrong_region_json_types_instead_of_crashing(monkeypatch, tiny_region, tmp_path):
    base = json.loads((TINY / "region.json").read_text(encoding="utf-8"))
    (tiny_region / "region.json").write_text(json.dumps({**base, "sources": "hand-made"}), encoding="utf-8")
    monkeypatch.setenv("QORGAU_REGION", str(tiny_region))
    monkeypatch.setenv("QORGAU_SCENARIO_DB", str(tmp_path / "q.sqlite"))
    monkeypatch.chdir(PROJECT)
    at = signed_in_app()  # asserts no exception
    assert at.error and "sources" in at.code[0].value and "JSON" in at.code[0].value


def _workbook_with_false_dimension(rows: int) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["settlement", "period", "count"])
    for i in range(rows):
        sheet.append([f"s{i}", "2023", 1])
    buffer = io.BytesIO()
    book.save(buffer)
    source, target = zipfile.ZipFile(io.BytesIO(buffer.getvalue())), io.BytesIO()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename.startswith("xl/worksheets/sheet"):
                data, n = re.subn(rb'<dimension ref="[^"]*"\s*/>', b'<dimension ref="A1:C2"/>', data)
                assert n == 1
            out.writestr(info, data)
    return target.getvalue()


def test_xlsx_row_cap_holds_when_the_dimension_tag_lies():
    data = _workbook_with_false_dimension(300)
    frame, problems = read_table(data, name="big.xlsx", max_rows=100)
    assert frame is None and [p.key for p in problems] == ["sheet_over_row_cap"]
    frame, problems = read_table(data, name="big.xlsx", max_rows=1000)  # and every row is read, not 1
    assert frame is not None and len(frame) == 300 and list(frame.columns) == ["settlement", "period", "count"]


def test_scenario_import_checks_the_outline_and_caps_the_sites(tiny):
    with pytest.raises(ValidationError) as caught:
        import_csv("id,name,lat,lon\nin,Внутри,42.5,68.5\nout,Снаружи,48.0,80.0\n".encode(), name="s.csv", region=tiny)
    assert "out «Снаружи»" in str(caught.value) and "in «" not in str(caught.value)
    rows = "".join(f"s{i},Site {i},42.5,68.5\n" for i in range(MAX_SCENARIO_SITES + 1))
    with pytest.raises(ValidationError) as caught:
        import_csv(("id,name,lat,lon\n" + rows).encode(), name="s.csv", region=tiny)
    assert [p.key for p in caught.value.problems] == ["scenario_too_many_sites"]
    assert (
        len(import_csv(("id,name,lat,lon\n" + rows[rows.index("s1,") :]).encode(), region=tiny)) == MAX_SCENARIO_SITES
    )


class _ReadOnly(ScenarioStore):
    def _connect(self, *, read_only=False):
        return sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, isolation_level=None)


def _full(store_class):
    class Full(store_class):
        def _connect(self, *, read_only=False):
            connection = super()._connect(read_only=read_only)
            pages = connection.execute("PRAGMA page_count").fetchone()[0]
            connection.execute(f"PRAGMA max_page_count = {pages}")
            return connection

    return Full


def test_a_read_only_database_gives_a_clear_message_and_keeps_data(tmp_path):
    path = tmp_path / "q.sqlite"
    ScenarioStore(path).create("Базовый", "tiny", [Site("a", "A", "permanent", 42.5, 68.2)])
    store = _ReadOnly(path)
    assert [s.name for s in store.list_scenarios("tiny")] == ["Базовый"]  # reading still works
    with pytest.raises(StorageError) as caught:
        store.create("Новый", "tiny", [])
    assert caught.value.reason == "readonly" and isinstance(caught.value, OSError)
    assert "только для чтения" in caught.value.message("ru") and "read-only" in str(caught.value)
    assert [s.name for s in ScenarioStore(path).list_scenarios("tiny")] == ["Базовый"]


def test_a_full_disk_gives_a_clear_message_and_keeps_data(tmp_path, tiny):
    path = tmp_path / "q.sqlite"
    store = IncidentStore(path)
    assert ingest_incidents(
        b"settlement,period,count\ns1,2022,4\n", filename="a.csv", region=tiny, store=store
    ).accepted
    many = "settlement,period,count\n" + "".join(f"s{1 + i % 4},{2000 + i // 4},{i}\n" for i in range(4000))
    with pytest.raises(StorageError) as caught:
        ingest_incidents(many.encode(), filename="b.csv", region=tiny, store=_full(IncidentStore)(path))
    assert caught.value.reason == "full" and "заполнен" in caught.value.message("ru")
    kept = IncidentStore(path).counts("tiny")
    assert list(kept["period"]) == ["2022"] and kept["count"].sum() == 4  # the replace was rolled back whole


# --- 12. region folders only under the configured roots ---------------------------------------------------------------


@pytest.fixture
def roots(tmp_path):
    """roots/ holding a region copy; elsewhere/ (outside) holding another."""
    inside, outside = tmp_path / "roots", tmp_path / "elsewhere"
    shutil.copytree(TINY, inside / "tiny")
    shutil.copytree(TINY, outside / "other")
    return inside, outside


def test_region_folders_are_opened_only_under_the_roots(roots):
    inside, outside = roots
    assert region_folder_under_roots(inside / "tiny", roots=[inside]) == (inside / "tiny").resolve()
    for path in (outside / "other", inside / ".." / "elsewhere" / "other", "/etc"):
        with pytest.raises(RegionError) as caught:
            region_folder_under_roots(path, roots=[inside])
        assert [p.key for p in caught.value.problems] == ["folder_outside_roots"]


def test_no_symlink_escape(roots):
    inside, outside = roots
    (inside / "link").symlink_to(outside / "other", target_is_directory=True)
    with pytest.raises(RegionError) as caught:
        region_folder_under_roots(inside / "link", roots=[inside])
    assert [p.key for p in caught.value.problems] == ["folder_outside_roots"]
    (outside / "secret.csv").write_text("password,hash\nroot,xyz\n", encoding="utf-8")
    (inside / "tiny" / "settlements.csv").unlink()
    (inside / "tiny" / "settlements.csv").symlink_to(outside / "secret.csv")
    with pytest.raises(RegionError) as caught:
        region_folder_under_roots(inside / "tiny", roots=[inside])
    assert [(p.key, p.file) for p in caught.value.problems] == [("region_file_outside_roots", "settlements.csv")]
    assert "password" not in _text(caught.value.problems)


def test_default_roots_and_the_environment(monkeypatch, tmp_path):
    from geo.settings import DEFAULT_REGION_ROOTS, region_roots

    monkeypatch.delenv("QORGAU_REGION_ROOTS", raising=False)
    monkeypatch.delenv("QORGAU_REGION", raising=False)
    assert region_roots()[:2] == [p.resolve() for p in DEFAULT_REGION_ROOTS]
    monkeypatch.setenv("QORGAU_REGION_ROOTS", os.pathsep.join([str(tmp_path / "a"), str(tmp_path / "b")]))
    monkeypatch.setenv("QORGAU_REGION", str(tmp_path / "c" / "region"))
    assert region_roots() == [(tmp_path / n).resolve() for n in ("a", "b", "c/region")]


def _home(monkeypatch, tmp_path, inside: Path):
    monkeypatch.setenv("QORGAU_REGION_ROOTS", str(inside))
    monkeypatch.setenv("QORGAU_REGION", str(inside / "tiny"))
    monkeypatch.setenv("QORGAU_SCENARIO_DB", str(tmp_path / "q.sqlite"))
    monkeypatch.chdir(PROJECT)
    return signed_in_app()


def _open(at, folder) -> str:
    at.text_input[0].input(str(folder))
    next(b for b in at.button if str(b.key).startswith("FormSubmitter:open_region")).click().run()
    assert not at.exception, at.exception
    return "\n".join(e.value for e in at.error)


def _everything(at) -> str:
    parts = [
        e.value
        for kind in ("error", "markdown", "code", "caption", "warning", "info", "text", "subheader")
        for e in getattr(at, kind)
    ]
    return "\n".join(str(p) for p in parts)


def test_home_page_refuses_a_folder_outside_the_roots_and_a_symlink_out(monkeypatch, tmp_path, roots):
    inside, outside = roots
    (inside / "link").symlink_to(outside / "other", target_is_directory=True)
    at = _home(monkeypatch, tmp_path, inside)
    for folder in (outside / "other", inside / "link"):
        shown = _open(at, folder)
        assert "вне разрешённых папок регионов" in shown
        assert (
            "region_dir" not in at.session_state or Path(at.session_state["region_dir"]) == (inside / "tiny").resolve()
        )


def test_home_page_does_not_echo_files_of_a_folder_that_is_not_a_region(monkeypatch, tmp_path, roots):
    inside, _ = roots
    (inside / "notes").mkdir()
    (inside / "notes" / "settlements.csv").write_text("SECRET-HEADER,patient\nivanova,x\n", encoding="utf-8")
    (inside / "notes" / "services.csv").write_text("TOPSECRET;1\n", encoding="utf-8")
    at = _home(monkeypatch, tmp_path, inside)
    shown = _open(at, inside / "notes")
    assert "не папка региона" in shown
    assert "secret" not in _everything(at).lower() and "patient" not in _everything(at)


def test_home_page_opens_a_region_under_the_roots(monkeypatch, tmp_path, roots):
    inside, _ = roots
    shutil.copytree(TINY, inside / "second")
    meta = json.loads((inside / "second" / "region.json").read_text(encoding="utf-8"))
    meta["name"]["ru"] = "Второй регион"
    (inside / "second" / "region.json").write_text(json.dumps(meta), encoding="utf-8")
    at = _home(monkeypatch, tmp_path, inside)
    assert _open(at, inside / "second") == ""
    assert Path(at.session_state["region_dir"]) == (inside / "second").resolve()
    assert "Второй регион" in _everything(at)


def test_a_read_only_database_is_a_message_on_the_page_not_a_traceback(monkeypatch, tmp_path):
    from planning.store.db import SqliteStore

    path = tmp_path / "q.sqlite"
    sqlite3.connect(path).close()  # an empty database file that the app may only read
    monkeypatch.setattr(
        SqliteStore,
        "_connect",
        lambda self, read_only=False: sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, isolation_level=None),
    )
    monkeypatch.setenv("QORGAU_REGION", str(TINY))
    monkeypatch.setenv("QORGAU_SCENARIO_DB", str(path))
    monkeypatch.chdir(PROJECT)
    from streamlit.testing.v1 import AppTest

    # sessions live in the database too: the app's first run (the sign-in gate) cannot create its tables
    at = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    assert any("только для чтения" in e.value for e in at.error), [e.value for e in at.error]
