"""Finding what a user names: a district by its name (any language) or code, a saved scenario by its name or id.

The command line and the pages take the same names, so both resolve them here. Matching is exact after
normalising (Unicode NFKC, case, ``ё`` as ``е``, runs of spaces): the region's own spellings, typos included (the
real outlines call one district "Енбекшинскийский"), are the names to match, so no fuzzy guess is made.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from geo.errors import QorgauError

if TYPE_CHECKING:
    import pandas as pd

    from planning.scenarios import Scenario

NAME_COLUMNS = ("name_ru", "name_kk", "name_en", "name")
"""District columns whose values name a district, in the order they are listed."""
KATO_DIGITS = 9
"""Digits of a full KATO code (Kazakhstan's classifier of administrative units); shorter codes are its prefix."""


class NotFoundError(QorgauError, LookupError):
    """A name or id that matches nothing; ``choices`` lists what would have (as ``id: names`` lines).

    Attributes
    ----------
    what : {"district", "scenario"}
    given : str
    choices : tuple of str
    """

    def __init__(self, what: str, given: str, choices: Sequence[str]):
        self.what, self.given, self.choices = what, given, tuple(choices)
        listed = "; ".join(self.choices) if self.choices else "none"
        super().__init__(f"no {what} {given!r}; the region has: {listed}")


def name_key(text: object) -> str:
    """What makes two names the same: NFKC, case-folded, ``ё`` read as ``е``, spaces and dashes collapsed.

    >>> name_key("  Сузакский ") == name_key("сузакский")
    True
    """
    value = unicodedata.normalize("NFKC", str(text)).casefold().replace("ё", "е")
    return " ".join(re.sub(r"[\s\u2010-\u2015-]+", " ", value).split())


def _code_digits(text: str) -> str | None:
    """The digits of a KATO-like code without trailing zeros (``KZ611000`` and ``611000000`` -> ``611``); None
    when ``text`` is not such a code."""
    digits = re.sub(r"^kz", "", name_key(text).replace(" ", ""))
    if not digits.isdigit() or len(digits) > KATO_DIGITS:
        return None
    return digits.rstrip("0") or "0"


def district_choices(districts: pd.DataFrame) -> list[str]:
    """Every district as ``id: name_ru / name_kk / name_en`` (the names it has, each once)."""
    lines = []
    for _, row in districts.iterrows():
        names = [str(row[c]) for c in NAME_COLUMNS if c in districts.columns and isinstance(row[c], str) and row[c]]
        lines.append(f"{row['district_id']}: {' / '.join(dict.fromkeys(names))}" if names else str(row["district_id"]))
    return lines


def find_district(districts: pd.DataFrame, text: str) -> str:
    """The ``district_id`` that ``text`` names: the id itself, its KATO code (with or without ``KZ``, with or
    without trailing zeros), or one of its names in any language of the region.

    Parameters
    ----------
    districts : DataFrame
        With ``district_id`` and some of :data:`NAME_COLUMNS`.
    text : str

    Raises
    ------
    NotFoundError
        When nothing (or more than one district) matches; ``choices`` lists the districts.
    """
    key = name_key(text)
    ids = [str(i) for i in districts["district_id"]]
    exact = [i for i in ids if name_key(i) == key]
    if exact:
        return exact[0]
    code = _code_digits(text)
    if code is not None:
        by_code = [i for i in ids if _code_digits(i) == code]
        if len(by_code) == 1:
            return by_code[0]
    by_name = {
        i
        for i, (_, row) in zip(ids, districts.iterrows())
        for c in NAME_COLUMNS
        if c in districts.columns and isinstance(row[c], str) and name_key(row[c]) == key
    }
    if len(by_name) == 1:
        return by_name.pop()
    by_stem = _districts_by_stem(districts, ids, key)
    if len(by_stem) == 1:
        return by_stem.pop()
    raise NotFoundError("district", str(text), district_choices(districts))


DISTRICT_WORDS = ("район", "р-н", "р н", "ауданы", "аудан", "district")
"""Words that say "district" and are left out when a name is looked up ("Байдибекский район")."""
MIN_STEM_CHARS = 4


def _district_stem(text: str) -> str:
    words = [w for w in name_key(text).replace(".", " ").split() if w not in DISTRICT_WORDS]
    return " ".join(words)


def _districts_by_stem(districts: pd.DataFrame, ids: list[str], key: str) -> set[str]:
    """Districts one of whose names and ``key`` (district words left out) start the other, the shorter of at
    least :data:`MIN_STEM_CHARS` letters: "Байдибекский район" finds "Байдибек", "Сузак" finds "Сузакский"."""
    given = _district_stem(key)
    found = set()
    for district_id, (_, row) in zip(ids, districts.iterrows()):
        for column in NAME_COLUMNS:
            name = row[column] if column in districts.columns else None
            stem = _district_stem(name) if isinstance(name, str) else ""
            short, long = sorted((stem, given), key=len)
            if len(short) >= MIN_STEM_CHARS and long.startswith(short):
                found.add(district_id)
    return found


def scenario_choices(scenarios: Iterable[Scenario]) -> list[str]:
    """Every scenario as ``id: name``."""
    return [f"{s.scenario_id}: {s.name}" for s in scenarios]


def find_scenario(scenarios: Iterable[Scenario], text: str) -> Scenario:
    """The scenario of ``scenarios`` (:class:`planning.scenarios.Scenario`) that ``text`` names: its id, or its name
    as the scenarios page compares names (:func:`planning.scenarios.scenario_name_key`: case and spaces do not
    count).

    Raises
    ------
    NotFoundError
        When none matches; ``choices`` lists the scenarios (``id: name``).
    """
    from planning.scenarios import scenario_name_key

    scenarios = list(scenarios)
    given = str(text).strip()
    if given.isdigit():
        for scenario in scenarios:
            if scenario.scenario_id == int(given):
                return scenario
    key = scenario_name_key(given)
    for scenario in scenarios:
        if scenario_name_key(scenario.name) == key:
            return scenario
    raise NotFoundError("scenario", given, scenario_choices(scenarios))
