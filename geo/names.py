"""Which name a place is shown by, in each language: the one rule every table, list, map, report and export uses.

A settlement is shown

* in Russian by its KATO name where the settlement matched the classifier by name (tiers "exact" and "variant" of
  :data:`geo.kato.MATCH_TIERS`, or a code the file gives without a tier), its prefix written out ("с.Жибек жолы"
  → "Жибек жолы", "рзд.51" → "Разъезд 51", "с.им.Турара Рыскулова" → "Имени Турара Рыскулова"); else by its
  Russian name from the file (OSM ``name:ru``); else by the name of a place of the same file name in its district
  that has a Russian one (a hamlet beside its village: "Сәмбет Саттаров ауылы" → "Самбет Саттаров"); else by
  another language's name, its Kazakh letters written as Russian writes them ("Ақбұлақ" → "Акбулак",
  :func:`russian_form`);
* in Kazakh by its Kazakh name (``name:kk``), else the file's own name (OSM ``name``, mostly Kazakh), else the
  Russian name as above, else the English one;
* in English by its English name, else the file's own name, the Russian one, the Kazakh one.

A name in Latin letters is not a Russian or Kazakh name ("Arab=" as ``name:kk``): it is passed over while a
Cyrillic name is left. A settlement with no name at all gets none here; the nearest named settlement of the file
is recorded instead, with its distance, and :func:`planning.i18n.place_names` words it "безымянное место в 2,3 км от
н. п. X" / "X елді мекенінен 2,3 км жердегі атаусыз елді мекен" in the reader's language: never the id.

District names are shown with the source's doubled suffix corrected ("Енбекшинскийский" → "Енбекшинский"): see
:func:`corrected_name`. The file's own spelling stays in ``name_ru`` (exports' source columns).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

LABEL_LANGUAGES = ("ru", "kk", "en")
LABEL_COLUMNS = tuple(f"label_{lang}" for lang in LABEL_LANGUAGES)
"""Columns the loaded settlements and districts carry: the name shown in each language (None: the place has no
name; see :data:`NEAR_COLUMNS`)."""
NEAR_COLUMNS = tuple(f"near_{lang}" for lang in LABEL_LANGUAGES)
"""Columns of the loaded settlements: for a place without any name, the shown name of the nearest named settlement
in each language (None for a named place)."""
NEAR_KM_COLUMN = "near_km"
"""Column of the loaded settlements: for a place without any name, how far (km, straight line) the nearest named
settlement is (NaN for a named place); two unnamed places near one village are told apart by it."""
M_PER_KM = 1000.0
KATO_NAME_TIERS = ("exact", "variant", "")
"""Match tiers (``kato_match`` of the settlements file) whose KATO name is the place's Russian name; "" is a code
the file gives without a tier. Weaker tiers ("skeleton": consonants only, "okrug": the okrug's centre) found the
right code but a differently spelt or an older name ("Шорнак" / "с.Чернак", "Ақсукент" / "с.Аксу"), so the OSM
Russian name stays."""
KATO_PREFIXES = (
    (re.compile(r"^с\.\s*им\.\s*"), "имени "),
    (re.compile(r"^рзд\.\s*"), "разъезд "),
    (re.compile(r"^ст\.\s*"), "станция "),
    (re.compile(r"^(с|п|г|пос|а)\.\s*"), ""),
)
"""The classifier's abbreviations before a settlement's name and what is shown instead."""
DOUBLED_SUFFIX = re.compile(r"(ск(?:ий|ая|ое|ой))\1$")
"""A Russian adjective ending written twice at the end of a district's name (the outlines' "Енбекшинскийский",
"Каратаускийский"): the rule that finds the typos in the data."""
_LATIN = re.compile(r"[A-Za-z]")
KAZAKH_TO_RUSSIAN = str.maketrans("ӘәҒғҚқҢңӨөҰұҮүҺһІі", "АаГгКкНнОоУуУуХхИи")
"""How a Kazakh name is written in Russian where no Russian name is known ("Ақбұлақ" → "Акбулак"): the letters
Russian lacks by their usual Russian rendering."""
KAZAKH_VILLAGE_WORD = re.compile(r"\s+ауылы$")
"""The Kazakh word "ауылы" ("village of") after a name, which a Russian name does without."""


def kato_display_name(name: object) -> str | None:
    """A KATO settlement name as it is shown: the abbreviation before it written out or dropped ("с. Аша" →
    "Аша", "рзд.51" → "Разъезд 51"; the first letter capital); None for an empty one."""
    if not isinstance(name, str) or not name.strip():
        return None
    text = name.strip()
    for pattern, replacement in KATO_PREFIXES:
        if pattern.match(text):
            text = pattern.sub(replacement, text, count=1)
            break
    return text[:1].upper() + text[1:] if text else None


def corrected_name(name: object) -> object:
    """``name`` with a doubled adjective ending made single ("Енбекшинскийский" → "Енбекшинский"); anything else
    as it is."""
    if not isinstance(name, str):
        return name
    return DOUBLED_SUFFIX.sub(r"\1", name.strip())


def corrections(names: Iterable[object]) -> list[tuple[str, str]]:
    """(as the source writes it, as shown) for every name :func:`corrected_name` changes."""
    return [(n, str(corrected_name(n))) for n in dict.fromkeys(names) if isinstance(n, str) and corrected_name(n) != n]


def russian_form(name: str | None) -> str | None:
    """A name as a Russian list shows it: Kazakh letters by their Russian rendering and without "ауылы"
    ("Әлкен Оспанов ауылы" → "Алкен Оспанов")."""
    if name is None:
        return None
    return KAZAKH_VILLAGE_WORD.sub("", name.translate(KAZAKH_TO_RUSSIAN)) or name


def _text(value: object) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _cyrillic(value: str | None) -> str | None:
    return value if value is not None and not _LATIN.search(value) else None


def _first(*options: str | None) -> str | None:
    return next((o for o in options if o), None)


def settlement_labels(
    *,
    ids: Sequence[object],
    name: Sequence[object],
    name_ru: Sequence[object],
    name_kk: Sequence[object],
    name_en: Sequence[object],
    district_id: Sequence[object],
    x_m: np.ndarray,
    y_m: np.ndarray,
    kato_name: Sequence[object] | None = None,
    kato_match: Sequence[object] | None = None,
) -> pd.DataFrame:
    """The shown name of every settlement in each language, and for the unnamed ones their nearest named one's.

    Parameters
    ----------
    ids, name, name_ru, name_kk, name_en, district_id : sequences, one value per settlement
        The file's id, own name (OSM ``name``), names per language and district.
    x_m, y_m : ndarray
        Coordinates in a projected CRS, metres (to find the nearest named settlement).
    kato_name, kato_match : sequences, optional
        The classifier's name of the settlement's KATO code and how the code was matched (:data:`KATO_NAME_TIERS`).

    Returns
    -------
    DataFrame
        :data:`LABEL_COLUMNS`, :data:`NEAR_COLUMNS` and :data:`NEAR_KM_COLUMN`, one row per settlement, in order.
    """
    n = len(ids)
    own = [_text(v) for v in name]
    ru = [_text(v) for v in name_ru]
    kk = [_text(v) for v in name_kk]
    en = [_text(v) for v in name_en]
    kato = [kato_display_name(v) for v in (kato_name if kato_name is not None else [None] * n)]
    tiers = [str(v).strip() if isinstance(v, str) else "" for v in (kato_match or [""] * n)]
    official = [k if k and tier in KATO_NAME_TIERS else None for k, tier in zip(kato, tiers)]
    # a place with no Russian name takes the one of a place of the same own name in its district (village/hamlet)
    borrowed: dict[tuple[object, str], str] = {}
    for o, r, d in zip(own, ru, district_id):
        if o and r is not None and _cyrillic(r):
            borrowed.setdefault((d, o), r)
    russian = [
        _first(_cyrillic(off), _cyrillic(r), borrowed.get((d, o)) if o else None)
        for off, r, o, d in zip(official, ru, own, district_id)
    ]
    labels = {
        "ru": [
            russian_form(_first(r, _cyrillic(o), _cyrillic(k), r_any, o, k, e))
            for r, o, k, r_any, e in zip(russian, own, kk, ru, en)
        ],
        "kk": [_first(_cyrillic(k), _cyrillic(o), r, k, o, rr, e) for k, o, r, rr, e in zip(kk, own, russian, ru, en)],
        "en": [_first(e, o, r, k, rr) for e, o, r, k, rr in zip(en, own, russian, kk, ru)],
    }
    out = pd.DataFrame({f"label_{lang}": pd.Series(values, dtype=object) for lang, values in labels.items()})
    unnamed = np.array([v is None for v in labels["ru"]], dtype=bool)
    named = np.flatnonzero(~unnamed)
    near: dict[str, list[str | None]] = {lang: [None] * n for lang in LABEL_LANGUAGES}
    near_km = np.full(n, np.nan)
    if unnamed.any() and len(named):
        xs, ys = np.asarray(x_m, dtype=float), np.asarray(y_m, dtype=float)
        for i in np.flatnonzero(unnamed):
            squared = (xs[named] - xs[i]) ** 2 + (ys[named] - ys[i]) ** 2
            if not np.isfinite(squared).any():
                continue
            j = named[int(np.nanargmin(squared))]
            near_km[i] = float(np.sqrt(np.nanmin(squared))) / M_PER_KM
            for lang in LABEL_LANGUAGES:
                near[lang][i] = labels[lang][j]
    for lang in LABEL_LANGUAGES:
        out[f"near_{lang}"] = pd.Series(near[lang], dtype=object)
    out[NEAR_KM_COLUMN] = near_km
    return out


def district_labels(name_ru: Sequence[object], name_kk: Sequence[object], name_en: Sequence[object]) -> pd.DataFrame:
    """The shown name of every district in each language (:data:`LABEL_COLUMNS`): the file's name with
    :func:`corrected_name` applied, else another language's."""
    ru = [_text(corrected_name(v)) for v in name_ru]
    kk = [_text(corrected_name(v)) for v in name_kk]
    en = [_text(v) for v in name_en]
    return pd.DataFrame(
        {
            "label_ru": pd.Series([_first(r, k, e) for r, k, e in zip(ru, kk, en)], dtype=object),
            "label_kk": pd.Series([_first(k, r, e) for r, k, e in zip(ru, kk, en)], dtype=object),
            "label_en": pd.Series([_first(e, r, k) for r, k, e in zip(ru, kk, en)], dtype=object),
        }
    )
