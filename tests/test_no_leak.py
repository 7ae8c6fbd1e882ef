"""No incident point or free text leaves the intake: not on any page, export, CLI output, log or file on disk.

A synthetic extract carries a sentinel string in its free-text columns and exact coordinates. It is uploaded
(through the upload page, the intake function and the CLI) into a temporary region and database; then every page
listed in app.py is rendered as a planner and as a presenter, every export of planning.render.exports is built, the CLI
commands are run, and all of it (page elements, downloads, outputs, logs, every file under tmp_path including the
SQLite files) is searched for the sentinel and for the coordinates at several precisions and as binary doubles.
"""

from __future__ import annotations

import dataclasses
import inspect
import logging
import re
import struct
import subprocess
import sys

import pandas as pd
import pytest
import streamlit as st
from conftest import PROJECT, sign_in_session
from streamlit.delta_generator import DeltaGenerator
from streamlit.testing.v1 import AppTest

from planning.store import access

APP = PROJECT / "app.py"
SENTINEL = "QORGAU-SENTINEL-7F3A9"
POINTS = [(42.512345, 68.212345), (42.487654, 68.387654), (42.6123456, 68.4198765)]  # lat, lon in district W


def extract_csv() -> bytes:
    lines = ["id,date,lat,lon,type,address,note"]
    for number, (lat, lon) in enumerate(POINTS, start=1):
        lines.append(f"R{number},2024-0{number}-15,{lat},{lon},{SENTINEL},ул. {SENTINEL} {number},{SENTINEL} note")
    return ("\n".join(lines) + "\n").encode()


def needles() -> list[str]:
    """The sentinel and each coordinate at 4 to 7 decimals (rounded and cut), with a point and a comma."""
    found = {SENTINEL, SENTINEL.lower()}
    for value in (v for point in POINTS for v in point):
        for decimals in range(4, 8):
            for text in (f"{value:.{decimals}f}", str(value)[: str(value).index(".") + 1 + decimals]):
                found |= {text, text.replace(".", ",")}
    return sorted(found)


def binary_needles() -> list[bytes]:
    return [struct.pack(order + "d", v) for point in POINTS for v in point for order in "<>"]


def leaks(text: str) -> list[str]:
    return [n for n in needles() if n in text]


def page_files() -> list[str]:
    """Every page app.py lists (one st.Page line each), so pages added later are covered too."""
    return re.findall(r"st\.Page\(\s*[\"']([^\"']+)[\"']", APP.read_text(encoding="utf-8"))


@pytest.fixture
def world(tiny_region, tmp_path, monkeypatch, caplog):
    """The tiny region, a database in tmp_path with the three roles, and the extract outside tmp_path's scan."""
    db = tmp_path / "data" / "qorgau.sqlite"
    monkeypatch.setenv("QORGAU_SCENARIO_DB", str(db))
    monkeypatch.setenv("QORGAU_REGION", str(tiny_region))
    monkeypatch.chdir(PROJECT)
    caplog.set_level(logging.DEBUG)
    store = access.AccessStore(db)
    access.create_first_admin(store, "boss", "correct horse battery staple")
    source = tmp_path.parent / f"{tmp_path.name}-extract" / "extract.csv"  # the only file allowed to hold them
    source.parent.mkdir(exist_ok=True)
    source.write_bytes(extract_csv())
    return {"db": db, "region": tiny_region, "source": source, "tmp": tmp_path}


def assert_no_leak_on_disk_or_in_logs(world, caplog) -> None:
    for path in sorted(p for p in world["tmp"].rglob("*") if p.is_file()):
        data = path.read_bytes()
        text = data.decode("utf-8", errors="replace")
        assert not leaks(text), (path, leaks(text))
        assert not [b for b in binary_needles() if b in data], path
    assert not leaks(caplog.text), leaks(caplog.text)


def test_the_detector_finds_what_it_looks_for(world):
    text = world["source"].read_text()
    assert SENTINEL in leaks(text) and "42.512345" in leaks(text) and "68,2123" in leaks("x 68,2123 y")
    assert leaks("42.5123") and not leaks("42.5 68.2 42.51")  # settlement positions are not incident points


def page_text(at: AppTest) -> str:
    """Everything the app sent for this run: every element's message (texts, component arguments, HTML)
    and every table's values."""
    parts, stack = [], [at._tree]
    while stack:
        node = stack.pop()
        stack.extend(getattr(node, "children", {}).values())
        if getattr(node, "proto", None) is not None:
            parts.append(str(node.proto))
        value = getattr(node, "value", None) if node.__class__.__name__ in ("Dataframe", "Table") else None
        if isinstance(value, pd.DataFrame):
            parts.append(value.to_csv())
    return "\n".join(parts)


def test_page_text_sees_texts_tables_and_component_html():
    script = (
        f"import pandas as pd, streamlit as st, streamlit.components.v1 as c\n"
        f"st.caption('{SENTINEL[:-1]}' + '{SENTINEL[-1]}')\n"
        f"st.dataframe(pd.DataFrame({{'lat': [{POINTS[0][0]}]}}))\n"
        f"c.html('<div data-lon={POINTS[1][1]}></div>')\n"
    )
    at = AppTest.from_string(script).run()
    found = leaks(page_text(at))
    assert SENTINEL in found and "42.512345" in found and "68.387654" in found


@pytest.fixture
def downloads(monkeypatch):
    """The bytes every page hands to st.download_button."""
    captured: list[bytes] = []
    original = DeltaGenerator.download_button

    def record(self, label, data, *args, **kwargs):
        payload = data() if callable(data) else data
        captured.append(
            payload.encode()
            if isinstance(payload, str)
            else bytes(payload.read() if hasattr(payload, "read") else payload)
        )
        return original(self, label, payload, *args, **kwargs)

    monkeypatch.setattr(DeltaGenerator, "download_button", record)
    monkeypatch.setattr(st, "download_button", lambda *a, **k: record(st._main, *a, **k))
    return captured


@pytest.mark.parametrize("role", ["planner", "presenter"])
def test_no_page_shows_a_point_or_free_text(world, caplog, downloads, role):
    from geo.region import load_region
    from planning.store.intake import IncidentStore, ingest_incidents

    region = load_region(world["region"])
    uploader = AppTest.from_file(str(APP), default_timeout=180)
    sign_in_session(uploader, "pat", "planner")
    uploader.run()
    uploader.switch_page("pages/upload.py").run()
    uploader.file_uploader[0].upload("extract.csv", extract_csv(), "text/csv")
    uploader.button[0].click().run()
    assert not uploader.exception and uploader.success, page_text(uploader)[:2000]
    assert not leaks(page_text(uploader))
    assert ingest_incidents(
        extract_csv(), filename="again.csv", region=region, store=IncidentStore(world["db"]), user="pat", mode="replace"
    ).accepted

    at = AppTest.from_file(str(APP), default_timeout=180)
    sign_in_session(at, "tester", role)
    at.run()
    pages = page_files()
    assert {"pages/home.py", "pages/map.py", "pages/upload.py", "pages/signin.py"} <= set(pages)
    rendered = []
    for page in pages:
        try:
            at.switch_page(page).run()
        except ValueError:  # not offered to this role (app.py's navigation); its guard is tested in test_signin
            continue
        assert not at.exception, (page, at.exception)
        text = page_text(at)
        assert not leaks(text), (page, leaks(text))
        rendered.append(page)
    assert "pages/map.py" in rendered and len(rendered) >= 3
    for data in downloads:
        assert not leaks(data.decode("utf-8", errors="replace")), leaks(data.decode("utf-8", errors="replace"))
    assert_no_leak_on_disk_or_in_logs(world, caplog)


EXPORTS_CALLED = {
    "scenario_map",
    "standalone_html",
    "settlement_table",
    "district_table",
    "csv_bytes",
    "xlsx_bytes",
    "tables",
    "bands_geojson",
    "gaps_geojson",
    "headline_csv",
}


def _export_text(media_type: str, data: bytes, folder) -> str:
    """What a reader of an export file sees: its text (a PDF through pdftotext, a workbook's zipped XML as is)."""
    if media_type == "application/pdf":
        path = folder / "export.pdf"
        path.write_bytes(data)
        return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return data.decode("utf-8-sig" if media_type.startswith("text/") or "json" in media_type else "latin-1")


def test_no_export_carries_a_point_or_free_text(world, caplog):
    from geo.region import load_region
    from planning.analysis import SiteMinutes, evaluate, incident_release, region_network, service_bands
    from planning.baseline import current_services
    from planning.render import exports
    from planning.render.registry import INCIDENT_LEVELS, ExportInputs, offered
    from planning.render.report import basis_ranges
    from planning.store.intake import IncidentStore, ingest_incidents, with_stored_incidents
    from planning.store.release import deployment_secret

    public = {
        name
        for name, f in inspect.getmembers(exports, inspect.isfunction)
        if f.__module__ == exports.__name__ and not name.startswith("_")
    }
    assert public <= EXPORTS_CALLED, f"new exports {public - EXPORTS_CALLED}: add them to this test"
    region = load_region(world["region"])
    assert ingest_incidents(
        extract_csv(), filename="x.csv", region=region, store=IncidentStore(world["db"]), user="pat"
    ).accepted
    region = with_stored_incidents(region, IncidentStore(world["db"]))
    assert region.incidents["count"].sum() == len(POINTS)
    services = current_services(region)
    minutes = SiteMinutes(region_network(region), region.settlements, analysis_crs=region.analysis_crs)
    incidents = incident_release(region, secret=deployment_secret())
    result = evaluate(region, services, minutes, incidents=incidents)
    outputs = []
    for level in ("settlement", "district"):
        sheets = exports.tables(region, result, incidents=incidents, lang="ru", incident_level=level)
        outputs += [exports.csv_bytes(frame).decode("utf-8-sig") for frame in sheets.values()]
        outputs.append(exports.xlsx_bytes(sheets).decode("latin-1"))
        outputs.append(exports.gaps_geojson(region, result, incidents=incidents, incident_level=level))
    outputs.append(exports.bands_geojson(service_bands(region, services, minutes.network)))
    fmap = exports.scenario_map(region, result, bands=None, k=5, settlement_incidents=incidents)
    outputs.append(exports.standalone_html(fmap))
    outputs.append(
        exports.headline_csv(
            basis_ranges(region, result.nearest.minutes, "incidents", incidents=incidents), "incidents"
        ).decode("utf-8-sig")
    )
    for level in INCIDENT_LEVELS:  # every file of the export registry, as the Reports page and `export KIND` give it
        inputs = ExportInputs(region, [("x", services)], minutes, result, incidents=incidents, incident_level=level)
        district = str(region.districts["district_id"].iloc[0]) if not region.districts.empty else None
        inputs = dataclasses.replace(inputs, district_id=district)
        for kind in offered(inputs):
            outputs.append(_export_text(kind.media_type, kind.build(inputs), world["tmp"]))
    for output in outputs:
        assert not leaks(output), leaks(output)
    assert_no_leak_on_disk_or_in_logs(world, caplog)


def test_no_cli_output_carries_a_point_or_free_text(world, caplog):
    out = world["tmp"] / "out"
    out.mkdir()
    region = str(world["region"])
    db = str(world["db"])
    runs = [
        (["import-incidents", "--db", db, "--region", region, "--user", "pat", str(world["source"])], True),
        (["audit", "--db", db], True),
        (["info", "--region", region, "--json"], True),
        (["coverage", "--region", region, "--json"], True),
        (["travel-times", "--region", region, "--out", str(out / "minutes.csv")], False),
        (["isochrones", "--region", region, "--out", str(out / "bands.geojson")], False),
        (["map", "--region", region, "--out", str(out / "map.html")], False),
        (["report", "--region", region, "--incident-level", "settlement", "--out", str(out / "report.pdf")], False),
        (
            ["export", "gaps", "--region", region, "--incident-level", "settlement", "--out", str(out / "gaps.json")],
            False,
        ),
    ]
    for arguments, must_succeed in runs:
        done = subprocess.run(
            [sys.executable, "-m", "planning", *arguments],
            cwd=PROJECT,
            capture_output=True,
            text=True,
            timeout=300,
            env={"QORGAU_SCENARIO_DB": db, "PATH": "/usr/bin:/bin", "HOME": str(world["tmp"])},
        )
        if must_succeed:
            assert done.returncode == 0, (arguments[0], done.stderr[-2000:])
        text = done.stdout + done.stderr
        assert not leaks(text), (arguments[0], leaks(text))
    assert access.entries(access.AccessStore(db), user="pat")[0].action == "upload incidents (replace)"
    assert_no_leak_on_disk_or_in_logs(world, caplog)
