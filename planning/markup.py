"""Names are data, never markup: the one way each kind of text from a file or a user reaches HTML, JavaScript,
Markdown and a spreadsheet.

Settlement, district, service, scenario, site and candidate names, ``region.json`` sources and licences, user names,
file names and error messages quoting any of them are *data*. Each output format has one function here:

- :func:`html_text` for text placed in HTML (map legends, markers, layer names; Leaflet sets those as innerHTML);
- :func:`js_value` for a value placed in a ``<script>`` (a JSON literal that cannot close the script or a string);
- :func:`markdown_text` for text placed in a Streamlit Markdown string (titles, captions, messages): it shows
  literally, so ``![x](http://…)`` is neither an image nor a request;
- :func:`spreadsheet_cell` / :func:`spreadsheet_frame` for CSV and XLSX cells (the OWASP CSV-injection rule), and
  :func:`from_spreadsheet_cell` to read a cell exported that way back unchanged.

Pure functions: no streamlit, no folium.
"""

from __future__ import annotations

import html
import json
import math
import re
from typing import TypeVar, cast

import pandas as pd

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet treat a text cell as a formula (OWASP CSV injection)."""
FORMULA_GUARD = "'"
"""Prefix that makes a spreadsheet read such a cell as text."""
_NUMBER_TEXT = re.compile(r"[+-]?(?:\d[\d\u202f\u00a0 ]*(?:[.,]\d+)?|[.,]\d+)(?:[eE][+-]?\d+)?")
"""A number written as text ("-5", "-12.5", "-1 234,5", "+3", "-1e-05"): no formula, left as it is."""
Cell = TypeVar("Cell")
"""Whatever a spreadsheet cell holds (text, a number, None); the guards give back the type they were given."""
_MARKDOWN_ANYWHERE = re.compile(r"([\\`*_\[\]<>|~$])")
"""Characters that start inline markup wherever they stand: escapes, code, emphasis, links and images (``[``),
raw HTML and autolinks (``<``), tables, strikethrough, LaTeX (``$``). Without ``[`` neither an image, a link,
a reference definition nor a Streamlit directive (``:red[...]``) can start."""
_MARKDOWN_LINE_START = re.compile(r"^([ \t]*)([#>+=-]|\d+(?=[.)]))", re.MULTILINE)
"""Block markup that only counts at the start of a line: headings, quotes, list items, setext underlines, numbered
lists (``1.``): its first character gets the backslash (for ``1.``, the ``.``)."""
_MARKDOWN_AUTOLINK = re.compile(r"(?i)(?<=[a-z])(:)(?=//)|(?<![\w.-])(www)(\.)|(?<=[\w.+-])(@)(?=[\w-])")
"""GitHub's autolink literals (``http://…``, ``https://…``, ``www.…``, ``user@mail.kz``). Streamlit's Markdown finds
them twice: in the raw text (where an escape breaks them) and again in the text after escapes are read (remark-gfm's
``transformGfmAutolinkLiterals``: ``https?://``, ``www.`` and ``name@domain.tld``). So their ``:``,
``.`` or ``@`` is escaped and gets a :data:`NO_LINK_JOINER` before it, which no autolink pattern crosses."""
NO_LINK_JOINER = "\u2060"
"""WORD JOINER: an invisible character (no width, no line break) put before the ``:`` of ``http://``, the ``.`` of
``www.`` and the ``@`` of an e-mail address in a name shown as Markdown, so no autolink is made of it."""
_LINE_BREAKS = re.compile(r"\r\n|[\r\n\u2028\u2029\x0b\x0c\x85]")
_JS_UNSAFE = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "'": "\\u0027",
    "`": "\\u0060",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}


def html_text(value: object) -> str:
    """``value`` as text that shows literally in HTML, in element content and in quoted attribute values.

    ``None`` and NaN become ``""``; anything else is ``str(value)`` with ``& < > " '`` escaped.
    """
    return html.escape(_text(value), quote=True)


def js_value(value: object) -> str:
    """``value`` (str, number, bool, None, or lists and dicts of them) as a JavaScript literal safe inside a
    ``<script>`` element: JSON with ``< > & ' `` ` `` and U+2028/U+2029 written as ``\\u`` escapes, so it can
    close neither the script (``</script>``), nor a string, nor a template literal, whatever it contains.

    Non-finite floats become ``null`` (JSON has no NaN).
    """
    text = json.dumps(_finite(value), ensure_ascii=False, allow_nan=False)
    return "".join(_JS_UNSAFE.get(ch, ch) for ch in text)


def markdown_text(value: object) -> str:
    """``value`` as Markdown that renders as exactly this text (Streamlit ``st.markdown``, ``st.title``,
    ``st.caption``, ``st.info`` and the like).

    The characters that start inline markup are backslash-escaped everywhere, those that start block markup where
    they start a line; line breaks become Markdown line breaks. No link, image, HTML, code, emphasis, table, LaTeX,
    heading, list, autolink or Streamlit directive can start, so ``![x](http://…)`` shows as those characters and
    asks for nothing; ``http://``, ``www.`` and e-mail addresses get an invisible :data:`NO_LINK_JOINER` so they
    show as text, not links. Punctuation that starts nothing (``. , : ( ) /``) stays as it is. ``None`` and NaN
    become ``""``.
    """
    text = _LINE_BREAKS.sub("\n", _text(value))
    escaped = _MARKDOWN_ANYWHERE.sub(r"\\\1", text)
    escaped = _MARKDOWN_AUTOLINK.sub(_break_autolink, escaped)
    escaped = _MARKDOWN_LINE_START.sub(_escape_line_start, escaped)
    return escaped.replace("\n", "  \n")


def _break_autolink(match: re.Match) -> str:
    if match.group(1):  # http: / https:
        return NO_LINK_JOINER + "\\:"
    if match.group(2):  # www.
        return match.group(2) + NO_LINK_JOINER + "\\."
    return NO_LINK_JOINER + "\\@"  # user@mail.kz


def _escape_line_start(match: re.Match) -> str:
    indent, marker = match.group(1), match.group(2)
    if marker[0].isdigit():  # "1." or "1)": escape the character after the number
        return indent + marker + "\\"
    return indent + "\\" + marker


def spreadsheet_cell(value: Cell) -> Cell:
    """A cell for CSV or XLSX that a spreadsheet never runs as a formula.

    Text starting with ``= + - @``, a tab or a carriage return gets a leading ``'`` (the OWASP rule), unless it is a
    number written as text (``"-5"``, ``"-12,5"``). Numbers, booleans, None and anything not text are returned
    unchanged, so numeric cells stay numeric.
    """
    if not isinstance(value, str) or not value.startswith(FORMULA_TRIGGERS) or _NUMBER_TEXT.fullmatch(value):
        return value
    return cast(Cell, FORMULA_GUARD + value)  # value is text here, and so is what comes back


def from_spreadsheet_cell(value: Cell) -> Cell:
    """Undo :func:`spreadsheet_cell`: text that is ``'`` followed by a formula trigger loses the ``'``."""
    if (
        isinstance(value, str)
        and value.startswith(FORMULA_GUARD)
        and value[1:2]
        and value[1:].startswith(FORMULA_TRIGGERS)
    ):
        return cast(Cell, value[1:])  # text in, text out
    return value


def spreadsheet_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with :func:`spreadsheet_cell` applied to every text cell and column name.

    Numeric columns are returned as they are (no negative number gains a ``'``). ``frame`` is not modified.
    """
    out = frame.copy()
    for position in range(out.shape[1]):
        column = out.iloc[:, position]
        if pd.api.types.is_numeric_dtype(column.dtype) or pd.api.types.is_bool_dtype(column.dtype):
            continue
        out.isetitem(position, column.map(spreadsheet_cell, na_action="ignore").astype(object))
    out.columns = [spreadsheet_cell(c) for c in out.columns]
    return out


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)


def _finite(value: object) -> object:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):  # numpy scalars
        return _finite(value.item())
    return value
