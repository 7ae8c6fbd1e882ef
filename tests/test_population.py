"""Populations the akimat holds (planning/store/population.py): the statistics table read in every format Excel writes,
matched by KATO code and by name, ambiguous and unmatched rows reported with their line and fix, a bad file that
changes nothing, the overlay on the region, and the note beside population-weighted figures."""

from __future__ import annotations

import dataclasses
import io
import shutil
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from conftest import SHARED_TURKISTAN, TINY, needs_shared

from geo.kato import name_key
from geo.region import load_region
from planning.analysis import SiteMinutes, evaluate
from planning.baseline import current_services
from planning.coverage import Figures
from planning.i18n import format_problem
from planning.intake.population import (
    normalise_district_name,
    parse_kato,
    parse_population_table,
    read_populations,
    with_populations,
)
from planning.render.population_text import population_share_text, unknown_population, unknown_population_note
from planning.render.report import key_figures
from planning.store import access
from planning.store.population import PopulationStore, ingest_populations

KATO = {"s1": "611010000", "s2": "611020000", "s3": "613810000", "s4": "613820000", "s5": "613830000"}


@pytest.fixture
def kato_region(tmp_path: Path):
    """The tiny region with a KATO code per settlement and a fifth settlement "Альфа" in the other district (so
    that the name alone is ambiguous)."""
    folder = tmp_path / "tiny_kato"
    shutil.copytree(TINY, folder)
    (folder / "incidents.csv").unlink()
    settlements = pd.read_csv(folder / "settlements.csv", dtype=str, keep_default_na=False)
    settlements.loc[len(settlements)] = {
        "id": "s5",
        "name": "Alpha-2",
        "name:ru": "Альфа",
        "name:kk": "Альфа",
        "place": "village",
        "population": "",
        "lat": "42.3",
        "lon": "68.8",
    }
    settlements["kato"] = settlements["id"].map(KATO)
    settlements.to_csv(folder / "settlements.csv", index=False)
    region = load_region(folder)
    if "kato" not in region.settlements.columns:  # the loader of this branch drops it; the default-region work adds it
        codes = region.settlements["settlement_id"].map(KATO)
        region = dataclasses.replace(region, settlements=region.settlements.assign(kato=codes.to_numpy()))
    return region


@pytest.fixture
def tiny():
    return load_region(TINY)


def _xlsx(rows: list[list]) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# --- reading ---------------------------------------------------------------------------------------------------
def test_a_windows_1251_semicolon_csv_with_russian_numbers():
    data = (
        "Код КАТО;Населённый пункт;Численность населения, чел.\r\n"
        "611 010 000;с.Альфа;12 345\r\n"
        "611020000;Бета;12\u00a0345,0\r\n"
    ).encode("cp1251")
    table, problems = parse_population_table(data, filename="стат.csv")
    assert table is not None, problems
    assert list(table["line"]) == [2, 3]
    assert list(table["kato"]) == ["611010000", "611020000"]
    assert list(table["population"]) == [12345.0, 12345.0]
    assert list(table["name"]) == ["с.Альфа", "Бета"]


@pytest.mark.parametrize(
    "encoding, separator", [("utf-8", ","), ("utf-8-sig", ","), ("utf-8-sig", "\t"), ("cp1251", "\t"), ("cp1251", ",")]
)
def test_every_encoding_and_separator(encoding, separator):
    rows = [["Наименование", "Район", "Население"], ["Альфа", "Западный", "1200"], ["Гамма", "Восточный", "300"]]
    data = "\n".join(separator.join(r) for r in rows).encode(encoding)
    table, problems = parse_population_table(data, filename="t.csv")
    assert table is not None, problems
    assert list(table["population"]) == [1200.0, 300.0] and list(table["district"]) == ["Западный", "Восточный"]


def test_an_xlsx_with_codes_as_numbers_and_as_text():
    data = _xlsx(
        [
            ["KATO", "Name", "Population"],
            [611010000, "Альфа", 12000],
            ["61 10 20 000", "Бета", 800.0],
            [None, "Гамма", "1 500"],
        ]
    )
    table, problems = parse_population_table(data, filename="stat.xlsx")
    assert table is not None, problems
    assert list(table["kato"]) == ["611010000", "611020000", None]
    assert list(table["population"]) == [12000.0, 800.0, 1500.0]


def test_a_header_that_only_begins_like_a_population_is_read_and_said():
    data = "Наименование;Численность населения на 01.01.2024\nАльфа;100\n".encode("cp1251")
    table, problems = parse_population_table(data, filename="t.csv")
    assert table is not None and list(table["population"]) == [100.0]
    assert any(p.key == "columns_read_as" and "01.01.2024" in p.message for p in problems)


def test_kato_codes_and_names_normalised():
    assert parse_kato(611010000) == parse_kato("611 010 000") == parse_kato("611010000.0") == "611010000"
    assert parse_kato("") is None and parse_kato(None) is None
    for bad in ("61101000", "6110100001", "61101000x"):
        with pytest.raises(ValueError):
            parse_kato(bad)
    assert name_key("с.Жибек-Жолы") == name_key("Жибек  жолы") == name_key("Жибек жолы")
    assert name_key("п. Шолаққорған") == name_key("Шолаккорган") == name_key("пгт. Шолаккорган")
    assert name_key("Аулиеата") == "аулиеата"  # a name that begins like a prefix keeps it
    assert name_key("аул Ёлки") == name_key("ауылы Елки") == "елки"
    assert normalise_district_name("Жетысайский район") == normalise_district_name("жетысайский р-н")
    assert name_key("قىزىلقۇم") == "قىزىلقۇم"  # an Arabic-script name:kk keeps its key (it used to be empty)


def test_every_bad_row_is_named_with_its_line_and_column_and_nothing_is_read():
    data = (
        "Наименование;Население;КАТО\nАльфа;-5;\nБета;много;\nГамма;;\nДельта;12,5;\n;100;\nЭпсилон;10;12345\n"
    ).encode("cp1251")
    table, problems = parse_population_table(data, filename="bad.csv")
    assert table is None
    by_key = {p.key: p for p in problems if p.severity == "error"}
    assert by_key["pop_negative"].rows == (2,) and by_key["pop_not_number"].rows == (3,)
    assert by_key["pop_empty"].rows == (4,) and by_key["pop_not_whole"].rows == (5,)
    assert by_key["pop_no_key"].rows == (6,) and by_key["pop_bad_kato"].rows == (7,)
    assert by_key["pop_negative"].column == "население" and by_key["pop_bad_kato"].column == "като"
    text = format_problem(by_key["pop_negative"], "ru")
    assert text.startswith("bad.csv: строка 2: столбец «население»: ") and "Как исправить" in text
    for problem in problems:  # the English catalog text is the Problem's own (the CLI and logs print that)
        assert format_problem(problem, "en") == problem.format()


def test_a_file_without_population_or_key_column_is_refused():
    _, problems = parse_population_table(b"name,count\nAlpha,5\n", filename="t.csv")
    assert [p.key for p in problems if p.severity == "error"] == ["pop_no_column"]
    _, problems = parse_population_table(b"district,population\nW,5\n", filename="t.csv")
    assert [p.key for p in problems if p.severity == "error"] == ["pop_no_key_column"]
    _, problems = parse_population_table(b"x", filename="t.pdf")
    assert [p.key for p in problems] == ["pop_wrong_type"]


# --- matching --------------------------------------------------------------------------------------------------
def test_matched_by_code_by_name_in_district_and_ambiguous_by_name_alone(kato_region):
    by_code = "КАТО;Население\n611010000;100\n613830000;50\n699999999;7\n".encode("cp1251")
    result = read_populations(by_code, filename="codes.csv", region=kato_region)
    rows = result.rows
    assert list(rows["status"]) == ["matched", "matched", "unmatched"]
    assert list(rows["settlement_id"][:2]) == ["s1", "s5"] and set(rows["matched_by"][:2]) == {"kato"}
    assert [p.key for p in result.problems if p.severity == "warning"] == ["columns_read_as", "pop_unmatched_kato"]
    unmatched = next(p for p in result.problems if p.key == "pop_unmatched_kato")
    assert unmatched.rows == (4,) and "699999999" in unmatched.message

    by_name = "Наименование;Население\nс.Альфа;100\nБета;20\n".encode("cp1251")
    result = read_populations(by_name, filename="names.csv", region=kato_region)
    assert list(result.rows["status"]) == ["ambiguous", "matched"]
    ambiguous = next(p for p in result.problems if p.key == "pop_ambiguous")
    assert ambiguous.rows == (2,) and "s1" in ambiguous.message and "s5" in ambiguous.message
    assert "район" in format_problem(ambiguous, "ru")  # the fix: add a district column

    in_district = "Наименование;Район;Население\nАльфа;Восточный район;100\nАльфа;W;90\nГамма;Западный;5\n".encode(
        "cp1251"
    )
    result = read_populations(in_district, filename="d.csv", region=kato_region)
    assert list(result.rows["status"]) == ["matched", "matched", "unmatched"]
    assert list(result.rows["settlement_id"][:2]) == ["s5", "s1"]
    assert set(result.rows["matched_by"][:2]) == {"name_in_district"}
    other = next(p for p in result.problems if p.key == "pop_other_district")
    assert other.rows == (4,) and "E" in other.message


def test_two_rows_for_one_village_are_both_reported_and_neither_used(tiny):
    data = "name,population\nАльфа,100\nс. Альфа,120\nБета,20\n".encode()
    result = read_populations(data, filename="t.csv", region=tiny)
    assert list(result.rows["status"]) == ["ambiguous", "ambiguous", "matched"]
    duplicate = next(p for p in result.problems if p.key == "pop_duplicate")
    assert duplicate.rows == (2, 3) and "s1" in duplicate.message
    assert list(result.matched()["settlement_id"]) == ["s2"]


def test_codes_without_codes_in_the_region_fall_back_to_names(tiny):
    data = "kato,name,population\n611010000,Альфа,100\n611020000,,20\n".encode()
    result = read_populations(data, filename="t.csv", region=tiny)
    assert list(result.rows["status"]) == ["matched", "unmatched"]
    assert {p.key for p in result.problems} >= {"pop_matched_by_name", "pop_code_without_codes"}


# --- storing ---------------------------------------------------------------------------------------------------
def test_a_bad_file_leaves_the_stored_populations_as_they_were(tiny, tmp_path, db_at):
    store = PopulationStore(db_at("db"))
    good = ingest_populations(
        "Наименование;Население\nГамма;300\nДельта;40\nОмега;1\n".encode("cp1251"),
        filename="good.csv",
        region=tiny,
        store=store,
        user="pat",
    )
    assert good.accepted and (good.count("matched"), good.count("unmatched")) == (2, 1)
    before = store.populations("tiny")
    assert dict(zip(before["settlement_id"], before["population"])) == {"s3": 300.0, "s4": 40.0}
    for bad in ("Наименование;Население\nГамма;300\nДельта;-4\n", "Наименование;Население\nОмега;5\n"):
        result = ingest_populations(bad.encode("cp1251"), filename="bad.csv", region=tiny, store=store, user="pat")
        assert not result.accepted and result.errors
        pd.testing.assert_frame_equal(store.populations("tiny"), before)
    assert store.last_upload("tiny")["matched"] == 2
    log = access.entries(access.AccessStore(db_at("db")), user="pat")
    assert [e.action for e in log] == ["upload rejected", "upload rejected", "upload populations"]
    assert "2 matched, 0 ambiguous, 1 unmatched" in log[2].object and "good" not in log[2].object
    replaced = ingest_populations("name,population\nБета,900\n".encode(), filename="new.csv", region=tiny, store=store)
    assert replaced.accepted  # a new table replaces the region's uploaded populations, it does not add to them
    assert store.populations("tiny").to_dict("list") == {"settlement_id": ["s2"], "population": [900.0]}


def test_stored_populations_lie_over_the_files_with_their_source(tiny):
    stored = pd.DataFrame({"settlement_id": ["s1", "s3", "zz"], "population": [11000.0, 250.0, 5.0]})
    settlements = with_populations(tiny.settlements, stored)
    # s4, a hamlet of unknown population, is estimated (no hamlet known: widened to villages and the town, median)
    assert list(settlements["population"]) == [11000.0, 800.0, 250.0, 800.0]
    assert list(settlements["population_source"]) == ["upload", "file", "upload", "estimate"]
    assert "population_source" not in tiny.settlements.columns  # the input is not changed


# --- the note beside population-weighted figures -----------------------------------------------------------------
def test_a_full_share_of_the_known_population_says_what_it_leaves_out():
    # the district: every village with a known population is within 60 min, 18 of 38 are not known
    figures = Figures(
        population_covered=9000.0,
        population_total=9000.0,
        settlements_covered=20,
        settlements_total=38,
        incidents_covered=0,
        incidents_total=0,
        settlements_unknown_population=18,
        settlements_unknown_population_covered=0,
    )
    assert dataclasses.astuple(unknown_population(figures)) == (18, 38, 18)
    assert population_share_text(figures, minutes=60, lang="en") == (
        "100.0% of the known population within 60 min; 18 of 38 settlements have no known population (18 of them "
        "beyond 60 min)"
    )
    assert "у 18 из 38 н. п. численность неизвестна" in population_share_text(figures, minutes=60, lang="ru")
    known = dataclasses.replace(figures, settlements_unknown_population=0, settlements_unknown_population_covered=0)
    assert unknown_population_note(known, minutes=60, lang="ru") == ""


def test_key_figures_of_reports_and_presentations_state_the_unknown_populations(tiny):
    table = SiteMinutes(None, tiny.settlements, analysis_crs=tiny.analysis_crs)
    result = evaluate(tiny, current_services(tiny), table, incidents=None)
    details = [f.detail for f in key_figures(result, lang="ru")[:2]]
    for detail in details:  # s3 and s4 have no population in the tiny region: estimated, and said so
        assert "численность 2 из 4 н. п. оценена" in detail, detail


@needs_shared
def test_the_real_classifier_names_against_the_real_settlements():
    region = load_region(SHARED_TURKISTAN)
    classifier = pd.read_csv(SHARED_TURKISTAN / "kato_turkistan_shymkent.csv", dtype=str)
    villages = classifier[classifier["name"].str.match(r"^(с|п|а|г)\.")]
    lines = ["Код КАТО;Наименование;Численность населения"]
    lines += [
        f"{c[:3]} {c[3:6]} {c[6:]};{n};{1000 + i:,}".replace(",", " ")
        for i, (c, n) in enumerate(zip(villages["code"], villages["name"]))
    ]
    result = read_populations("\n".join(lines).encode("utf-8-sig"), filename="kato.csv", region=region)
    counts = {s: result.count(s) for s in ("matched", "ambiguous", "unmatched")}
    assert sum(counts.values()) == len(villages)
    assert counts["matched"] > 300 and counts["ambiguous"] > 100  # real names repeat across districts
    matched = result.rows[result.rows["status"] == "matched"]
    assert matched["settlement_id"].is_unique
    assert not any(p.severity == "error" for p in result.problems)
    # "Акдала" is a village of Arys and of Suzak: alone it is ambiguous, with its district it is one
    two = "Наименование;Район;Население\nс.Акдала;;10\nс.Акдала;Сузакский район;20\n".encode("cp1251")
    rows = read_populations(two, filename="two.csv", region=region).rows
    assert list(rows["status"]) == ["ambiguous", "matched"]
    assert region.settlements.set_index("settlement_id").loc[rows["settlement_id"][1], "district_id"] == "KZ615600"
    assert np.isfinite(rows["population"]).all()


def test_an_ambiguous_row_with_a_blank_district_is_told_to_fill_it_in(kato_region):
    data = "Наименование;Район;Население\nАльфа;;100\n".encode("cp1251")
    result = read_populations(data, filename="d.csv", region=kato_region)
    assert [p.key for p in result.problems if p.key.startswith("pop_ambiguous")] == ["pop_ambiguous_no_district"]
    assert "укажите район в этой строке" in result.messages("ru")[-2]


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils (pdftotext) not installed")
def test_the_pdf_report_states_the_unknown_populations(tiny, tmp_path):
    import subprocess

    from planning.render.report import region_pdf

    table = SiteMinutes(None, tiny.settlements, analysis_crs=tiny.analysis_crs)
    district = "E"  # neither of its two settlements has a population
    pdf = region_pdf(tiny, [("Base", current_services(tiny))], table, district_id=district, lang="en")
    (tmp_path / "r.pdf").write_bytes(pdf)
    text = " ".join(
        subprocess.run(
            ["pdftotext", str(tmp_path / "r.pdf"), "-"], check=True, capture_output=True, text=True
        ).stdout.split()
    )
    # no settlement counts as 0 people: estimated, and the share says so
    assert "of the population (known + estimated); population of 2 of 2 settlements estimated" in text
    pdf = region_pdf(tiny, [("Base", current_services(tiny))], table, lang="en")
    (tmp_path / "r.pdf").write_bytes(pdf)
    text = " ".join(
        subprocess.run(
            ["pdftotext", str(tmp_path / "r.pdf"), "-"], check=True, capture_output=True, text=True
        ).stdout.split()
    )
    assert "population of 2 of 4 settlements estimated" in text
