"""One message catalog for every label, message, legend and export: Russian (default), Kazakh and English.

``t(key, lang, **values)`` formats a message; ``t(key, lang, count=n, **values)`` picks the plural form of a
count-dependent message by the language's CLDR plural rule ("1 населённый пункт", "3 населённых пункта",
"5 населённых пунктов"). Numbers go through :func:`fmt_number` (Babel, CLDR number symbols: a no-break space
between thousands and a decimal comma in ru/kk, a comma and a point in en) and dates through :func:`fmt_date`.

The messages live in the gettext catalogs of :mod:`planning.translations` (``ru.po``, ``kk.po``, ``en.po``,
msgctxt = the key used here, msgid = the English text), compiled to ``.mo`` by the build. A test fails on any
message that is missing, empty or still English in a language, or whose placeholders differ.
"""

from __future__ import annotations

import datetime as _dt
import functools
import math
import numbers
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

import numpy as np
from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal, get_decimal_symbol, get_group_symbol, get_minus_sign_symbol

from planning import translations

if TYPE_CHECKING:
    import pandas as pd

    from geo.errors import Problem

LANGUAGES = translations.LANGUAGES
DEFAULT_LANGUAGE = "ru"
LANGUAGE_NAMES = {"ru": "Русский", "kk": "Қазақша", "en": "English"}

_COMPILED = {lang: translations.load(lang) for lang in LANGUAGES}

CATALOG: dict[str, dict[str, str]] = {
    key: {lang: _COMPILED[lang].entries[key].text for lang in LANGUAGES if key in _COMPILED[lang].entries}
    for key in _COMPILED[DEFAULT_LANGUAGE].entries
}
"""Every message key with its text per language (for a plural message, the form for "many"/"other"; use
:func:`t` with ``count=`` to get the right one). Read-only view of the compiled catalogs."""

PLURAL_KEYS: frozenset[str] = frozenset(
    key for key, entry in _COMPILED[DEFAULT_LANGUAGE].entries.items() if entry.forms
)
"""Keys of the messages that depend on a count (``msgid_plural`` in the catalogs)."""


def t(key: str, lang: str = DEFAULT_LANGUAGE, *, count: float | None = None, **values) -> str:
    """The message ``key`` in ``lang`` with ``values`` filled in (numbers formatted for the language).

    Parameters
    ----------
    key : str
        The message key (the msgctxt of the catalog entry).
    lang : {"ru", "kk", "en"}
        Language; another code falls back to Russian.
    count : int, optional
        For a count-dependent message (one listed in :data:`PLURAL_KEYS`), the count that chooses the plural
        form; it is also the ``{count}`` placeholder. For any other message it is just a value.
    **values
        Placeholder values; numbers are formatted with :func:`fmt_number`.

    Raises
    ------
    KeyError
        When no message has this key.
    TypeError
        When a count-dependent message gets no ``count``.
    """
    compiled = _COMPILED.get(lang) or _COMPILED[DEFAULT_LANGUAGE]
    entry = compiled.entries.get(key) or _COMPILED[DEFAULT_LANGUAGE].entries[key]
    if count is not None:
        values["count"] = count
    text = entry.text
    if entry.forms:
        if count is None:
            raise TypeError(f"message {key!r} depends on a count: call t({key!r}, lang, count=n, ...)")
        number = count if float(count).is_integer() else round(count)
        text = entry.forms[min(compiled.form_index(int(number)), len(entry.forms) - 1)]
    if values:
        text = text.format(**{k: _value_text(v, lang) for k, v in values.items()})
    return text


def _value_text(value: object, lang: str) -> object:
    if isinstance(value, numbers.Real) and not isinstance(value, bool) and type(value).__name__ != "bool_":
        return fmt_number(cast(float, value), lang)  # numbers.Real: int, float or a numpy number
    return value


def fmt_number(value: float | int | None, lang: str = DEFAULT_LANGUAGE, *, decimals: int = 0) -> str:
    """``value`` with ``decimals`` decimals in the number format of ``lang`` (Babel, CLDR): ``12 300`` /
    ``12,5`` in ru and kk (no-break space, decimal comma), ``12,300`` / ``12.5`` in en. None or NaN is "—"."""
    if value is None or (isinstance(value, numbers.Real) and math.isnan(value)):
        return "—"
    if isinstance(value, numbers.Real) and not math.isfinite(value):
        return format_decimal(value, format="#,##0", locale=_babel_locale(lang))  # "∞", "-∞" as Babel writes them
    group, point, minus = _number_symbols(_babel_locale(lang))
    # what Babel's format_decimal does with the pattern "#,##0.00…" (its decimal rounding, half to even, and the
    # locale's symbols), without looking the symbols up again for every figure (a map writes thousands of them)
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    rounded = abs(number).quantize(Decimal(1).scaleb(-decimals))
    whole, _, fraction = f"{rounded:f}".partition(".")
    text = f"{int(whole):,}".replace(",", group) + (point + fraction if decimals > 0 else "")
    return minus + text if number.is_signed() else text


@functools.lru_cache(maxsize=8)
def _number_symbols(lang: str) -> tuple[str, str, str]:
    """The group, decimal and minus signs of ``lang`` (CLDR, Latin digits)."""
    return get_group_symbol(lang), get_decimal_symbol(lang), get_minus_sign_symbol(lang)


def fmt_minutes(value: float, lang: str = DEFAULT_LANGUAGE, *, decimals: int = 1) -> str:
    """Minutes as a figure shows them: ``decimals`` decimals in ``lang``'s format, "< 1" below one minute (a
    service in the place itself: a median of 0,0 would read as an error), "—" for NaN. Infinity is the caller's
    to word ("not reachable")."""
    if value is None or math.isnan(value):
        return "—"
    if 0 <= value < 1:
        return t("minutes.under_one", lang)
    return fmt_number(value, lang, decimals=decimals)


def fmt_count(value: object, lang: str = DEFAULT_LANGUAGE) -> str:
    """A count as shown: a whole number (int, numpy integer or a text of digits, as a released incident cell is)
    in ``lang``'s number format; anything else ("<5", "—") as it is."""
    if isinstance(value, numbers.Integral) or (isinstance(value, str) and value.isdigit()):
        return fmt_number(int(value), lang)
    return str(value)


def fmt_date(value: _dt.date | _dt.datetime | str, lang: str = DEFAULT_LANGUAGE, *, style: str = "medium") -> str:
    """A date (or the date of a datetime or an ISO text) in ``lang``'s CLDR format: ``5 мар. 2026 г.``,
    ``2026 ж. 05 нау.``, ``Mar 5, 2026`` (``style`` "short", "medium", "long" or "full")."""
    if isinstance(value, str):
        value = _dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if isinstance(value, _dt.datetime):
        value = value.date()
    return format_date(value, format=style, locale=_babel_locale(lang))


def fmt_datetime(value: _dt.datetime | str, lang: str = DEFAULT_LANGUAGE, *, style: str = "short") -> str:
    """A moment in ``lang``'s CLDR date-and-time format (``05.03.2026, 14:07`` in ru, ``3/5/26, 2:07 PM`` in en);
    an ISO text is parsed first. Shown as it was stored (UTC in the audit log)."""
    if isinstance(value, str):
        value = _dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return format_datetime(value, format=style, locale=_babel_locale(lang), tzinfo=value.tzinfo)


def _babel_locale(lang: str) -> str:
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


MADE_NAME_KEYS = ("scen.baseline_name", "scen.current_name", "report.scenario_baseline")
"""Catalog keys of the scenario names the app itself gives (stored in the language of the day they were made)."""


def made_name(name: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """``name`` in ``lang`` when the app made it: a scenario name of :data:`MADE_NAME_KEYS` in any language, or a
    baseline service's "Служба: <place>" (``service.made_name``); any other name (one a user typed, one from a
    file) as it is."""
    if not isinstance(name, str):
        return name
    for key in MADE_NAME_KEYS:
        if any(name == CATALOG[key][other] for other in LANGUAGES):
            return t(key, lang)
    for other in LANGUAGES:
        prefix = CATALOG["service.made_name"][other].split("{place}")[0]
        if name.startswith(prefix) and len(name) > len(prefix):
            return t("service.made_name", lang, place=name[len(prefix) :])
    return name


def place_names(frame: pd.DataFrame, lang: str) -> list[str]:
    """Names of the places in ``frame`` (settlements or districts) as the reader of ``lang`` sees them: the one rule
    of :mod:`geo.names` (``label_<lang>``: KATO's or the file's name in that language, else another language's; a
    district's doubled suffix corrected), "unnamed place 2.3 km from X" (``near_<lang>``, ``near_km``) for a
    settlement without any name; for a frame without those columns the name in ``lang``, the display name,
    another language's. Never an id: a place with no name at all is "unnamed place"."""
    fallbacks = [f"label_{lang}", f"name_{lang}", "name", "name_ru", "name_kk", "name_en"]
    columns = [frame[c].to_numpy(dtype=object) for c in fallbacks if c in frame]
    near = frame[f"near_{lang}"].to_numpy(dtype=object) if f"near_{lang}" in frame else [None] * len(frame)
    near_km = frame["near_km"].to_numpy(dtype=float) if "near_km" in frame else np.full(len(frame), np.nan)
    id_column = next((c for c in ("settlement_id", "district_id", "service_id") if c in frame), None)
    ids = frame[id_column].to_numpy(dtype=object) if id_column else [""] * len(frame)
    names = []
    for i, close, km, *values in zip(ids, near, near_km, *columns):
        name = next((v for v in values if isinstance(v, str) and v.strip() and v != f"#{i}"), None)
        if name is None and isinstance(close, str) and close and math.isfinite(km):
            name = t("place.unnamed_km_from", lang, place=close, km=fmt_number(km, lang, decimals=1))
        elif name is None:
            has_near = isinstance(close, str) and bool(close)
            name = t("place.unnamed_near", lang, place=close) if has_near else t("place.unnamed", lang)
        names.append(name)
    return names


def format_problem(problem: Problem, lang: str = DEFAULT_LANGUAGE, *, max_rows: int = 10) -> str:
    """A validation problem (:class:`geo.errors.Problem`) as one line in ``lang``, laid out like
    ``Problem.format``: file, lines (at most ``max_rows`` shown), column, what is wrong, how to fix it.

    Problems with a ``key`` are rendered from ``problem.<key>`` and ``problem.<key>.fix`` with their ``params``;
    any other problem falls back to its English :meth:`~geo.errors.Problem.format`.
    """
    if not problem.key:
        return problem.format(max_rows=max_rows)
    values: dict[str, Any] = {name: _problem_value(value, lang) for name, value in problem.params}
    parts = [problem.file]
    if problem.rows:
        shown = ", ".join(str(r) for r in problem.rows[:max_rows])
        if len(problem.rows) > max_rows:
            shown += " " + t("problem_format.more", lang, n=len(problem.rows) - max_rows)
        plural = "s" if len(problem.rows) > 1 else ""
        parts.append(t(f"problem_format.{problem.unit}{plural}", lang, rows=shown))
    if problem.column:
        parts.append(t("problem_format.column", lang, column=problem.column))
    if problem.key == "population_missing" and "detail" in values:  # "village 413, hamlet 194": kinds in words
        values["detail"] = _kinds_text(values["detail"], lang)
    key = f"problem.{problem.key}"
    if key in PLURAL_KEYS:  # the plural form follows the problem's "count" parameter
        values["count"] = dict(problem.params)["count"]
    text = f"{': '.join(parts)}: {t(key, lang, **values)}"
    if problem.fix:
        text += " " + t("problem_format.fix", lang, fix=t(f"problem.{problem.key}.fix", lang, **values))
    return text


def _kinds_text(detail: str, lang: str) -> str:
    """A count per settlement kind as geo writes it ("village 413, hamlet 194") with the kinds in ``lang``."""
    parts = []
    for part in detail.split(", "):
        kind, _, count = part.rpartition(" ")
        key = f"kind.{kind}"
        parts.append(f"{t(key, lang)} {count}" if key in CATALOG and count.isdigit() else part)
    return ", ".join(parts)


def _problem_value(value: object, lang: str) -> str:
    """A problem parameter as text: numbers in the language's style (one decimal when not whole)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    return fmt_number(value, lang, decimals=0 if float(value).is_integer() else 1)
