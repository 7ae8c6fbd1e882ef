"""Names are data, never markup (issue 11, items 3 and 4).

On a region whose settlement, district, service, region and source names are attack strings
(tests/attack_names.py):

- every map layer builder's tooltips run in Node with a DOM stand-in that refuses ``innerHTML``: the names come
  out as text, and no payload runs; the rendered pages and the standalone HTML export carry the names only inside
  JavaScript string literals (never in code, a template literal, a tag or an event attribute);
- every page that shows a name renders it as literal Markdown (no image, link or HTML can start);
- every CSV and XLSX exporter neutralises formula cells (OWASP), keeps numbers numeric, and the scenario CSV
  reads back unchanged.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
from html.parser import HTMLParser

import folium
import numpy as np
import openpyxl
import pandas as pd
import pytest
from attack_names import (
    FORMULAS,
    HTML_ATTACK,
    MARKDOWN_ATTACK,
    MARKUP_ATTACK,
    SCRIPT_END_ATTACK,
    SCRIPT_MARKER,
    SVG_ATTACK,
    TEMPLATE_ATTACK,
    attack_region,
)
from conftest import PROJECT, signed_in_app

from geo.region import load_region
from planning.analysis import SiteMinutes, evaluate, incident_release, service_bands
from planning.markup import (
    FORMULA_TRIGGERS,
    NO_LINK_JOINER,
    from_spreadsheet_cell,
    html_text,
    js_value,
    markdown_text,
    spreadsheet_cell,
    spreadsheet_frame,
)
from planning.store.release import deployment_secret

NODE = shutil.which("node") or shutil.which("nodejs")


# --------------------------------------------------------------------------------------------------------
# fixtures
# --------------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def attack(tmp_path_factory):
    """(region, services, table, result, bands, incidents) of the attack region (estimated travel times)."""
    region = load_region(attack_region(tmp_path_factory.mktemp("attack") / "region"))
    table = SiteMinutes(None, region.settlements, analysis_crs=region.analysis_crs)
    incidents = incident_release(region, secret=deployment_secret())
    result = evaluate(region, region.services, table, incidents=incidents)
    bands = service_bands(region, region.services, None)
    return region, region.services, table, result, bands, incidents


# --------------------------------------------------------------------------------------------------------
# the escaping functions
# --------------------------------------------------------------------------------------------------------
def test_html_text_leaves_no_tag_and_no_attribute_break():
    out = html_text(MARKUP_ATTACK + "\"'&")
    assert "<" not in out and ">" not in out and '"' not in out and "'" not in out
    assert out.count("&amp;") == 1 and html_text(None) == "" and html_text(float("nan")) == ""


@pytest.mark.parametrize("value", [MARKUP_ATTACK, "a\u2028b\u2029c", "</SCRIPT>", "<!--", "${x}`"])
def test_js_value_cannot_close_a_script_a_string_or_a_template(value):
    out = js_value({"k": [value, float("inf"), np.int64(3)]})
    assert not re.search(r"[<>&'`\u2028\u2029]", out)
    assert json.loads(out) == {"k": [value, None, 3]}  # the same value, read back


def test_markdown_text_starts_no_markup():
    out = markdown_text(f"# {MARKDOWN_ATTACK} *b* _i_ `c` $x$ ~s~ |t|\n- item\n1. one\n> quote")
    unescaped = re.sub(r"\\(.)", r"\1", out).replace(NO_LINK_JOINER, "")
    assert unescaped.replace("  \n", "\n") == f"# {MARKDOWN_ATTACK} *b* _i_ `c` $x$ ~s~ |t|\n- item\n1. one\n> quote"
    assert not re.search(r"(?<!\\)[\[\]`*_$~|<>]", out)  # every inline marker is escaped
    for line in out.split("  \n"):
        assert not re.match(r"\s*(?:[#>+=-]|\d+[.)])", line), line  # no block marker starts a line
    assert markdown_text("Служба (ЦОН): 3 @ 5, a/b.") == "Служба (ЦОН): 3 @ 5, a/b."  # plain punctuation stays
    links = markdown_text("http://a.kz/x https://b.kz www.c.kz")  # GitHub autolinks would swallow escapes
    assert (
        not re.search(r"[a-z]://|www\.", links)
        and re.sub(r"\\(.)", r"\1", links).replace(NO_LINK_JOINER, "") == "http://a.kz/x https://b.kz www.c.kz"
    )


def test_spreadsheet_cell_neutralises_formulas_and_keeps_numbers():
    for formula in FORMULAS:
        assert spreadsheet_cell(formula) == "'" + formula
        assert from_spreadsheet_cell(spreadsheet_cell(formula)) == formula
    for number in (-5, -12.5, 0, "-5", "-12.5", "-1\u202f234,5", "+3", "-1e-05"):
        assert spreadsheet_cell(number) == number
    assert spreadsheet_cell(None) is None and spreadsheet_cell("Алматы") == "Алматы"
    frame = pd.DataFrame({"name": [FORMULAS[0], "ok", None], "lon": [-1.5, 2.0, np.nan], FORMULAS[1]: [1, 2, 3]})
    safe = spreadsheet_frame(frame)
    assert list(safe["name"][:2]) == ["'" + FORMULAS[0], "ok"] and safe["name"].isna().iloc[2]
    assert safe["lon"].dtype == float and safe["lon"].iloc[0] == -1.5
    assert list(safe.columns)[2] == "'" + FORMULAS[1]
    assert frame["name"].iloc[0] == FORMULAS[0]  # the input is not modified


# --------------------------------------------------------------------------------------------------------
# maps: tooltips run in Node against a DOM stand-in that refuses markup
# --------------------------------------------------------------------------------------------------------
_HARNESS = r"""
"use strict";
function element(tag) {
  const node = {tag, children: [], style: {},
    appendChild(child) { this.children.push(child); return child; },
    insertRow() { return this.appendChild(element("tr")); },
    insertCell() { return this.appendChild(element("td")); }};
  return new Proxy(node, {set(target, key, value) {
    if (key === "innerHTML" || key === "outerHTML" || key === "insertAdjacentHTML")
      throw new Error("markup written into the tooltip: " + String(value).slice(0, 120));
    target[key] = value; return true; }});
}
function text(node) { return (node.textContent || "") + node.children.map(text).join(" "); }
globalThis.window = globalThis;
globalThis.document = {createElement: element};
globalThis.L = {DomUtil: {create: element}};
globalThis.alert = (message) => { globalThis.__dialog = String(message); };
const bound = {};
function layer(name) {
  return {bindTooltip(content) { bound[name] = content; return this; },
          bindPopup(content) { bound[name + " popup"] = content; return this; }};
}
"""


def _tooltip_parents(fmap):
    """(parent, tooltip or popup) for every tooltip and popup in the map's tree."""
    found = []

    def walk(element):
        for child in element._children.values():
            if isinstance(child, (folium.Tooltip, folium.GeoJsonTooltip, folium.Popup, folium.GeoJsonPopup)):
                found.append((element, child))
            walk(child)

    walk(fmap)
    return found


def _run_tooltips(fmap) -> dict:
    """Bind every tooltip and popup of ``fmap`` to stand-in layers in Node and open it on each of its features;
    returns {"texts": [...], "kinds": [...], "xss": window.__xss, "dialog": ...}."""
    pairs = _tooltip_parents(fmap)
    assert pairs, "the map has no tooltip"
    code = [_HARNESS, "const features = {};"]
    for parent, tooltip in pairs:
        name = parent.get_name()
        data = parent.data["features"] if isinstance(parent, folium.GeoJson) else [{"properties": {}}]
        code.append(f"var {name} = layer({json.dumps(name)}); features[{json.dumps(name)}] = {js_value(data)};")
        code.append(tooltip._template.module.script(tooltip))
    code.append(r"""
const texts = [], kinds = [];
for (const [name, content] of Object.entries(bound)) {
  kinds.push(typeof content);
  if (typeof content !== "function") { texts.push(String(content)); continue; }
  for (const feature of features[name.replace(/ popup$/, "")]) {
    const out = content({feature});
    texts.push(typeof out === "string" ? "HTML:" + out : text(out));
  }
}
console.log(JSON.stringify({texts, kinds, xss: globalThis.__xss === undefined ? null : globalThis.__xss,
                            dialog: globalThis.__dialog || null}));
""")
    done = subprocess.run([NODE, "-e", "\n".join(code)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _assert_tooltips_are_text(fmap, *, expected: list[str]) -> None:
    run = _run_tooltips(fmap)
    assert run["xss"] is None and run["dialog"] is None, run
    assert set(run["kinds"]) == {"function"}, run["kinds"]  # a string would be parsed as HTML by Leaflet
    assert not [t for t in run["texts"] if t.startswith("HTML:")]
    for name in expected:  # the names are shown, as text, exactly
        assert any(name in t for t in run["texts"]), (name, run["texts"])


class _Page(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.scripts, self._in_script = [], [], False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))
        self._in_script = tag == "script"
        if self._in_script:
            self.scripts.append("")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts[-1] += data


def _js_segments(script: str):
    """(kind, text) pieces of a script: "code", "string" ('…' or "…"), "template" (`…`) or "comment"."""
    i, start, n = 0, 0, len(script)
    while i < n:
        ch, pair = script[i], script[i : i + 2]
        if pair in ("//", "/*"):
            end = script.find("\n" if pair == "//" else "*/", i + 2)
            end = n if end < 0 else end + (0 if pair == "//" else 2)
            yield "code", script[start:i]
            yield "comment", script[i:end]
            i = start = end
        elif ch in "'\"`":
            j = i + 1
            while j < n and script[j] != ch:
                j += 2 if script[j] == "\\" else 1
            yield "code", script[start:i]
            yield "template" if ch == "`" else "string", script[i : j + 1]
            i = start = j + 1
        else:
            i += 1
    yield "code", script[start:]


def _assert_names_only_in_string_literals(html: str) -> None:
    page = _Page()
    page.feed(html)
    for tag, attrs in page.tags:
        assert tag not in ("img", "svg", "iframe", "object", "embed", "image"), (tag, attrs)
        assert not [a for a, _ in attrs if a.lower().startswith("on")], (tag, attrs)
        assert not [v for _, v in attrs if v and SCRIPT_MARKER in v], (tag, attrs)
    in_strings = 0
    for script in page.scripts:
        if SCRIPT_MARKER not in script:
            continue
        for kind, piece in _js_segments(script):
            if SCRIPT_MARKER in piece:
                assert kind == "string", (kind, piece[:300])
                in_strings += 1
    assert in_strings, "the names never reached the page (nothing was tested)"


def _attack_names(region, lang="ru"):
    from planning.i18n import place_names

    return [
        place_names(region.settlements, lang)[0],
        place_names(region.districts, lang)[0],
        str(region.services["name"].iloc[0]),
    ]


@pytest.mark.skipif(NODE is None, reason="node is needed to run the tooltips' JavaScript")
def test_region_map_layers_show_names_as_text(attack):
    from planning.render.webmap import region_map

    region, services, table, result, bands, incidents = attack
    fmap = region_map(
        region,
        lang="ru",
        services=services,
        k=5,
        bands=bands,
        settlement_incidents=incidents,
        settlement_minutes=result.nearest.minutes,
        method=result.method,
        method_description=table.describe("ru"),
    )
    _assert_tooltips_are_text(fmap, expected=_attack_names(region))
    _assert_names_only_in_string_literals(fmap.get_root().render())


@pytest.mark.skipif(NODE is None, reason="node is needed to run the tooltips' JavaScript")
def test_scenario_gap_map_layers_show_names_as_text(attack):
    from planning.render.gapmap import scenario_map

    region, services, _, result, _, incidents = attack
    fmap = scenario_map(
        region, services, result.coverage, threshold_minutes=15.0, lang="en", k=5, settlement_incidents=incidents
    )
    assert (result.nearest.minutes > 15.0).any()  # the uncovered-settlement layer is drawn
    _assert_tooltips_are_text(fmap, expected=_attack_names(region, "en"))
    _assert_names_only_in_string_literals(fmap.get_root().render())


@pytest.mark.skipif(NODE is None, reason="node is needed to run the tooltips' JavaScript")
def test_standalone_html_export_shows_names_as_text(attack):
    from planning.render.exports import scenario_map, standalone_html

    region, _, _, result, bands, incidents = attack
    fmap = scenario_map(region, result, bands=bands, lang="kk", k=5, settlement_incidents=incidents)
    _assert_tooltips_are_text(fmap, expected=_attack_names(region, "kk"))
    _assert_names_only_in_string_literals(standalone_html(fmap))


@pytest.mark.skipif(NODE is None, reason="node is needed to run the tooltips' JavaScript")
def test_numbered_sites_layer_shows_names_as_text(attack):
    """The suggest page's picks: a name in a marker's tooltip (folium.Tooltip put it into a template literal)."""
    from planning.render.webmap import base_map, numbered_sites_layer

    region = attack[0]
    fmap = base_map(region.boundary)
    tooltips = [f"1. {MARKUP_ATTACK}: +800", f"2. {FORMULAS[0]}: +12"]
    layer = numbered_sites_layer([42.5, 42.6], [68.2, 68.4], [1, 2], tooltips, name=MARKUP_ATTACK, colour="#27ae60")
    layer.add_to(fmap)
    folium.LayerControl().add_to(fmap)
    _assert_tooltips_are_text(fmap, expected=tooltips)
    _assert_names_only_in_string_literals(fmap.get_root().render())
    assert layer.layer_name == html_text(MARKUP_ATTACK)  # the layer control sets names as innerHTML


def test_legend_and_layer_names_are_escaped(attack):
    from planning.render.webmap import _Legend, layer_name

    legend = _Legend(MARKUP_ATTACK, [("#000", MARKUP_ATTACK)], [MARKUP_ATTACK])
    assert "<img" not in legend.inner and "<svg" not in legend.inner and "&lt;img" in legend.inner
    assert not re.search(r"[<>`]", legend.inner_js)
    assert "<" not in layer_name(MARKUP_ATTACK)


# --------------------------------------------------------------------------------------------------------
# pages: names are rendered as literal Markdown
# --------------------------------------------------------------------------------------------------------
def _markdown_values(at) -> list[str]:
    values = []
    for kind in ("markdown", "title", "header", "subheader", "caption", "info", "success", "warning", "error"):
        values += [str(e.value) for e in getattr(at, kind)]
    values += [str(m.label) for m in at.metric] + [str(m.value) for m in at.metric]
    values += [str(e.label) for e in at.expander]
    return values


def _assert_literal_markdown(at, *, page: str) -> None:
    assert not at.exception, (page, at.exception)
    values = _markdown_values(at)
    shown = [re.sub(r"\\(.)", r"\1", v).replace(NO_LINK_JOINER, "") for v in values]
    assert any(MARKDOWN_ATTACK in v for v in shown), (page, "no name reached the page", values)
    for value in values:
        for live in (r"!\[x\]\(", "<img", "<svg", "</script", "`"):
            assert not re.search(r"(?<!\\)" + live, value), (page, live, value)  # unescaped, it would be markup


@pytest.fixture
def attack_app(tmp_path, monkeypatch):
    """signed_in_app on the attack region, with two scenarios whose names are attack strings."""
    from planning.scenarios import sites_from_services
    from planning.store.scenarios import ScenarioStore

    folder = attack_region(tmp_path / "region")
    db = tmp_path / "qorgau.sqlite"
    monkeypatch.setenv("QORGAU_REGION", str(folder))
    monkeypatch.setenv("QORGAU_SCENARIO_DB", str(db))
    monkeypatch.chdir(PROJECT)
    region = load_region(folder)
    store = ScenarioStore(db)
    sites = sites_from_services(region.services)
    # names are capped at MAX_SCENARIO_NAME_CHARS: the attack strings are split over the two
    store.create(f"A {HTML_ATTACK} {MARKDOWN_ATTACK}", region.region_id, sites, author="tester")
    store.create(
        f"B {TEMPLATE_ATTACK} {SCRIPT_END_ATTACK} {SVG_ATTACK}", region.region_id, sites[:0] + sites, author="tester"
    )
    return signed_in_app


@pytest.mark.parametrize(
    "page",
    [
        "pages/home.py",
        "pages/map.py",
        "pages/scenarios.py",
        "pages/compare.py",
        "pages/present.py",
        "pages/suggest.py",
        "pages/upload.py",
    ],
)
def test_pages_render_names_as_literal_markdown(attack_app, page):
    at = attack_app(page, role="planner")
    _assert_literal_markdown(at, page=page)


def test_present_page_district_title_is_literal(attack_app):
    at = attack_app("pages/present.py", role="presenter")
    at.selectbox(key="present_district").set_value("W").run()
    _assert_literal_markdown(at, page="present W")
    assert any("Западный" in t.value for t in at.title)


# --------------------------------------------------------------------------------------------------------
# exports: no cell runs as a formula
# --------------------------------------------------------------------------------------------------------
def _assert_no_formula_text(cells, *, expect_guarded: bool = True) -> None:
    guarded = 0
    for cell in cells:
        if isinstance(cell, str) and cell.startswith(FORMULA_TRIGGERS):
            assert re.fullmatch(r"[+-]?[\d.,\u202f\u00a0 ]+(?:[eE][+-]?\d+)?", cell), cell  # only numbers as text
        guarded += isinstance(cell, str) and cell.startswith("'") and cell[1:].startswith(FORMULA_TRIGGERS)
    assert guarded or not expect_guarded, "no formula name reached the export (nothing was tested)"


def test_csv_exports_neutralise_formulas(attack):
    from planning.render.exports import csv_bytes, tables

    region, _, _, result, _, incidents = attack
    sheets = tables(region, result, incidents=incidents, lang="ru", incident_level="settlement")
    for frame in sheets.values():
        rows = list(csv.reader(io.StringIO(csv_bytes(frame).decode("utf-8-sig"))))
        _assert_no_formula_text([c for row in rows for c in row], expect_guarded=False)
    settlements = next(iter(sheets.values()))
    rows = list(csv.reader(io.StringIO(csv_bytes(settlements).decode("utf-8-sig"))))
    assert ["'" + FORMULAS[0]] == [c for row in rows for c in row if FORMULAS[0] in c][:1]
    negative = csv_bytes(pd.DataFrame({"difference": [-3, 2], "text": ["-3", "-x"]})).decode("utf-8-sig")
    assert negative.splitlines()[1:] == ["-3,-3", "2,'-x"]  # numbers stay numbers, "-x" is text


def test_xlsx_export_has_no_formula_cell(attack):
    from planning.render.exports import tables, xlsx_bytes

    region, _, _, result, _, incidents = attack
    sheets = tables(region, result, incidents=incidents, lang="ru", incident_level="settlement")
    book = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(sheets)))
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    _assert_no_formula_text([c.value for c in cells])
    population = [c for c in book.worksheets[0][1] if c.value == "Население"]
    assert population and book.worksheets[0].cell(2, population[0].column).data_type == "n"  # still numbers


def test_scenario_csv_neutralises_formulas_and_reads_back(tmp_path):
    from planning.scenarios import Site, export_csv, import_csv

    sites = [Site(f"site-{i}", name, "permanent", 42.5, 68.2 + i / 10) for i, name in enumerate(FORMULAS[:4])]
    sites.append(Site("-5", "Аул", "mobile", 42.6, 68.3, reach_minutes=45.0))
    text = export_csv(sites)
    rows = list(csv.reader(io.StringIO(text)))
    _assert_no_formula_text([c for row in rows for c in row])
    assert rows[-1][0] == "-5"  # a number-like id stays as it is
    back = import_csv(text.encode("utf-8"))
    assert [s.name for s in back] == [s.name for s in sites] and [s.service_id for s in back] == [
        s.service_id for s in sites
    ]


def test_travel_times_csv_neutralises_formula_ids(tmp_path):
    from planning.cli import main

    folder = attack_region(tmp_path / "region")
    (folder / "services.csv").write_text(
        'id,name,kind,lat,lon\n"=HYPERLINK(""http://203.0.113.7/"",""x"")",Служба,permanent,42.5,68.2\n',
        encoding="utf-8",
    )
    out = tmp_path / "minutes.csv"
    assert main(["travel-times", "--region", str(folder), "--out", str(out), "--estimate"]) == 0
    rows = list(csv.reader(out.open(encoding="utf-8")))
    _assert_no_formula_text([c for row in rows for c in row])
