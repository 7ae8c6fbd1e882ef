"""The export registry (issue 22, item 4): one list of files (planning.render.registry.EXPORTS) that the Reports page
offers and ``python -m planning export KIND`` writes, the same bytes for the same inputs, at the same incident level.

The region is a copy of the tiny one whose services.csv is declared the baseline, so that the page's default
scenario and the command line's (the region's services) are the same services under the same name.
"""

from __future__ import annotations

import difflib
import io
import json
import re
import shutil
import subprocess
from pathlib import Path

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pytest
import streamlit as st
from conftest import PROJECT, TEST_SECRET, TINY, sign_in_session
from matplotlib import image
from streamlit.delta_generator import DeltaGenerator
from streamlit.testing.v1 import AppTest

from planning.cli import main
from planning.i18n import LANGUAGES, t
from planning.render import report
from planning.render.registry import (
    EXPORTS,
    INCIDENT_LEVELS,
    ExportInputs,
    ExportKind,
    export_kind,
    kind_names,
    offered,
)
from planning.store import access

KEYS = [kind.key for kind in EXPORTS]
LANG = "ru"
SETTLEMENT_COLUMN = "Обращения"
"""The settlements table's incident column in Russian (planning.render.exports.settlement_table)."""
REGION_NAME = "Малый регион"
"""The tiny region's name in Russian (its region.json)."""
FOLIUM_ID = re.compile(r"[0-9a-f]{32}")
"""The random element ids folium gives each map piece."""


@pytest.fixture(scope="module")
def region_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("registry") / "tiny"
    shutil.copytree(TINY, folder)
    meta = json.loads((folder / "region.json").read_text(encoding="utf-8"))
    meta["baseline"] = {"files": ["services.csv"]}
    (folder / "region.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    return folder


def _page_files(region_dir: Path, db: Path, role: str) -> tuple[AppTest, dict[str, tuple[str, str, str, bytes]]]:
    """The Reports page's downloads after "Prepare" for ``role``: key -> (label, media type, file name, bytes),
    each built by clicking through pages.widgets.download (the access check and the audit entry included)."""
    captured: dict[str, tuple[str, str, str, object]] = {}
    original = DeltaGenerator.download_button

    def record(self, label, data, *args, **kwargs):
        captured[kwargs["key"].removeprefix("dl_")] = (label, kwargs["mime"], kwargs["file_name"], data)
        return original(self, label, data, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("QORGAU_REGION", str(region_dir))
        patch.setenv("QORGAU_SCENARIO_DB", str(db))
        patch.setenv("QORGAU_RELEASE_SECRET", TEST_SECRET.decode())  # module scope: before conftest's autouse one
        patch.chdir(PROJECT)
        patch.setattr(DeltaGenerator, "download_button", record)
        patch.setattr(st, "download_button", lambda *a, **k: record(st._main, *a, **k))
        at = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=300)
        at.session_state["lang"] = LANG
        sign_in_session(at, f"reg-{role}", role)
        at.run()
        at.switch_page("pages/reports.py").run()
        assert not at.exception, at.exception
        next(b for b in at.button if b.label == t("reports.prepare", LANG)).click().run()
        assert not at.exception, at.exception
        return at, {key: (label, mime, name, data()) for key, (label, mime, name, data) in captured.items()}


@pytest.fixture(scope="module")
def pages(region_dir, tmp_path_factory):
    """The page's files for a planner (settlement level) and a presenter (district level), one database."""
    db = tmp_path_factory.mktemp("registry-db") / "qorgau.sqlite"
    return db, {role: _page_files(region_dir, db, role)[1] for role in ("planner", "presenter")}


def _cli(region_dir: Path, db: Path, key: str, out: Path, *extra: str) -> bytes:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("QORGAU_SCENARIO_DB", str(db))
        args = ["export", key, "--region", str(region_dir), "--lang", LANG, "--district", "W", "--out", str(out)]
        assert main([*args, *extra]) == 0
    return out.read_bytes()


# --- the registry ---------------------------------------------------------------------------------------------------
def test_every_entry_is_named_once_labelled_in_every_language_and_exportable_by_todays_roles():
    assert len(kind_names()) == len(set(kind_names()))
    assert INCIDENT_LEVELS == report.INCIDENT_LEVELS
    for kind in EXPORTS:
        assert kind.label_key == f"reports.{kind.key}"
        for lang in LANGUAGES:
            assert t(kind.label_key, lang).strip()
        # the page's guard("export"): planners and presenters, never an admin
        assert kind.roles() == {role for role in access.ROLES if access.can(role, "export")} == {"planner", "presenter"}
        assert export_kind(kind.key) is kind
        assert all(export_kind(alias) is kind for alias in kind.aliases)
    with pytest.raises(KeyError, match="region_pdf"):
        export_kind("districts.csv")


def test_what_is_offered_follows_the_district_and_the_readers_level():
    def inputs(level: str, district: str | None) -> ExportInputs:  # offered() reads only the level and the district
        return ExportInputs(None, [("x", None)], None, None, incident_level=level, district_id=district)  # type: ignore[arg-type]

    for level in INCIDENT_LEVELS:
        assert [kind.key for kind in offered(inputs(level, "W"))] == KEYS
        assert [kind.key for kind in offered(inputs(level, None))] == [k for k in KEYS if k != "district_pdf"]
    planners_only = ExportKind("x", lambda _: b"", "text/csv", "x.csv", levels=frozenset({"settlement"}))
    assert planners_only.offered(inputs("settlement", None)) and not planners_only.offered(inputs("district", None))
    with pytest.raises(ValueError, match="`incident_level` must be one of"):
        inputs("village", None)


def test_the_cli_offers_every_entry(capsys):
    with pytest.raises(SystemExit) as done:
        main(["export", "--help", "--lang", "en"])
    assert done.value.code == 0
    help_text = capsys.readouterr().out
    offered = [group.split(",") for group in re.findall(r"\{([a-z_,]+)\}", help_text) if "region_pdf" in group]
    assert offered and all(choices == kind_names() for choices in offered)  # KIND in the usage line and the list
    assert set(KEYS) <= set(offered[0])


def test_the_page_offers_every_entry_with_its_label_media_type_and_name(pages):
    _, files = pages
    for role, given in files.items():
        assert list(given) == KEYS, role  # with a district chosen, every entry, in the registry's order
        for kind in EXPORTS:
            label, mime, name, data = given[kind.key]
            assert (label, mime) == (t(kind.label_key, LANG), kind.media_type)
            assert name == kind.file_name.format(demand_basis="people", district_id="W", lang=LANG)
            assert data


# --- the same file from the command line ----------------------------------------------------------------------------
def _valid(kind_key: str, media_type: str, data: bytes, tmp_path: Path) -> object:
    """``data`` parsed as its media type: something comparable between the page's file and the command line's."""
    assert data
    if media_type == "text/csv":
        return pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype=str, keep_default_na=False)
    if media_type.endswith("spreadsheetml.sheet"):
        book = openpyxl.load_workbook(io.BytesIO(data))
        return {name: [list(row) for row in book[name].iter_rows(values_only=True)] for name in book.sheetnames}
    if media_type == "application/geo+json":
        frame = gpd.read_file(io.BytesIO(data))
        assert len(frame) and frame.crs.to_epsg() == 4326
        return json.loads(data)
    if media_type == "application/pdf":
        path = tmp_path / f"{kind_key}.pdf"
        path.write_bytes(data)
        text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
        text = " ".join(text.split())
        assert REGION_NAME in text  # the report names its region
        return text
    if media_type == "text/html":
        html = data.decode("utf-8")
        assert "L.map(" in html and "<html" in html.lower()
        return FOLIUM_ID.sub("ID", html)
    if media_type == "image/png":
        assert data.startswith(b"\x89PNG\r\n\x1a\n")
        return image.imread(io.BytesIO(data), format="png")
    raise AssertionError(f"no check for {media_type}: add one to this test")


def _difference(page: object, cli: object) -> str:
    """Where two texts part (page's words with -, the command line's with +), for the failure message."""
    words = [str(text).split() for text in (page, cli)]
    return " ".join(difflib.unified_diff(*words, lineterm="", n=3))[:1500]


@pytest.mark.parametrize("key", KEYS)
def test_each_cli_export_is_a_valid_file_equal_to_the_pages(pages, region_dir, tmp_path, key):
    db, files = pages
    kind = export_kind(key)
    for role, level in (("planner", "settlement"), ("presenter", "district")):
        _, mime, _, page_data = files[role][key]
        cli_data = _cli(region_dir, db, key, tmp_path / f"{role}.out", "--incident-level", level)
        page_file, cli_file = (_valid(key, kind.media_type, d, tmp_path) for d in (page_data, cli_data))
        if isinstance(page_file, pd.DataFrame):
            pd.testing.assert_frame_equal(page_file, cli_file)
        elif isinstance(page_file, np.ndarray):
            np.testing.assert_array_equal(page_file, cli_file)
        else:
            assert page_file == cli_file, (key, role, _difference(page_file, cli_file))


def test_report_and_map_are_the_registrys_pdf_and_html(pages, region_dir, tmp_path):
    db, files = pages
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("QORGAU_SCENARIO_DB", str(db))
        base = ["--region", str(region_dir), "--lang", LANG]
        assert main(["report", *base, "--out", str(tmp_path / "r.pdf")]) == 0
        assert main(["report", *base, "--district", "W", "--out", str(tmp_path / "d.pdf")]) == 0
        assert main(["map", *base, "--out", str(tmp_path / "m.html")]) == 0
    presenter = files["presenter"]
    for key, name in (("region_pdf", "r.pdf"), ("district_pdf", "d.pdf"), ("html", "m.html")):
        kind = export_kind(key)
        expected = _valid(key, kind.media_type, presenter[key][3], tmp_path)
        assert _valid(key, kind.media_type, (tmp_path / name).read_bytes(), tmp_path) == expected, key


def test_the_earlier_format_names_still_write_the_same_files(pages, region_dir, tmp_path):
    db, files = pages
    for alias, key in (("settlements", "csv"), ("tables", "xlsx")):
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("QORGAU_SCENARIO_DB", str(db))
            out = tmp_path / alias
            args = ["export", "--region", str(region_dir), "--lang", LANG, "--format", alias, "--out", str(out)]
            assert main(args) == 0
        media_type = export_kind(key).media_type
        expected = _valid(key, media_type, files["presenter"][key][3], tmp_path)
        got = _valid(key, media_type, out.read_bytes(), tmp_path)
        if isinstance(expected, pd.DataFrame):
            pd.testing.assert_frame_equal(got, expected)
        else:
            assert got == expected


def test_a_district_report_needs_a_district_and_one_kind_is_named(region_dir, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("QORGAU_SCENARIO_DB", str(tmp_path / "qorgau.sqlite"))
    base = ["export", "--region", str(region_dir), "--lang", "en", "--out", str(tmp_path / "x")]
    assert main([*base[:1], "district_pdf", *base[1:]]) == 2
    assert "--district" in capsys.readouterr().err
    assert main(base) == 2
    assert main([*base[:1], "csv", *base[1:], "--format", "xlsx"]) == 2
    assert "region_pdf" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


# --- privacy --------------------------------------------------------------------------------------------------------
def test_no_settlement_incidents_at_district_level_from_the_cli_either(pages, region_dir, tmp_path):
    db, files = pages
    layers = {t("layer.incidents", LANG), t("layer.incidents_synthetic", LANG)}
    for level in INCIDENT_LEVELS:
        extra = () if level == "district" else ("--incident-level", level)  # district unless told
        csv = pd.read_csv(io.BytesIO(_cli(region_dir, db, "csv", tmp_path / "s.csv", *extra)), encoding="utf-8-sig")
        book = openpyxl.load_workbook(io.BytesIO(_cli(region_dir, db, "xlsx", tmp_path / "t.xlsx", *extra)))
        headers = {cell for name in book.sheetnames for cell in next(book[name].iter_rows(values_only=True))}
        gaps = json.loads(_cli(region_dir, db, "gaps", tmp_path / "g.json", *extra))
        html = _cli(region_dir, db, "html", tmp_path / "m.html", *extra).decode("utf-8")
        seen = (
            SETTLEMENT_COLUMN in csv.columns,
            SETTLEMENT_COLUMN in headers,
            any("incidents" in f["properties"] for f in gaps["features"]),
            any(layer in html for layer in layers),
        )
        assert seen == ((level == "settlement"),) * 4, (level, seen)
    # the presenter's page gives exactly what the command line gives at its default level
    csv = _cli(region_dir, db, "csv", tmp_path / "p.csv")
    assert csv == files["presenter"]["csv"][3] != files["planner"]["csv"][3]
