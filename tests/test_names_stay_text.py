"""Names stay text (issue 21, item 5): no link, image or markup is made of a name in any page, export or report.

Each link attack class of :data:`attack_names.LINK_ATTACKS` (URLs, ``www.``, bare domains, e-mail addresses,
``mailto:``, ``javascript:`` and ``data:`` URIs, Markdown links and images, HTML links, angle autolinks) is checked
in: Markdown as Streamlit renders it (its remark-gfm finds autolinks twice: in the source, and again in the text
after escapes are read), the pages (AppTest), the PDF report (no link annotation), XLSX (no hyperlink, no formula),
CSV (no formula), GeoJSON (the name as it was) and the standalone HTML map (no off-site ``href``/``src``).
"""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys

import openpyxl
import pytest
from attack_names import LINK_ATTACK, LINK_ATTACKS, MARKUP_ATTACK, OUTSIDE, attack_region
from conftest import PROJECT, signed_in_app

from geo.region import load_region
from planning.markup import FORMULA_TRIGGERS, NO_LINK_JOINER, markdown_text

GFM_URL = re.compile(r"(https?://|www(?=\.))([-.\w]+)([^ \t\r\n]*)", re.IGNORECASE | re.ASCII)
"""remark-gfm's literal URL finder (``transformGfmAutolinkLiterals`` in Streamlit 1.67's StreamlitMarkdown bundle),
run on a text node's value, i.e. after backslash escapes are read."""
GFM_EMAIL = re.compile(r"([-.\w+]+)@([-\w]+(?:\.[-\w]+)+)", re.ASCII)
"""remark-gfm's e-mail finder, as above (without its look-behind: stricter)."""
OFF_SITE_LINK = re.compile(
    r"""(?<!\\)<[a-z]+\b[^<>]*\b(?:href|src)\s*=\s*["']?\s*"""
    r"""(?:(?:https?:)?//(?:203\.0\.113|www\.evil|evil-akimat)|mailto:|javascript:|data:text)""",
    re.IGNORECASE,
)
"""A live tag (a real, unescaped ``<``) whose attribute would link to, or load from, an address taken from a name."""


def _text_node(markdown: str) -> str:
    """What a Markdown renderer keeps as text of ``markdown`` that starts no markup: backslash escapes read."""
    return re.sub(r"\\(.)", r"\1", markdown)


def _links_in_markdown(markdown: str) -> list[str]:
    """Every link Streamlit's Markdown would make of ``markdown`` (source and text-node autolinks, unescaped link,
    image, HTML and angle-autolink starts)."""
    found = [m.group(0) for m in GFM_URL.finditer(markdown)] + [m.group(0) for m in GFM_EMAIL.finditer(markdown)]
    text = _text_node(markdown)
    found += [m.group(0) for m in GFM_URL.finditer(text)] + [m.group(0) for m in GFM_EMAIL.finditer(text)]
    found += re.findall(r"(?<!\\)[\[<]", markdown)
    return found


# --- Markdown ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", sorted(LINK_ATTACKS))
def test_markdown_text_makes_no_link_of_any_attack_class(kind):
    name = f"Служба {LINK_ATTACKS[kind]} (Түркістан)"
    shown = markdown_text(name)
    assert not _links_in_markdown(shown), (kind, shown)
    assert _text_node(shown).replace(NO_LINK_JOINER, "") == name  # the reader sees the name, character for character


def test_the_model_of_streamlits_markdown_finds_what_plain_text_would_link():
    """The check is not empty: without markdown_text every autolinking class is found."""
    for kind in ("url", "https", "www", "email", "mailto", "markdown_link", "markdown_image", "html_link"):
        assert _links_in_markdown(LINK_ATTACKS[kind]), kind
    assert not _links_in_markdown(markdown_text(LINK_ATTACK))


# --- pages ----------------------------------------------------------------------------------------------------------
@pytest.fixture
def link_app(tmp_path, monkeypatch):
    """signed_in_app on the attack region, with a scenario named after link attacks."""
    from planning.scenarios import sites_from_services
    from planning.store.scenarios import ScenarioStore

    folder = attack_region(tmp_path / "region")
    db = tmp_path / "qorgau.sqlite"
    monkeypatch.setenv("QORGAU_REGION", str(folder))
    monkeypatch.setenv("QORGAU_SCENARIO_DB", str(db))
    monkeypatch.chdir(PROJECT)
    region = load_region(folder)
    name = f"{LINK_ATTACKS['email']} {LINK_ATTACKS['www']} {LINK_ATTACKS['url']}"
    ScenarioStore(db).create(name, region.region_id, sites_from_services(region.services), author="tester")
    return signed_in_app


def _markdown_values(at) -> list[str]:
    values = []
    for kind in ("markdown", "title", "header", "subheader", "caption", "info", "success", "warning", "error"):
        values += [str(e.value) for e in getattr(at, kind)]
    values += [str(m.label) for m in at.metric] + [str(e.label) for e in at.expander]
    return values


@pytest.mark.parametrize(
    "page", ["pages/home.py", "pages/map.py", "pages/scenarios.py", "pages/compare.py", "pages/present.py"]
)
def test_pages_make_no_link_of_a_name(link_app, page):
    at = link_app(page, role="planner")
    assert not at.exception, at.exception
    values = _markdown_values(at)
    named = [v for v in values if "evil" in v or "mail" in v or OUTSIDE in v]
    assert named, (page, "no name reached the page", values)
    for value in named:
        assert not _links_in_markdown(value), (page, value)
        assert not OFF_SITE_LINK.search(value), (page, value)


# --- exports and reports ----------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def attack_outputs(tmp_path_factory):
    """The attack region's PDF report, standalone HTML map, and its CSV, XLSX and GeoJSON tables."""
    from planning.analysis import SiteMinutes, evaluate, incident_release
    from planning.render.exports import csv_bytes, gaps_geojson, tables, xlsx_bytes
    from planning.store.release import deployment_secret

    folder = attack_region(tmp_path_factory.mktemp("links") / "region")
    out = folder.parent
    for command, target in (("report", "r.pdf"), ("map", "m.html")):
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "planning",
                "--lang",
                "ru",
                command,
                "--region",
                str(folder),
                "--out",
                str(out / target),
            ],
            cwd=PROJECT,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr
    region = load_region(folder)
    table = SiteMinutes(None, region.settlements, analysis_crs=region.analysis_crs)
    incidents = incident_release(region, secret=deployment_secret(out / "db.sqlite"))
    result = evaluate(region, region.services, table, incidents=incidents)
    sheets = tables(region, result, incidents=incidents, lang="ru", incident_level="settlement")
    return {
        "pdf": (out / "r.pdf").read_bytes(),
        "pdf_path": out / "r.pdf",
        "html": (out / "m.html").read_text(encoding="utf-8"),
        "csv": [csv_bytes(frame).decode("utf-8-sig") for frame in sheets.values()],
        "xlsx": xlsx_bytes(sheets),
        "geojson": gaps_geojson(region, result, lang="ru"),
    }


def test_the_pdf_report_has_no_link_annotation_and_shows_the_names(attack_outputs):
    pdf = attack_outputs["pdf"]
    assert b"/Link" not in pdf and b"/URI" not in pdf and b"/Launch" not in pdf and b"/JavaScript" not in pdf
    text = subprocess.run(
        ["pdftotext", "-layout", str(attack_outputs["pdf_path"]), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "evil-akimat.kz" in re.sub(r"\s+", "", text), text[:2000]  # the region's name, as text


def test_xlsx_has_no_hyperlink_and_no_formula(attack_outputs):
    book = openpyxl.load_workbook(io.BytesIO(attack_outputs["xlsx"]))
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
    assert not [c.coordinate for c in cells if c.hyperlink is not None]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    assert not any(sheet._hyperlinks for sheet in book.worksheets)
    texts = [c.value for c in cells if isinstance(c.value, str)]
    assert any(LINK_ATTACKS["email"] in value for value in texts)  # the name is there, as text
    assert not [v for v in texts if v.startswith(FORMULA_TRIGGERS)]


def test_csv_cells_start_no_formula_and_keep_the_names(attack_outputs):
    cells = [cell for text in attack_outputs["csv"] for row in csv.reader(io.StringIO(text)) for cell in row]
    assert any(LINK_ATTACK in cell for cell in cells)
    assert not [c for c in cells if c.startswith(FORMULA_TRIGGERS) and not re.fullmatch(r"[+-]?[\d.,e ]+", c)]


def test_geojson_keeps_names_as_plain_strings(attack_outputs):
    names = [f["properties"]["name"] for f in json.loads(attack_outputs["geojson"])["features"]]
    assert names and all(isinstance(n, str) for n in names)


def test_the_standalone_map_links_nowhere_from_a_name(attack_outputs):
    page = attack_outputs["html"]
    assert "evil-akimat.kz" in page and MARKUP_ATTACK not in page  # present, and never as raw HTML
    assert not OFF_SITE_LINK.search(page), OFF_SITE_LINK.search(page)


def test_no_page_draws_a_markdown_table():
    # st.table renders Markdown in its cells and headers (a scenario name as a column header became an image on
    # Compare); pages show tables through pages.widgets.show_table (a data grid, text only)
    import ast

    from conftest import PROJECT

    calls = []
    for path in sorted((PROJECT / "pages").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "table":
                calls.append(f"{path.name}:{node.lineno}")
    assert calls == [], calls
