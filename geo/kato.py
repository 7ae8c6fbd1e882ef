"""The KATO classifier (Kazakhstan's classifier of administrative-territorial objects): levels, district centres,
and matching settlement names to its codes.

A KATO code has nine digits ``AB CD EF HIJ``: ``AB`` the region (61 Turkistan region, 79 Shymkent), ``CD`` the
district or city administration, ``EF`` a town or rural okrug (``с.о.``, ``с.а.``, ``п.а.``) within it, ``HIJ`` a
settlement of the okrug (``100``, ``200``, …) or a locality of a settlement (``103``, ``205``: farms, stations).

Administrative centre of a district
-----------------------------------
The classifier names no centre, but it numbers a district's units so that the centre's unit comes first: among
the children of the district-level entry (``ABCD00000``), the one with the lowest code is

* ``EF = 10``, the city of regional significance that heads a city administration ("Туркестан Г.А." →
  "г.Туркестан"), or
* ``EF = 20``, the town of district significance that is the district's centre ("Жетисайский район" →
  "г.Жетысай"), or
* ``EF = 30``, the rural okrug (or settlement administration) of the centre, whose first settlement (``HIJ = 100``)
  is the centre ("район Байдибека" → "Шаянский с.о." → "с.Шаян").

:func:`district_centres` applies that rule and refuses a classifier where the first child is anything else, rather
than guess. A region-level entry that is itself a city ("г.Шымкент", ``790000000``) is its own centre: its city
districts hold no settlements in the classifier and get no centre of their own.

Matching names
--------------
OpenStreetMap and KATO spell names differently: Kazakh letters against Russian transliteration ("Қарашық" /
"Карашык"), ``ё``/``е``, prefixes (``с.``, ``п.``, ``г.``, ``с.им.``), hyphens, spaces and case ("Жибек жолы" /
"Жибек Жолы"), Soviet forms ("Чага" / "Шаға") and genitive endings ("Султанбека Кожанова" / "Сұлтанбек Қожанов
ауылы"). :func:`match_settlements` compares every name of a place (name, name:ru, name:kk) with the classifier's
names of the same district in three tiers of normalisation (:func:`name_key`, :func:`variant_key`,
:func:`skeleton_key`); the first tier with any candidate decides, and only a single candidate is a match. A place
no settlement name matches, but whose name is that of a rural okrug of its district ("Ақсукент" and "Аксукентский
с.о."), is the okrug's first settlement (…100, "с.Аксу"): okrugs are named after their centre. Two candidates, or
one KATO entry claimed by two places, are reported as ambiguous and not guessed.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from geo.errors import QorgauError

KATO_COLUMNS = ("id", "parent_id", "code", "name")
"""Columns of the classifier table (as exported: internal id, parent's internal id, 9-digit code, Russian name)."""
MATCH_TIERS = ("exact", "variant", "skeleton", "okrug")
"""Normalisation tiers of :func:`match_settlements`, strictest first."""


class ClassifierError(QorgauError, ValueError):
    """A KATO table that cannot be read, or whose numbering does not identify a district's centre."""


# --- reading -------------------------------------------------------------------------------------------------------


def read_classifier(path: str | Path) -> pd.DataFrame:
    """Read a KATO table into one row per entry, in code order.

    Parameters
    ----------
    path : str or Path
        CSV with the columns of :data:`KATO_COLUMNS` (UTF-8).

    Returns
    -------
    DataFrame
        ``code`` (str, 9 digits), ``name`` (str), ``parent_code`` (str, "" for a region), ``level`` (one of
        "region", "district", "unit", "settlement", "locality"), ``district_code`` (the code of the district-level
        entry above it, "" for a region) and ``kind`` ("city" for names with the ``г.`` prefix, "okrug" for
        ``с.о.``/``с.а.``/``п.а.``, "district" for districts and city administrations, else "settlement").

    Raises
    ------
    ClassifierError
        Naming the file, the line and what was expected.
    """
    path = Path(path)
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except (OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise ClassifierError(
            f"{path.name}: cannot be read as a UTF-8 CSV ({type(exc).__name__}); "
            f"export the classifier again as CSV with columns {', '.join(KATO_COLUMNS)}."
        ) from exc
    missing = [c for c in KATO_COLUMNS if c not in table.columns]
    if missing:
        raise ClassifierError(
            f"{path.name}: needs columns {', '.join(KATO_COLUMNS)}; missing {', '.join(missing)} "
            f"(got {', '.join(table.columns)})."
        )
    codes = table["code"].str.strip()
    bad = ~codes.str.fullmatch(r"\d{9}")
    if bad.any():
        line = int(np.flatnonzero(bad.to_numpy())[0]) + 2
        raise ClassifierError(
            f"{path.name}: line {line}: column 'code': expected 9 digits; got {codes[bad].iloc[0]!r}."
        )
    by_id = dict(zip(table["id"].str.strip(), codes))
    parents = [by_id.get(p.strip(), "") for p in table["parent_id"]]
    names = table["name"].str.strip()
    out = pd.DataFrame({"code": codes, "name": names, "parent_code": parents})
    out["level"] = [_level(c) for c in codes]
    out["district_code"] = [c[:4] + "00000" if level != "region" else "" for c, level in zip(codes, out["level"])]
    out["kind"] = [_kind(n, level) for n, level in zip(names, out["level"])]
    return out.sort_values("code", kind="stable").reset_index(drop=True)


def _level(code: str) -> str:
    if code[2:] == "0000000":
        return "region"
    if code[4:] == "00000":
        return "district"
    if code[6:] == "000":
        return "unit"
    return "settlement" if code[7:] == "00" else "locality"


_OKRUG_RE = re.compile(r"(^|\s)(с\.\s?о\.|с\.\s?а\.|п\.\s?а\.)|\s(с\.о|с\.а|п\.а)\.?$", re.IGNORECASE)


def _kind(name: str, level: str) -> str:
    if re.match(r"^г\.", name):
        return "city"
    if level == "district":
        return "district"
    if _OKRUG_RE.search(name):
        return "okrug"
    return "settlement"


# --- district centres ----------------------------------------------------------------------------------------------


def district_centres(classifier: pd.DataFrame) -> pd.DataFrame:
    """The administrative centre of every district-level entry, by the numbering rule of the module docstring.

    Parameters
    ----------
    classifier : DataFrame
        As returned by :func:`read_classifier`.

    Returns
    -------
    DataFrame
        One row per district (and per region that is a city), in code order: ``district_code``,
        ``district_name``, ``centre_code``, ``centre_name``, ``rule`` ("city administration", "district town",
        "first okrug" or "city of republican significance").

    Raises
    ------
    ClassifierError
        When a district's first unit is not of the kinds the rule expects (it names the district and its first
        child).
    """
    rows = []
    children = classifier.groupby("parent_code", sort=False)
    by_parent = {parent: frame.sort_values("code") for parent, frame in children}
    for region in classifier[(classifier["level"] == "region") & (classifier["kind"] == "city")].itertuples():
        rows.append((region.code, region.name, region.code, region.name, "city of republican significance"))
    for district in classifier[classifier["level"] == "district"].itertuples():
        if classifier.loc[classifier["code"] == district.parent_code, "kind"].eq("city").any():
            continue  # a city district of a city region: the city is the centre
        first = by_parent.get(district.code)
        if first is None or first.empty:
            raise ClassifierError(
                f"KATO: district {district.code} «{district.name}» has no units; cannot tell its "
                "centre. Use a complete edition of the classifier."
            )
        head = first.iloc[0]
        unit = head["code"][4:6]
        if unit == "10" and head["kind"] == "city":
            rows.append((district.code, district.name, head["code"], head["name"], "city administration"))
        elif unit == "20" and head["kind"] == "city":
            rows.append((district.code, district.name, head["code"], head["name"], "district town"))
        elif unit == "30":
            if head["level"] == "settlement":
                centre = head
            else:
                inner = by_parent.get(head["code"])
                inner = inner[inner["level"] == "settlement"] if inner is not None else None
                if inner is None or inner.empty or inner.iloc[0]["code"][6:] != "100":
                    raise ClassifierError(
                        f"KATO: okrug {head['code']} «{head['name']}» of district {district.code} "
                        f"«{district.name}» has no first settlement (code …100); cannot tell the "
                        "district's centre."
                    )
                centre = inner.iloc[0]
            rows.append((district.code, district.name, centre["code"], centre["name"], "first okrug"))
        else:
            raise ClassifierError(
                f"KATO: the first unit of district {district.code} «{district.name}» is "
                f"{head['code']} «{head['name']}»; expected a city (…10…), a district town (…20…) or "
                "the centre's okrug (…30…). Check the edition of the classifier."
            )
    frame = pd.DataFrame(rows, columns=["district_code", "district_name", "centre_code", "centre_name", "rule"])
    return frame.sort_values("district_code").reset_index(drop=True)


# --- names ---------------------------------------------------------------------------------------------------------

_KAZAKH_TO_RUSSIAN = str.maketrans("әғқңөұүһіё", "агкноуухие")
_LATIN_LOOKALIKES = str.maketrans("aeopcxkyimthbi", "аеорсхкуимтнви")
_PREFIX_RE = re.compile(
    r"^(?:(?:с\s*\.\s*о|с\s*\.\s*а|п\s*\.\s*а|пгт|рп|с|п|г|а|д|к|рзд|ст|пос|им)\s*\.\s*"
    r"|(?:имени|село|аул|ауыл|ауылы|поселок|станция|кент|деревня|город|кала)\s+)+"
)
_SUFFIX_RE = re.compile(r"\s+(?:ауылы|ауыл|аулы|селосы|кенті|кенти|ауылдық округі|сельский округ|с\s*\.\s*о\s*\.?)$")
_OKRUG_WORDS_RE = re.compile(r"\s*(?:с\s*\.\s*о|с\s*\.\s*а|п\s*\.\s*а)\s*\.?\s*")
_NOT_LETTER_RE = re.compile(r"[\W_]")
"""What a key drops: all but letters (of any script: an Arabic-script name:kk keeps its key) and digits."""


def name_key(text: str | None) -> str:
    """The strict comparison key of a place name: lower case, Kazakh letters as their Russian counterparts
    (``қ`` → ``к``, ``ө`` → ``о``, ``і`` → ``и``, …), ``ё`` as ``е``, Latin look-alike letters inside Cyrillic words
    as Cyrillic, settlement prefixes and suffixes (``с.``, ``п.``, ``пгт.``, ``г.``, ``с.им.``, "село", "аул",
    "ауылы") removed, and every space, hyphen, dot, quote, ``ь`` and ``ъ`` dropped (letters of other scripts are
    kept). "" for a missing name. Population tables are matched on the same key (:mod:`planning.intake.population`).

    >>> name_key("с.Жибек жолы") == name_key("Жибек Жолы") == name_key("Жібек-Жолы")
    True
    """
    if not isinstance(text, str) or not text.strip():
        return ""
    value = unicodedata.normalize("NFC", text).strip().lower()
    if re.search("[а-яёәғқңөұүһі]", value):
        value = value.translate(_LATIN_LOOKALIKES)
    value = value.translate(_KAZAKH_TO_RUSSIAN)
    value = re.sub(r"[–—‐-]", "-", value)
    value = _PREFIX_RE.sub("", value)
    value = _SUFFIX_RE.sub("", value)
    value = value.replace("ь", "").replace("ъ", "")
    value = re.sub(r"разъезд|разезд|рзд\.?", " ", value)  # "с.40-разъезд", "разъезд 40", "рзд.40": one key
    numbers = sorted(re.findall(r"\d+", value))
    return _NOT_LETTER_RE.sub("", re.sub(r"\d+", "", value)) + "".join(numbers)


def variant_key(text: str | None) -> str:
    """A looser key than :func:`name_key` for spelling variants between Kazakh and Russian forms: ``ы``/``й`` as
    ``и``, ``у`` as ``о``, ``я`` as ``а``, ``э`` as ``е``, ``ч`` as ``ш``, ``х`` as ``к``, doubled letters once, and
    the final vowel of each word dropped (genitive endings: "Султанбека Кожанова" / "Сұлтанбек Қожанов")."""
    if not isinstance(text, str) or not text.strip():
        return ""
    plain = _SUFFIX_RE.sub("", _PREFIX_RE.sub("", text.strip().lower()))
    words = [name_key(w) for w in re.split(r"[\s\-–—]+", plain)]
    out = []
    for word in words:
        word = word.translate(str.maketrans("ыйуяэчх", "ииоаешк"))
        word = re.sub(r"(.)\1+", r"\1", word)
        word = re.sub(r"(?<=[^аеиоу])[аеиоу]$", "", word) if len(word) > 3 else word
        out.append(word)
    return "".join(out)


def skeleton_key(text: str | None) -> str:
    """The loosest key: :func:`variant_key` without any vowel ("Чернак" and "Шорнақ" both give "шрнк"). Used only
    when the stricter keys find nothing, and only a single candidate within the district counts."""
    key = variant_key(text)
    return re.sub(r"[аеиоу]", "", key) if len(key) >= 4 else ""


_KEYS = {"exact": name_key, "variant": variant_key, "skeleton": skeleton_key}


# --- matching ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Match:
    """The outcome for one place: ``status`` "matched", "ambiguous" or "unmatched"; ``kato`` the code when matched
    ("" otherwise); ``tier`` the normalisation tier that decided (see :data:`MATCH_TIERS`, "" when none);
    ``candidates`` the codes that tied (ambiguous) or the reason for no match."""

    status: str
    kato: str = ""
    tier: str = ""
    detail: str = ""


def match_settlements(
    names: list[list[str | None]],
    groups: list[str | None],
    classifier: pd.DataFrame,
    *,
    group_codes: dict[str, tuple[str, ...]],
) -> list[Match]:
    """Give each place the KATO code of the settlement its names stand for, among the classifier's places of its
    district.

    Parameters
    ----------
    names : list of list of str
        Per place, all its names (e.g. OSM name, name:ru, name:kk); missing ones as None.
    groups : list of str
        Per place, the district it lies in (a key of ``group_codes``; None when outside every district).
    classifier : DataFrame
        As returned by :func:`read_classifier`.
    group_codes : dict
        District key -> the KATO code prefixes whose places are candidates there (a district's own 4-digit
        prefix, plus those of districts the outlines lack but that lie inside it, e.g. Sauran inside Kentau).

    Returns
    -------
    list of Match
        One per place, in order. Settlements are tried before localities, tier by tier (strictest first); the
        first (tier, level) with any candidate decides. A KATO code claimed by several places is taken from all of
        them ("ambiguous").
    """
    places = classifier[
        classifier["kind"].isin(["city", "settlement"])
        & classifier["level"].isin(["region", "unit", "settlement", "locality"])
    ]
    keyed = {tier: places["name"].map(fn).to_numpy() for tier, fn in _KEYS.items()}
    codes = places["code"].to_numpy()
    is_locality = (places["level"] == "locality").to_numpy()
    first_settlement = (
        classifier[classifier["level"] == "settlement"]
        .sort_values("code")
        .drop_duplicates("parent_code")
        .set_index("parent_code")["code"]
    )
    okrug_rows = classifier[(classifier["kind"] == "okrug") & classifier["code"].isin(first_settlement.index)]
    okrug_centres = [(okrug_key(n), first_settlement[c]) for n, c in zip(okrug_rows["name"], okrug_rows["code"])]
    results: list[Match] = []
    for own_names, group in zip(names, groups):
        present = [n for n in own_names if isinstance(n, str) and n.strip()]
        if not present:
            results.append(Match("unmatched", detail="no name"))
            continue
        prefixes = group_codes.get(group or "", ())
        if not prefixes:
            results.append(Match("unmatched", detail="outside every district with classifier entries"))
            continue
        in_group = np.array([c.startswith(prefixes) for c in codes])
        okrugs = [(key, centre, centre.startswith(prefixes)) for key, centre in okrug_centres]
        results.append(_match_one(present, in_group, keyed, codes, is_locality, okrugs))
    claimed: dict[str, list[int]] = {}
    for position, match in enumerate(results):
        if match.status == "matched":
            claimed.setdefault(match.kato, []).append(position)
    for code, positions in claimed.items():
        if len(positions) > 1:
            for position in positions:
                results[position] = Match(
                    "ambiguous", tier=results[position].tier, detail=f"{code} claimed by {len(positions)} places"
                )
    return results


def okrug_key(name: str) -> str:
    """The :func:`variant_key` of a rural okrug's name without "с.о." and the adjective ending ("Аксукентский с.о."
    -> the key of "Аксукент"; "с.о.Шорнак" -> the key of "Шорнак")."""
    stem = _OKRUG_WORDS_RE.sub(" ", name.lower()).strip()
    stem = re.sub(r"(?:ин|ын|ен)?ск(?:ий|ая|ое)$", "", stem).strip()
    return variant_key(stem)


def _match_one(
    present: list[str],
    in_group: np.ndarray,
    keyed: dict[str, np.ndarray],
    codes: np.ndarray,
    is_locality: np.ndarray,
    okrugs: list[tuple[str, str, bool]],
) -> Match:
    """The match of one place's names (``present``) among the classifier's places (``keyed``: their keys per tier;
    ``codes``; ``in_group`` and ``is_locality``, masks over them) or, failing those, the okrugs of its district
    (``okrugs``: key, code of the okrug's first settlement, whether that lies in the district)."""
    for tier, fn in _KEYS.items():
        wanted = {fn(n) for n in present} - {""}
        for localities in (False, True):
            hit = in_group & (is_locality == localities) & np.isin(keyed[tier], list(wanted))
            found = sorted(set(codes[hit]))
            if len(found) == 1:
                return Match("matched", kato=found[0], tier=tier)
            if len(found) > 1:
                return Match("ambiguous", tier=tier, detail=" ".join(found))
    wanted = {variant_key(n) for n in present} - {""}
    found = sorted({centre for key, centre, prefix_ok in okrugs if prefix_ok and key in wanted})
    if len(found) == 1:
        return Match("matched", kato=found[0], tier="okrug")
    if len(found) > 1:
        return Match("ambiguous", tier="okrug", detail=" ".join(found))
    return Match("unmatched", detail="no classifier name of the district matches")
