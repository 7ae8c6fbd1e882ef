"""The one canonical schema every loader produces. All frames are GeoDataFrames in EPSG:4326.

``boundary``     boundary_id (str), name_ru, name_kk, name_en (str or None), geometry (Polygon/MultiPolygon)
``districts``    district_id (str), name_ru, name_kk, name_en, population (float, NaN = unknown),
                 label_ru, label_kk, label_en (the names shown, geo.names), geometry
``settlements``  settlement_id (str), name (str, best available), name_ru, name_kk, name_en,
                 kind (one of settings.SETTLEMENT_KINDS or "unknown"), population (float, NaN = unknown),
                 district_id (str or None), geometry (Point); optionally kato (str or None, the KATO code,
                 when the file has a ``kato`` column); then label_ru, label_kk, label_en (the name shown per
                 language, None when the place has none) and near_ru, near_kk, near_en (for such a place, the
                 nearest named one's), see geo.names
``services``     service_id (str), name (str), kind ("permanent" | "mobile"), capacity (float, NaN),
                 reach_minutes (float, NaN = the analysis threshold; a mobile team's own reach),
                 district_id (str or None), geometry (Point)
``incidents``    a plain DataFrame of counts only, never points:
                 settlement_id (str or None), district_id (str or None), period (str, "2023" or "2023-H1"),
                 count (int), synthetic (bool)
"""

from __future__ import annotations

BOUNDARY_COLUMNS = ["boundary_id", "name_ru", "name_kk", "name_en", "geometry"]
DISTRICT_COLUMNS = ["district_id", "name_ru", "name_kk", "name_en", "population", "geometry"]
SETTLEMENT_COLUMNS = [
    "settlement_id",
    "name",
    "name_ru",
    "name_kk",
    "name_en",
    "kind",
    "population",
    "district_id",
    "geometry",
]
SERVICE_COLUMNS = ["service_id", "name", "kind", "capacity", "reach_minutes", "district_id", "geometry"]
INCIDENT_COLUMNS = ["settlement_id", "district_id", "period", "count", "synthetic"]

SERVICE_KINDS = ("permanent", "mobile")
SERVICES_CSV_COLUMNS = ["id", "name", "kind", "lat", "lon", "capacity", "reach_minutes"]
"""Columns of ``services.csv`` and of scenario files (capacity and reach_minutes optional)."""


# --- column names as real files spell them -------------------------------------------------------------------------
# The one list of header aliases every loader reads (geo/region.py, geo/tabular.py, geo/incidents.py,
# planning.intake, scenario import and candidate upload through geo.region.read_services). Headers are compared
# after :func:`geo.tabular.normalise_header` (case-folded, spaces collapsed, "ё" read as "е"), so "Широта " and
# "широта" are one alias. For each field the aliases come in tiers: the first tier with a column in the file wins;
# two columns of the same tier are ambiguous and refused, naming both (a file with "lat" and "широта" could mean
# either). Later tiers are fallbacks that real files often carry beside a better column (OSM ids, KATO codes).

_LAT = (("lat", "latitude", "широта", "ендік", "ендiк"), ("y",))
_LON = (("lon", "lng", "long", "longitude", "долгота", "бойлық", "бойлык"), ("x",))
_NAME = (("name", "название", "наименование", "имя", "атауы", "атау"),)
_NAME_RU = (
    (
        "name_ru",
        "name:ru",
        "name ru",
        "название_ru",
        "название (рус)",
        "название на русском",
        "наименование на русском",
        "атауы (орыс)",
    ),
)
_NAME_KK = (
    (
        "name_kk",
        "name:kk",
        "name kk",
        "name_kz",
        "name:kz",
        "название_kk",
        "название (каз)",
        "название на казахском",
        "наименование на казахском",
        "атауы (қаз)",
        "қазақша атауы",
    ),
)
_NAME_EN = (("name_en", "name:en", "name en", "название_en", "название (англ)", "атауы (ағыл)"),)
_POPULATION = (
    ("population", "pop", "население", "численность", "численность населения", "халқы", "халық саны", "тұрғындар саны"),
)
_DISTRICT = (("district_id", "district_code", "district", "район", "аудан", "код района", "аудан коды", "район_id"),)
_CODES = (("osm_id",), ("kato", "като", "код като", "kato_code", "като коды"), ("code", "код", "коды"))
_OWN_ID = ("id", "идентификатор", "ид", "№")

COLUMN_ALIASES: dict[str, dict[str, tuple[tuple[str, ...], ...]]] = {
    "settlements": {
        "settlement_id": (("settlement_id", *_OWN_ID, "код нп", "елді мекен коды"), *_CODES),
        "name": _NAME,
        "name_ru": _NAME_RU,
        "name_kk": _NAME_KK,
        "name_en": _NAME_EN,
        "kind": (("kind", "тип", "вид", "түрі", "түр", "санаты"), ("place",), ("type",)),
        "population": _POPULATION,
        "district_id": _DISTRICT,
        "lat": _LAT,
        "lon": _LON,
    },
    "services": {
        "service_id": (("service_id", "site_id", *_OWN_ID), ("code", "код", "коды")),
        "name": _NAME,
        "kind": (("kind", "type", "тип", "вид", "түрі", "түр"),),
        "capacity": (("capacity", "вместимость", "мощность", "сыйымдылық", "сыйымдылығы"),),
        "reach_minutes": (
            ("reach_minutes", "reach", "охват_минут", "охват, мин", "охват (мин)", "қамту_минут", "қамту, мин"),
        ),
        "lat": _LAT,
        "lon": _LON,
    },
    "districts": {
        "district_id": (("district_id", "district_code", "код района", "аудан коды"), _OWN_ID, *_CODES),
        "name_ru": _NAME_RU,
        "name_kk": _NAME_KK,
        "name_en": _NAME_EN,
        "population": _POPULATION,
    },
    "boundary": {
        "boundary_id": (("boundary_id", "region_code", "код области", "облыс коды"),),
        "name_ru": _NAME_RU,
        "name_kk": _NAME_KK,
        "name_en": _NAME_EN,
    },
    "incidents": {
        "record_id": (("record_id", "case_id", *_OWN_ID, "номер", "нөмірі"),),
        "settlement_id": (("settlement_id", "settlement", "населенный пункт", "нп", "село", "елді мекен", "ауыл"),),
        "district_id": (("district_id", "district", "район", "аудан"),),
        "date": (("date", "дата", "күні", "күн", "дата события", "оқиға күні"),),
        "period": (("period", "период", "кезең"),),
        "count": (("count", "количество", "кол-во", "число", "саны", "сан"),),
        "synthetic": (("synthetic", "синтетические", "демо", "жасанды"),),
        "lat": _LAT,
        "lon": _LON,
    },
    "classifier": {
        "code": (("code", "код", "kato", "като", "коды"),),
        "name": _NAME,
    },
    "populations": {  # the akimat's statistics table (planning/intake/population.py)
        "kato": (("kato", "като", "код като", "kato_code", "като коды", "код като нп"), ("code", "код", "коды")),
        "name": (
            (
                "name",
                "название",
                "наименование",
                "наименование нп",
                "наименование населенного пункта",
                "населенный пункт",
                "нп",
                "село",
                "елді мекен",
                "елді мекен атауы",
                "ауыл",
                "атауы",
                "атау",
                "settlement",
            ),
        ),
        "district": (("district", "district_id", "район", "аудан", "наименование района", "код района"),),
        "population": (
            (
                *_POPULATION[0],
                "численность населения, чел",
                "численность населения, чел.",
                "население, чел",
                "население, чел.",
                "количество населения",
                "кол-во населения",
                "халық саны, адам",
                "people",
            ),
        ),
    },
}
"""Per table kind, per canonical field, the header aliases in tiers (see the comment above)."""
