"""Reading a region folder (see DESIGN.md) into validated GeoDataFrames with one canonical schema.

Every file is checked completely and every problem is collected; :func:`load_region` raises one
:class:`~geo.errors.RegionError` listing all errors, and returns the warnings with the region otherwise.
Nothing is silently dropped or "fixed": what is filled in (a district from the outlines, an unknown population)
is said in a warning.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError

from geo.errors import Problem, RegionError, ValidationError
from geo.incidents import read_incidents
from geo.locations import assign_districts, check_locations
from geo.names import district_labels, settlement_labels
from geo.schema import (
    BOUNDARY_COLUMNS,
    COLUMN_ALIASES,
    DISTRICT_COLUMNS,
    INCIDENT_COLUMNS,
    SERVICE_COLUMNS,
    SERVICE_KINDS,
    SETTLEMENT_COLUMNS,
)
from geo.settings import DEFAULT_ANALYSIS_CRS, OUTSIDE_TOLERANCE_M, PLACE_KIND_ALIASES, ROAD_FILE_NAMES, STORAGE_CRS
from geo.speeds import DEFAULT_PROFILE, SpeedProfile, folder_speed_profile
from geo.tabular import (
    MAX_REGION_LAYER_BYTES,
    MAX_REGION_META_BYTES,
    canonical_columns,
    file_size,
    missing_columns,
    parse_numbers,
    read_table,
    rows_problem,
    too_large,
    with_source_columns,
)

MAX_POLYGON_VERTICES = 2_000_000
"""Vertices all outlines of one file may have together."""

NAME_FIELDS = ("name_ru", "name_kk", "name_en")
"""The name of a district or settlement in each language, as columns of the loaded tables (None where absent)."""
META_TYPES = {
    "id": (str, "string"),
    "name": (dict, "object"),
    "former_name": (dict, "object"),
    "sources": (list, "array"),
    "analysis_crs": (str, "string"),
    "built": (str, "string"),
    "built_by": (str, "string"),
    "notes": (str, "string"),
    "baseline": (dict, "object"),
    "bundled": (bool, "boolean"),
}
"""The JSON type each known field of region.json must have, when present."""
SOURCE_TYPES = {
    "files": (list, "array"),
    "name": (str, "string"),
    "licence": (str, "string"),
    "attribution": (str, "string"),
    "name_ru": (str, "string"),
    "name_kk": (str, "string"),
    "name_en": (str, "string"),
    "licence_ru": (str, "string"),
    "licence_kk": (str, "string"),
    "licence_en": (str, "string"),
}
"""The JSON type of each field of one entry of region.json's ``sources`` (``name_<lang>``, ``licence_<lang>``:
the same in another language, shown to a reader of that language)."""


@dataclass
class Region:
    """A loaded region folder. Frames follow :mod:`geo.schema`; ``warnings`` lists what the user should know."""

    path: Path
    meta: dict
    boundary: gpd.GeoDataFrame
    districts: gpd.GeoDataFrame
    settlements: gpd.GeoDataFrame
    services: gpd.GeoDataFrame
    incidents: pd.DataFrame
    analysis_crs: str
    roads_path: Path | None = None
    warnings: list[Problem] = field(default_factory=list)
    speed_profile: SpeedProfile = DEFAULT_PROFILE
    """The class speeds of the folder (its ``speeds.csv``, else the built-in ones), without adjustments."""

    @property
    def region_id(self) -> str:
        return str(self.meta.get("id") or self.path.name)

    def name(self, lang: str = "ru") -> str:
        names = self.meta.get("name") or {}
        return names.get(lang) or names.get("ru") or names.get("en") or self.region_id

    @property
    def incidents_synthetic(self) -> bool:
        return bool(len(self.incidents)) and bool(self.incidents["synthetic"].all())

    def missing(self) -> list[str]:
        """What this region lacks, as keys: 'districts', 'settlements', 'population', 'services', 'roads',
        'incidents'."""
        gaps = []
        if self.districts.empty:
            gaps.append("districts")
        if self.settlements.empty:
            gaps.append("settlements")
        elif self.settlements["population"].isna().any():
            gaps.append("population")
        if self.services.empty:
            gaps.append("services")
        if self.roads_path is None:
            gaps.append("roads")
        if self.incidents.empty:
            gaps.append("incidents")
        return gaps


def load_region(path: str | Path) -> Region:
    """Load and validate a region folder.

    Parameters
    ----------
    path : str or Path
        The folder holding ``region.json``, ``boundary.geojson`` and the optional files of DESIGN.md.

    Raises
    ------
    RegionError
        With every error of every file when the folder cannot be used.
    """
    folder = Path(path)
    if not folder.is_dir():
        raise RegionError(
            [Problem(str(path), "is not a folder.", "give the path of a region folder (DESIGN.md).", key="not_folder")]
        )
    problems: list[Problem] = []
    meta = _read_meta(folder / "region.json", problems)
    analysis_crs = meta.get("analysis_crs", DEFAULT_ANALYSIS_CRS) if meta else DEFAULT_ANALYSIS_CRS

    boundary = _empty(BOUNDARY_COLUMNS)
    if (folder / "boundary.geojson").is_file():
        boundary = _read_polygons(folder / "boundary.geojson", "boundary", problems, analysis_crs=analysis_crs)
    else:
        problems.append(
            Problem(
                "boundary.geojson",
                "is missing; it is required.",
                "add the region outline(s) as GeoJSON in EPSG:4326.",
                key="boundary_missing",
            )
        )
    districts = _empty(DISTRICT_COLUMNS)
    if (folder / "districts.geojson").is_file():
        districts = _read_polygons(folder / "districts.geojson", "district", problems, analysis_crs=analysis_crs)

    outline = _outline(boundary, analysis_crs)
    settlements = _empty(SETTLEMENT_COLUMNS)
    settlement_file = next(
        (folder / n for n in ("settlements.geojson", "settlements.csv") if (folder / n).is_file()), None
    )
    if settlement_file is not None:
        settlements = _read_settlements(
            settlement_file, problems, outline=outline, districts=districts, analysis_crs=analysis_crs
        )
    else:
        problems.append(
            Problem(
                "settlements",
                "no settlements.geojson or settlements.csv: the map has no villages.",
                "add a settlements file, or download place nodes from OpenStreetMap.",
                severity="warning",
                key="settlements_missing",
            )
        )
    services = _empty(SERVICE_COLUMNS)
    if (folder / "services.csv").is_file():
        services = _services_or_problems(
            folder / "services.csv",
            "services.csv",
            problems,
            outline=outline,
            districts=districts,
            analysis_crs=analysis_crs,
        )
    incidents = pd.DataFrame(columns=INCIDENT_COLUMNS)
    if (folder / "incidents.csv").is_file():
        incidents, found = read_incidents(
            folder / "incidents.csv",
            name="incidents.csv",
            settlements=settlements,
            districts=districts,
            analysis_crs=analysis_crs,
            outline=outline,
        )
        problems.extend(found)
    _check_classifier(folder, districts, problems)
    speed_profile = DEFAULT_PROFILE
    try:
        speed_profile = folder_speed_profile(folder)
    except ValidationError as exc:
        problems.extend(exc.problems)

    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise RegionError(errors)
    roads = next((folder / n for n in ROAD_FILE_NAMES if (folder / n).is_file()), None)
    return Region(
        path=folder,
        meta=meta,
        boundary=boundary,
        districts=districts,
        settlements=settlements,
        services=services,
        incidents=incidents,
        analysis_crs=analysis_crs,
        roads_path=roads,
        warnings=[p for p in problems if p.severity == "warning"],
        speed_profile=speed_profile,
    )


@dataclass(frozen=True)
class RegionHeading:
    """What a region folder says of itself in ``region.json`` (its id and names), read without loading the rest:
    enough to list the regions of a deployment and to check a user's access before anything else is read."""

    path: Path
    region_id: str
    names: dict[str, str]

    def name(self, lang: str = "ru") -> str:
        """The region's name in ``lang`` (else Russian, English, its id), as :meth:`Region.name`."""
        return self.names.get(lang) or self.names.get("ru") or self.names.get("en") or self.region_id


def region_heading(path: str | Path) -> RegionHeading:
    """The id and names of the region folder ``path`` from its ``region.json`` alone (the id as
    :attr:`Region.region_id` gives it: ``"id"``, else the folder's name).

    Raises
    ------
    RegionError
        When ``region.json`` is missing, too large or not a JSON object (the problem says how to fix it).
    """
    folder = Path(path)
    problems: list[Problem] = []
    meta = _read_meta(folder / "region.json", problems)
    if problems:
        raise RegionError(problems)
    names = meta.get("name") if isinstance(meta.get("name"), dict) else {}
    return RegionHeading(
        folder,
        str(meta.get("id") or folder.name),
        {str(k): str(v) for k, v in (names or {}).items() if isinstance(v, str)},
    )


def region_folder_under_roots(path: str | Path, *, roots: Iterable[Path]) -> Path:
    """The real path of the region folder ``path``, checked before anything in it is read for a planner.

    Parameters
    ----------
    path : str or Path
        What the planner typed.
    roots : sequence of Path
        The folders region folders may lie under (see :func:`geo.settings.region_roots`).

    Returns
    -------
    Path
        The folder with every symlink resolved; it lies under one of ``roots``, every entry of it resolves under
        one of them too (no symlink out), and it holds a ``region.json`` that is a JSON object.

    Raises
    ------
    RegionError
        ``not_folder``, ``folder_outside_roots``, ``region_file_outside_roots`` or ``not_region_folder``. No
        message quotes a file of the folder: a folder that is not a region may hold anything.
    """
    shown = str(path)
    real = Path(str(path).strip() or ".").expanduser().resolve()
    real_roots = [Path(root).resolve() for root in roots]
    under = lambda p: any(p == root or p.is_relative_to(root) for root in real_roots)  # noqa: E731
    if not under(real):
        listed = ", ".join(str(root) for root in real_roots)
        raise RegionError(
            [
                Problem(
                    shown,
                    f"this folder is outside the allowed region folders ({listed}).",
                    "choose a region folder inside them, or ask the administrator to add the folder "
                    "to QORGAU_REGION_ROOTS.",
                    key="folder_outside_roots",
                    params=(("roots", listed),),
                )
            ]
        )
    if not real.is_dir():
        raise RegionError(
            [Problem(shown, "is not a folder.", "give the path of a region folder (DESIGN.md).", key="not_folder")]
        )
    escaping = sorted(entry.name for entry in real.iterdir() if not under(entry.resolve()))
    if escaping:
        raise RegionError(
            [
                Problem(
                    name,
                    "the file links outside the allowed region folders.",
                    "replace the link with a copy of the file inside the region folder.",
                    key="region_file_outside_roots",
                )
                for name in escaping
            ]
        )
    try:
        if file_size(real / "region.json") > MAX_REGION_META_BYTES:
            raise ValueError("region.json too large")  # refused below as not a region's description
        meta = json.loads((real / "region.json").read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError):
        meta = None
    if not isinstance(meta, dict):
        raise RegionError(
            [
                Problem(
                    shown,
                    "is not a region folder (it has no readable region.json).",
                    "give a folder holding region.json and boundary.geojson (DESIGN.md).",
                    key="not_region_folder",
                )
            ]
        )
    return real


def read_services(
    source: Path | bytes,
    *,
    name: str = "services.csv",
    outline: shapely.Geometry | None = None,
    districts: gpd.GeoDataFrame | None = None,
    analysis_crs: str = DEFAULT_ANALYSIS_CRS,
    notes: list[Problem] | None = None,
) -> gpd.GeoDataFrame:
    """Read a ``services.csv``-shaped table (id, name, kind, lat, lon, capacity, reach_minutes).

    Also reads scenario files and candidate uploads, which have the same columns (headers through the aliases of
    :data:`geo.schema.COLUMN_ALIASES`). ``outline`` (a shapely geometry in ``analysis_crs``, see
    :func:`region_outline`) makes points outside the region an error. ``notes``, when given, receives the
    warnings (which column was read as what), for the caller to show.

    Raises
    ------
    ValidationError
        With every problem found.
    """
    problems: list[Problem] = []
    services = _services_or_problems(
        source, name, problems, outline=outline, districts=districts, analysis_crs=analysis_crs
    )
    if any(p.severity == "error" for p in problems):
        raise ValidationError(problems)
    if notes is not None:
        notes.extend(problems)
    return services


def region_outline(region: Region) -> shapely.Geometry | None:
    """The region's outline in its analysis CRS, buffered by the tolerance; for checking uploaded points."""
    return _outline(region.boundary, region.analysis_crs)


def outline_degrees(region: Region) -> shapely.Geometry | None:
    """The region outline as one geometry in EPSG:4326 (None when it has none): what road files and isochrones
    are clipped to."""
    return region.boundary.to_crs(STORAGE_CRS).union_all() if not region.boundary.empty else None


# --- files --------------------------------------------------------------------------------------------------------


def _empty(columns: list[str]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({c: [] for c in columns if c != "geometry"}, geometry=[], crs=STORAGE_CRS)


def _read_meta(path: Path, problems: list[Problem]) -> dict:
    if not path.is_file():
        problems.append(
            Problem(
                "region.json",
                "is missing; it is required.",
                "add region.json with names (ru/kk/en), sources and licences (DESIGN.md).",
                key="meta_missing",
            )
        )
        return {}
    oversize = too_large(
        "region.json",
        file_size(path),
        MAX_REGION_META_BYTES,
        key="region_meta_too_large",
        fix="keep names, sources and licences only in region.json (DESIGN.md).",
    )
    if oversize is not None:
        problems.append(oversize)
        return {}
    try:
        meta = json.loads(path.read_text(encoding="utf-8-sig"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        problems.append(
            Problem(
                "region.json",
                f"is not valid JSON ({exc}).",
                "check commas and quotes.",
                key="meta_bad_json",
                params=(("error", str(exc)),),
            )
        )
        return {}
    if not isinstance(meta, dict):
        problems.append(
            Problem("region.json", "must hold a JSON object.", "see the example in DESIGN.md.", key="meta_not_object")
        )
        return {}
    meta = _typed_meta(meta, problems)
    if not isinstance(meta.get("name"), dict) or not any(meta["name"].values()):
        problems.append(
            Problem(
                "region.json",
                "needs 'name' with at least one of ru/kk/en.",
                'add "name": {"ru": ..., "kk": ..., "en": ...}.',
                column="name",
                key="meta_no_name",
            )
        )
    if not meta.get("sources"):
        problems.append(
            Problem(
                "region.json",
                "lists no sources; the dashboard cannot show where data come from.",
                'add "sources": [{"files": [...], "name": ..., "licence": ...}].',
                column="sources",
                severity="warning",
                key="meta_no_sources",
            )
        )
    crs_text = meta.get("analysis_crs", DEFAULT_ANALYSIS_CRS)
    try:
        if not CRS.from_user_input(crs_text).is_projected:
            problems.append(
                Problem(
                    "region.json",
                    f"analysis_crs {crs_text} is not projected (metres).",
                    "use the UTM zone of the region, e.g. EPSG:32642.",
                    column="analysis_crs",
                    key="crs_not_projected",
                    params=(("crs", str(crs_text)),),
                )
            )
    except CRSError:
        problems.append(
            Problem(
                "region.json",
                f"analysis_crs {crs_text!r} is not a known CRS.",
                "use an EPSG code such as EPSG:32642.",
                column="analysis_crs",
                key="crs_unknown",
                params=(("crs", repr(crs_text)),),
            )
        )
        meta = {**meta, "analysis_crs": DEFAULT_ANALYSIS_CRS}
    return meta


def _json_type(value: object) -> str:
    """The JSON name of a parsed value's type, for messages (never the value: it could be anything)."""
    for kind, label in (
        (bool, "boolean"),
        (str, "string"),
        ((int, float), "number"),
        (list, "array"),
        (dict, "object"),
    ):
        if isinstance(value, kind):
            return label
    return "null"


def _typed_meta(meta: dict, problems: list[Problem]) -> dict:
    """``meta`` with every known field of the wrong JSON type reported as an error and dropped, so that nothing
    downstream (the Home page, the report) trips over a list where names should be."""
    clean = dict(meta)

    def wrong(field: str, expected: str, value: object) -> None:
        problems.append(
            Problem(
                "region.json",
                f"'{field}' must be a JSON {expected}; got {_json_type(value)}.",
                "see the example region.json in DESIGN.md.",
                column=field,
                key="meta_wrong_type",
                params=(("field", field), ("expected", expected), ("got", _json_type(value))),
            )
        )

    for key, (kind, label) in META_TYPES.items():
        if key in clean and not isinstance(clean[key], kind):
            wrong(key, label, clean.pop(key))
    for key in ("name", "former_name"):
        for lang_code, text in (clean.get(key) or {}).items():
            if text is not None and not isinstance(text, str):  # null: that language's name is not known
                wrong(f"{key}.{lang_code}", "string", text)
        if key in clean:
            clean[key] = {k: v for k, v in clean[key].items() if isinstance(v, str)}
    sources = []
    for number, source in enumerate(clean.get("sources") or [], start=1):
        if not isinstance(source, dict):
            wrong(f"sources[{number}]", "object", source)
            continue
        bad = [f for f, (kind, _) in SOURCE_TYPES.items() if f in source and not isinstance(source[f], kind)]
        bad += (
            ["files"]
            if isinstance(source.get("files"), list) and not all(isinstance(f, str) for f in source["files"])
            else []
        )
        for key in bad:
            wrong(
                f"sources[{number}].{key}",
                "array of strings" if key == "files" else SOURCE_TYPES[key][1],
                source[key],
            )
        sources.append({k: v for k, v in source.items() if k not in bad})
    if "sources" in clean:
        clean["sources"] = sources
    return clean


def _read_geojson(source: Path | bytes, problems: list[Problem], *, name: str) -> gpd.GeoDataFrame | None:
    """A GeoJSON file (on disk, or the bytes of an upload named ``name``) in EPSG:4326, columns lower-cased.

    A file over :data:`geo.tabular.MAX_REGION_LAYER_BYTES` is refused before it is parsed (a "too large" problem
    with its size and the limit), which bounds the memory parsing takes.
    """
    oversize = too_large(
        name,
        file_size(source),
        MAX_REGION_LAYER_BYTES,
        key="region_layer_too_large",
        fix="simplify the outlines (e.g. mapshaper -simplify 10%) or keep only the region's features.",
    )
    if oversize is not None:
        problems.append(oversize)
        return None
    try:
        frame = gpd.read_file(source)
    except Exception as exc:  # pyogrio raises DataSourceError and friends
        problems.append(
            Problem(
                name,
                f"cannot be read as GeoJSON ({type(exc).__name__}).",
                "export it again as GeoJSON (EPSG:4326).",
                key="geojson_unreadable",
                params=(("error", type(exc).__name__),),
            )
        )
        return None
    if frame.empty:
        problems.append(
            Problem(name, "file is empty (no features).", "export the features again.", key="geojson_empty")
        )
        return None
    if frame.crs is None:
        problems.append(
            Problem(
                name,
                "has no CRS; read as EPSG:4326 (the GeoJSON standard).",
                "export it in EPSG:4326.",
                severity="warning",
                key="geojson_no_crs",
            )
        )
        frame = frame.set_crs(STORAGE_CRS)
    elif not CRS(frame.crs).equals(CRS(STORAGE_CRS)):
        problems.append(
            Problem(
                name,
                f"is in {frame.crs.to_string()}; converted to EPSG:4326.",
                "store region files in EPSG:4326 (to_crs('EPSG:4326')).",
                severity="warning",
                key="geojson_converted",
                params=(("crs", frame.crs.to_string()),),
            )
        )
        frame = frame.to_crs(STORAGE_CRS)
    frame.columns = [c if c == "geometry" else str(c).strip().lower() for c in frame.columns]
    return frame


def _read_polygons(
    path: Path, what: str, problems: list[Problem], *, analysis_crs: str = DEFAULT_ANALYSIS_CRS
) -> gpd.GeoDataFrame:
    columns = BOUNDARY_COLUMNS if what == "boundary" else DISTRICT_COLUMNS
    frame = _read_geojson(path, problems, name=path.name)
    if frame is None:
        return _empty(columns)
    frame, renamed = canonical_columns(frame, "boundary" if what == "boundary" else "districts", name=path.name)
    problems.extend(renamed)
    if any(p.severity == "error" for p in renamed):
        return _empty(columns)
    found: list[Problem] = []
    features = np.arange(1, len(frame) + 1)
    missing = frame.geometry.isna() | frame.geometry.is_empty
    if missing.any():
        found.append(
            Problem(
                path.name,
                "features without geometry.",
                "give every feature its outline.",
                rows=tuple(features[missing.to_numpy()]),
                unit="feature",
                key="features_no_geometry",
            )
        )
    kinds = frame.geometry.geom_type
    wrong = ~missing & ~kinds.isin(["Polygon", "MultiPolygon"])
    if wrong.any():
        got = sorted(set(kinds[wrong]))
        found.append(
            Problem(
                path.name,
                f"expected Polygon or MultiPolygon outlines; got {', '.join(got)}.",
                f"a {what} must be an area: replace those features with their outlines.",
                rows=tuple(features[wrong.to_numpy()]),
                unit="feature",
                key="polygons_expected_boundary" if what == "boundary" else "polygons_expected_district",
                params=(("got", ", ".join(got)),),
            )
        )
    polygons = ~missing & ~wrong
    if not _degrees_or_problem(frame.geometry[polygons], path.name, what, found, analysis_crs=analysis_crs):
        problems.extend(found)
        return _empty(columns)
    invalid = polygons & ~frame.geometry.is_valid
    if invalid.any():
        reasons = sorted({shapely.is_valid_reason(g).split("[")[0] for g in frame.geometry[invalid]})
        found.append(
            Problem(
                path.name,
                f"invalid outlines ({'; '.join(reasons)}).",
                "repair them (QGIS: Vector ▸ Geometry Tools ▸ Fix Geometries) and save again.",
                rows=tuple(features[invalid.to_numpy()]),
                unit="feature",
                key="outlines_invalid",
                params=(("reasons", "; ".join(reasons)),),
            )
        )
    vertices = int(shapely.get_num_coordinates(frame.geometry[polygons].to_numpy()).sum())
    if vertices > MAX_POLYGON_VERTICES:
        found.append(
            Problem(
                path.name,
                f"outlines have {vertices:,} vertices; at most {MAX_POLYGON_VERTICES:,}.",
                "simplify them (QGIS: Vector ▸ Geometry Tools ▸ Simplify, 10 m).",
                key="outlines_too_many_vertices",
                params=(("vertices", vertices), ("limit", MAX_POLYGON_VERTICES)),
            )
        )
    out = gpd.GeoDataFrame(geometry=frame.geometry.to_numpy(), crs=STORAGE_CRS)
    id_field = f"{what}_id"
    id_column = id_field if id_field in frame.columns else None
    ids = frame[id_column].astype(str).str.strip() if id_column else pd.Series([f"{what}-{i}" for i in features])
    if id_column is None and what == "district":
        expected = aliases_of("districts", "district_id")
        found.append(
            Problem(
                path.name,
                "has no id column; districts are numbered in file order.",
                f"add one of {expected} so scenarios keep their districts.",
                severity="warning",
                key="districts_no_id",
                params=(("columns", expected),),
            )
        )
    duplicated = ids.duplicated(keep=False).to_numpy()
    if duplicated.any():
        found.append(
            Problem(
                path.name,
                f"duplicate ids in column '{id_column}'.",
                "give every feature its own id.",
                column=id_column,
                rows=tuple(features[duplicated]),
                unit="feature",
                key="duplicate_feature_ids",
                params=(("column", str(id_column)),),
            )
        )
    out.insert(0, f"{what}_id", ids.to_numpy())
    for target in NAME_FIELDS:
        out.insert(len(out.columns) - 1, target, _text(frame[target]) if target in frame.columns else None)
    if what == "district":
        column = "population" if "population" in frame.columns else None
        out.insert(
            len(out.columns) - 1, "population", _numbers(frame[column], path.name, column, found) if column else np.nan
        )
    found.extend(_name_quirks(out, path.name, unit="feature"))
    problems.extend(with_source_columns(found, frame))
    if what == "district":  # the names shown, the source's doubled suffixes corrected (geo.names)
        labels = district_labels(out["name_ru"].tolist(), out["name_kk"].tolist(), out["name_en"].tolist())
        return gpd.GeoDataFrame(
            pd.concat([out[columns].drop(columns="geometry"), labels.set_axis(out.index)], axis=1),
            geometry=out.geometry,
            crs=STORAGE_CRS,
        )
    return out[columns]


def aliases_of(kind: str, field: str) -> str:
    """The header aliases of ``field`` in tables of ``kind`` (:data:`geo.schema.COLUMN_ALIASES`), for messages."""
    return ", ".join(alias for tier in COLUMN_ALIASES[kind][field] for alias in tier)


def _degrees_or_problem(
    geometry: gpd.GeoSeries, file: str, what: str, problems: list[Problem], *, analysis_crs: str
) -> bool:
    """False (with an error naming the file and the likely CRS) when outline coordinates are not finite degrees:
    a boundary saved in projected metres without a CRS would otherwise be read as degrees and fail deep in GEOS."""
    xy = shapely.get_coordinates(geometry.to_numpy())
    if len(xy) == 0:
        return True
    if not np.isfinite(xy).all():
        problems.append(
            Problem(
                file,
                "outline coordinates that are not finite numbers (NaN or infinity).",
                "export the layer again; every vertex needs a longitude and latitude in degrees.",
                key="outline_not_finite",
            )
        )
        return False
    if np.abs(xy[:, 0]).max() <= 180 and np.abs(xy[:, 1]).max() <= 90:
        return True
    guess = likely_crs(xy, analysis_crs=analysis_crs)
    if guess:
        problems.append(
            Problem(
                file,
                f"coordinates are not degrees: they look like projected metres ({guess}?), "
                "but the file declares no CRS, so they were read as degrees.",
                f"reproject the {what} outlines to EPSG:4326 (QGIS: Export ▸ Save Features As, CRS "
                "EPSG:4326), or write the CRS into the file.",
                key="outline_projected_boundary" if what == "boundary" else "outline_projected_district",
                params=(("crs", guess),),
            )
        )
    else:
        problems.append(
            Problem(
                file,
                "coordinates are not degrees (they look like projected metres of an unknown "
                "CRS), and the file declares no CRS.",
                f"reproject the {what} outlines to EPSG:4326 (QGIS: Export ▸ Save Features As).",
                key="outline_projected_unknown_boundary"
                if what == "boundary"
                else "outline_projected_unknown_district",
            )
        )
    return False


def likely_crs(xy: np.ndarray, *, analysis_crs: str = DEFAULT_ANALYSIS_CRS) -> str | None:
    """A guess at the projected CRS of coordinates in metres: the region's UTM analysis CRS when they are UTM-like
    and land in valid degrees with it, a UTM zone's family, Web Mercator, or None.

    Parameters
    ----------
    xy : ndarray of shape (n, 2)
        Easting and northing, metres.
    """
    x, y = xy[:, 0], xy[:, 1]
    if x.min() >= 100_000 and x.max() <= 900_000 and y.min() >= 0 and y.max() <= 9_400_000:
        try:
            crs = CRS.from_user_input(analysis_crs)
            utm = crs.utm_zone
        except CRSError:
            utm = None
        if utm:
            lon, lat = Transformer.from_crs(crs, STORAGE_CRS, always_xy=True).transform(x, y)
            if np.isfinite(lon).all() and np.isfinite(lat).all():
                return f"{crs.to_string()}, UTM {utm}"
        return "EPSG:326xx, UTM zone unknown"
    if np.abs(x).max() <= 20_037_509 and np.abs(y).max() <= 20_048_967:
        return "EPSG:3857, Web Mercator"
    return None


def _text(values: pd.Series) -> np.ndarray:
    text = values.astype(object).where(values.notna(), None)
    return np.array([None if v is None or str(v).strip() == "" else str(v).strip() for v in text], dtype=object)


def _numbers(
    values: pd.Series, file: str, column: str, problems: list[Problem], *, lines: np.ndarray | None = None
) -> np.ndarray:
    numbers, _, bad = parse_numbers(values.astype(object).where(values.notna(), ""))
    lines = np.arange(1, len(values) + 1) if lines is None else np.asarray(lines)
    unit = "feature" if file.endswith("json") else "line"
    problems += rows_problem(
        file,
        bad,
        lines,
        "expected a number (digits, decimal point or comma).",
        "correct those cells or leave them empty when unknown.",
        column=column,
        unit=unit,
        key="not_a_number",
    )
    problems += rows_problem(
        file,
        numbers < 0,
        lines,
        "negative values.",
        "a count or population cannot be below zero.",
        column=column,
        unit=unit,
        key="negative_values",
    )
    return numbers


def _read_points(
    path_or_bytes: Path | bytes, name: str, problems: list[Problem], *, kind: str
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, str] | None:
    """Attributes (text, columns renamed to the fields of ``kind``, see :func:`geo.tabular.canonical_columns`),
    lon, lat and the row unit of a point file (GeoJSON or CSV/XLSX with lat/lon columns)."""
    if name.endswith(".geojson") or name.endswith(".json"):
        frame = _read_geojson(path_or_bytes, problems, name=name)
        if frame is None:
            return None
        kinds = frame.geometry.geom_type
        wrong = (~kinds.isin(["Point"]) | frame.geometry.is_empty).to_numpy()
        if wrong.any():
            problems.append(
                Problem(
                    name,
                    f"expected Point features; got {', '.join(sorted(set(kinds[wrong].dropna())))}.",
                    "use one point per place (a polygon's centroid in QGIS).",
                    rows=tuple(np.flatnonzero(wrong) + 1),
                    unit="feature",
                    key="points_expected",
                    params=(("got", ", ".join(sorted(set(kinds[wrong].dropna())))),),
                )
            )
            return None
        attributes = pd.DataFrame(frame.drop(columns="geometry"))
        attributes.index = np.arange(1, len(frame) + 1)
        attributes, renamed = canonical_columns(
            attributes.drop(columns=["lat", "lon"], errors="ignore"), kind, name=name
        )
        problems.extend(renamed)
        if any(p.severity == "error" for p in renamed):
            return None
        return attributes, frame.geometry.x.to_numpy(), frame.geometry.y.to_numpy(), "feature"
    table, found = read_table(path_or_bytes, name=name)
    problems.extend(found)
    if table is None:
        return None
    table, renamed = canonical_columns(table, kind, name=name)
    problems.extend(renamed)
    if any(p.severity == "error" for p in renamed):
        return None
    lat_column, lon_column = "lat", "lon"
    if lat_column not in table.columns or lon_column not in table.columns:
        problems.append(
            missing_columns(
                name,
                table,
                needs="coordinate columns lat and lon (or latitude/longitude)",
                fix="add the two columns in degrees (EPSG:4326).",
                key="no_coordinate_columns",
            )
        )
        return None
    before = len(problems)
    lat = _coordinate(table[lat_column], name, lat_column, problems, table.index)
    lon = _coordinate(table[lon_column], name, lon_column, problems, table.index)
    if len(problems) > before:
        return None
    return table, lon, lat, "line"


def _read_points_or_report(
    source: Path | bytes, name: str, problems: list[Problem], found: list[Problem], *, kind: str
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, str, np.ndarray] | None:
    """:func:`_read_points` into ``found``, with the line (or feature) number of each point; None when the file
    cannot be read, and then what was found is added to ``problems``."""
    read = _read_points(source, name, found, kind=kind)
    if read is None:
        problems.extend(found)
        return None
    table, lon, lat, unit = read
    return table, lon, lat, unit, np.asarray(table.index)


def _coordinate(values: pd.Series, name: str, column: str, problems: list[Problem], lines: pd.Index) -> np.ndarray:
    numbers, blank, bad = parse_numbers(values)
    lines = np.asarray(lines)
    problems += rows_problem(
        name,
        blank | bad,
        lines,
        "expected a coordinate in degrees.",
        "fill in decimal degrees, e.g. 42.3.",
        column=column,
        key="coordinate_expected",
    )
    return numbers


def _outline(boundary: gpd.GeoDataFrame, analysis_crs: str) -> shapely.Geometry | None:
    if boundary.empty or not boundary.geometry.is_valid.all():
        return None
    shape = boundary.to_crs(analysis_crs).geometry.union_all().buffer(OUTSIDE_TOLERANCE_M)
    shapely.prepare(shape)
    return shape


def _read_settlements(
    path: Path,
    problems: list[Problem],
    *,
    outline: shapely.Geometry | None,
    districts: gpd.GeoDataFrame,
    analysis_crs: str,
) -> gpd.GeoDataFrame:
    name = path.name
    found: list[Problem] = []
    if (read := _read_points_or_report(path, name, problems, found, kind="settlements")) is None:
        return _empty(SETTLEMENT_COLUMNS)
    table, lon, lat, unit, lines = read
    id_column = "settlement_id" if "settlement_id" in table.columns else None
    if id_column is None:
        expected = aliases_of("settlements", "settlement_id")
        found.append(
            missing_columns(
                name,
                table,
                needs=f"an id column ({expected})",
                fix="add a unique id per settlement.",
                key="settlements_no_id",
                params=(("expected", expected),),
            )
        )
        problems.extend(found)
        return _empty(SETTLEMENT_COLUMNS)
    ids = pd.Series(_text(table[id_column]))
    blank_ids = ids.isna().to_numpy()
    found += rows_problem(
        name,
        blank_ids,
        lines,
        "empty ids.",
        "give every settlement an id.",
        column=id_column,
        unit=unit,
        key="settlements_empty_ids",
    )
    ids = ids.str.replace(r"\.0$", "", regex=True)  # numeric ids that came through a float column
    duplicated = ids.duplicated(keep=False).to_numpy() & ~blank_ids
    found += rows_problem(
        name,
        duplicated,
        lines,
        "duplicate ids.",
        "give every settlement its own id.",
        column=id_column,
        unit=unit,
        key="settlements_duplicate_ids",
    )
    out = pd.DataFrame({"settlement_id": ids.to_numpy()})
    for target in NAME_FIELDS:
        out[target] = _text(table[target]) if target in table.columns else None
    plain = _text(table["name"]) if "name" in table.columns else np.full(len(table), None, dtype=object)
    if "name" not in table.columns and not any(c in table.columns for c in NAME_FIELDS):
        found.append(
            missing_columns(
                name,
                table,
                needs="a name column (name, name:ru, name:kk or name_ru…)",
                fix="add the settlement names.",
                key="settlements_no_name_column",
            )
        )
    display = [
        next((n for n in options if isinstance(n, str) and n), None)
        for options in zip(out["name_ru"], plain, out["name_kk"], out["name_en"])
    ]
    unnamed = np.array([d is None for d in display])
    found += rows_problem(
        name,
        unnamed,
        lines,
        f"{int(unnamed.sum())} settlements have no name; shown by their id.",
        "add the names where known.",
        unit=unit,
        severity="warning",
        key="settlements_unnamed",
        params=(("count", int(unnamed.sum())),),
    )
    out["name"] = [d if d else f"#{i}" for d, i in zip(display, out["settlement_id"])]
    out["kind"] = _kinds(table, name, found)
    population_column = "population" if "population" in table.columns else None
    if population_column:
        out["population"] = _numbers(table[population_column], name, population_column, found, lines=lines)
    else:
        out["population"] = np.nan
    missing = np.isnan(out["population"].to_numpy(dtype=float))
    if missing.any():
        by_kind = Counter(out.loc[missing, "kind"])
        detail = ", ".join(f"{kind} {count}" for kind, count in by_kind.most_common())
        found.append(
            Problem(
                name,
                f"{int(missing.sum())} of {len(out)} settlements have no population ({detail}); "
                "they are counted as 'population unknown', never as zero.",
                "add populations (census or akimat figures) where known.",
                column=population_column,
                severity="warning",
                key="population_missing",
                params=(("missing", int(missing.sum())), ("total", len(out)), ("detail", detail)),
            )
        )
    out["district_id"] = _settlement_districts(table, lon, lat, districts, name, unit, lines, found)
    labels = _labels(out["settlement_id"], out["name"])
    check_locations(lon, lat, lines, name, unit, found, outline=outline, analysis_crs=analysis_crs, labels=labels)
    found.extend(_name_quirks(out, name, unit=unit, lines=lines))
    problems.extend(with_source_columns(found, table))
    optional = []
    if "kato" in table.columns:  # the settlement's KATO code (the bundled default has them), e.g. for population tables
        out["kato"] = _text(table["kato"])
        optional.append("kato")
    frame = gpd.GeoDataFrame(out, geometry=gpd.points_from_xy(lon, lat), crs=STORAGE_CRS)
    labels = _settlement_labels(frame, table, plain, analysis_crs=analysis_crs)
    return pd.concat([frame[SETTLEMENT_COLUMNS + optional], labels.set_axis(frame.index)], axis=1)


def _settlement_labels(
    frame: gpd.GeoDataFrame, table: pd.DataFrame, plain: np.ndarray, *, analysis_crs: str
) -> pd.DataFrame:
    """The names shown per language (:func:`geo.names.settlement_labels`), from the file's names and, where the
    file has them, the KATO names of its codes (``kato_name``, ``kato_match``: the bundled default's)."""
    finite = np.isfinite(frame.geometry.x.to_numpy()) & np.isfinite(frame.geometry.y.to_numpy())
    xy = np.full((len(frame), 2), np.nan)
    if finite.any():
        projected = frame.geometry[finite].to_crs(analysis_crs)
        xy[finite] = np.column_stack([projected.x.to_numpy(), projected.y.to_numpy()])
    kato = "kato" in table.columns and "kato_name" in table.columns
    return settlement_labels(
        ids=frame["settlement_id"].tolist(),
        name=list(plain),
        name_ru=frame["name_ru"].tolist(),
        name_kk=frame["name_kk"].tolist(),
        name_en=frame["name_en"].tolist(),
        district_id=frame["district_id"].tolist(),
        x_m=xy[:, 0],
        y_m=xy[:, 1],
        kato_name=list(_text(table["kato_name"])) if kato else None,
        kato_match=list(_text(table["kato_match"])) if kato and "kato_match" in table.columns else None,
    )


def _labels(ids: Iterable[object], names: Iterable[object]) -> list[str]:
    """ "id «name»" per point, for naming points in messages (settlements and service sites, never incidents)."""
    return [f"{i} «{n}»" if n and str(n) != f"#{i}" else str(i) for i, n in zip(ids, names)]


def _kinds(table: pd.DataFrame, name: str, problems: list[Problem]) -> np.ndarray:
    column = "kind" if "kind" in table.columns else None
    if column is None:
        problems.append(
            Problem(
                name,
                "has no kind or place column; every settlement is of kind 'unknown'.",
                "add a kind column: city, town, village or hamlet.",
                severity="warning",
                key="kind_column_missing",
            )
        )
        return np.full(len(table), "unknown", dtype=object)
    raw = pd.Series(_text(table[column]))
    kinds = raw.str.lower().map(PLACE_KIND_ALIASES)
    unknown = kinds.isna()
    if unknown.any():
        values = sorted({str(v) for v in raw[unknown]})[:8]
        problems.append(
            Problem(
                name,
                f"{int(unknown.sum())} settlements have an unknown kind ({', '.join(values)}); shown as 'unknown'.",
                "use city, town, village or hamlet.",
                column=column,
                severity="warning",
                key="kind_unknown",
                params=(("count", int(unknown.sum())), ("values", ", ".join(values))),
            )
        )
    return kinds.fillna("unknown").to_numpy(dtype=object)


def _settlement_districts(
    table: pd.DataFrame,
    lon: np.ndarray,
    lat: np.ndarray,
    districts: gpd.GeoDataFrame,
    name: str,
    unit: str,
    lines: np.ndarray,
    problems: list[Problem],
) -> np.ndarray:
    located = assign_districts(lon, lat, districts)
    column = "district_id" if "district_id" in table.columns else None
    if column is None:
        if not districts.empty:
            problems.append(
                Problem(
                    name,
                    "has no district column; districts were assigned from the outlines.",
                    "nothing to do unless a village is known to belong elsewhere.",
                    severity="warning",
                    key="district_column_missing",
                )
            )
        return located
    given = _text(table[column])
    if districts.empty:
        return given
    known = set(districts["district_id"])
    unknown = np.array([g is not None and g not in known for g in given])
    if unknown.any():
        problems.append(
            Problem(
                name,
                "district ids not found in districts.geojson; those settlements were given the "
                "district whose outline contains them.",
                f"use the ids of districts.geojson in column '{column}'.",
                column=column,
                rows=tuple(lines[unknown]),
                unit=unit,
                severity="warning",
                key="district_ids_unknown",
                params=(("column", column),),
            )
        )
    return np.where(unknown | pd.isna(given), located, given)


_REPEAT_RE = re.compile(r"(\w{4,})\1", re.IGNORECASE)
_MIXED_RE = re.compile(r"\b(?=\w*[A-Za-z])(?=\w*[А-Яа-яЁёӘәҒғҚқҢңӨөҰұҮүҺһІі])\w+\b")


@dataclass(frozen=True)
class _Quirk:
    """A kind of mistyped name: the pattern that finds it, the start of the message, the fix, the message key."""

    pattern: re.Pattern[str]
    message: str
    fix: str
    key: str


_QUIRKS = (
    _Quirk(
        _REPEAT_RE,
        "names with a doubled fragment, probably a typo",
        "correct the spelling at the source.",
        key="names_doubled",
    ),
    _Quirk(
        _MIXED_RE,
        "names mixing Latin and Cyrillic letters in one word",
        "retype those names in one alphabet so that search finds them.",
        key="names_mixed",
    ),
)


def _name_quirks(frame: pd.DataFrame, file: str, *, unit: str, lines: np.ndarray | None = None) -> list[Problem]:
    """Warnings for names that look mistyped: a doubled fragment ("…скийский") or Latin and Cyrillic letters
    mixed in one word (a common copy-paste error that breaks search)."""
    lines = np.arange(1, len(frame) + 1) if lines is None else np.asarray(lines)
    found = []
    for column in ("name_ru", "name_kk", "name_en"):
        if column not in frame:
            continue
        values = frame[column].to_numpy(dtype=object)
        for quirk in _QUIRKS:
            odd = np.array([isinstance(v, str) and bool(quirk.pattern.search(v)) for v in values], dtype=bool)
            examples = ", ".join(sorted({str(v) for v in values[odd]})[:5])
            found += rows_problem(
                file,
                odd,
                lines,
                f"{quirk.message}: {examples}.",
                quirk.fix,
                column=column,
                unit=unit,
                severity="warning",
                key=quirk.key,
                params=(("examples", examples),),
            )
    if "name_ru" in frame and frame["name_ru"].isna().any() and frame["name_ru"].notna().any():
        count = int(frame["name_ru"].isna().sum())
        found.append(
            Problem(
                file,
                f"{count} of {len(frame)} have no Russian name; another name is shown.",
                "add name:ru where known.",
                column="name_ru",
                severity="warning",
                key="names_no_russian",
                params=(("count", count), ("total", len(frame))),
            )
        )
    return found


def _services_or_problems(
    source: Path | bytes,
    name: str,
    problems: list[Problem],
    *,
    outline: shapely.Geometry | None,
    districts: gpd.GeoDataFrame | None,
    analysis_crs: str,
) -> gpd.GeoDataFrame:
    found: list[Problem] = []
    if (read := _read_points_or_report(source, name, problems, found, kind="services")) is None:
        return _empty(SERVICE_COLUMNS)
    table, lon, lat, unit, lines = read
    for required, field_name in (("id", "service_id"), ("name", "name")):
        if field_name not in table.columns:
            found.append(
                missing_columns(
                    name,
                    table,
                    needs=f"a column '{required}'",
                    fix="use the columns id,name,kind,lat,lon,capacity,reach_minutes.",
                    key="services_column_missing",
                    params=(("column", required),),
                )
            )
    if any(p.severity == "error" for p in found):
        problems.extend(found)
        return _empty(SERVICE_COLUMNS)
    ids = pd.Series(_text(table["service_id"]))
    duplicated = ids.duplicated(keep=False).to_numpy() | ids.isna().to_numpy()
    found += rows_problem(
        name,
        duplicated,
        lines,
        "ids are empty or repeated.",
        "give every site its own id.",
        column="service_id",
        unit=unit,
        key="services_ids",
    )
    kinds = pd.Series(
        _text(table["kind"]) if "kind" in table.columns else np.full(len(table), None, dtype=object), dtype=object
    ).fillna("permanent")  # no kind column: every site is permanent
    kinds = kinds.str.lower().replace({"mobile team": "mobile", "mobile_team": "mobile", "service": "permanent"})
    wrong = ~kinds.isin(SERVICE_KINDS).to_numpy()
    found += rows_problem(
        name,
        wrong,
        lines,
        f"kind must be one of {', '.join(SERVICE_KINDS)}.",
        "fix the kind or leave it empty for a permanent service.",
        column="kind",
        unit=unit,
        key="services_kind",
        params=(("kinds", ", ".join(SERVICE_KINDS)),),
    )
    optional = {}
    for column in ("capacity", "reach_minutes"):
        optional[column] = (
            _numbers(table[column], name, column, found, lines=lines)
            if column in table.columns
            else np.full(len(table), np.nan)
        )
    labels = _labels(ids, _text(table["name"]))
    check_locations(lon, lat, lines, name, unit, found, outline=outline, analysis_crs=analysis_crs, labels=labels)
    problems.extend(with_source_columns(found, table))
    frame = gpd.GeoDataFrame(
        {
            "service_id": ids.to_numpy(dtype=object),
            "name": _text(table["name"]),
            "kind": kinds.to_numpy(dtype=object),
            "capacity": optional["capacity"],
            "reach_minutes": optional["reach_minutes"],
            "district_id": assign_districts(lon, lat, districts) if districts is not None else None,
        },
        geometry=gpd.points_from_xy(lon, lat),
        crs=STORAGE_CRS,
    )
    return frame[SERVICE_COLUMNS]


def _check_classifier(folder: Path, districts: gpd.GeoDataFrame, problems: list[Problem]) -> None:
    """When a KATO classifier table is in the folder, warn about districts it lists that have no outline
    (districts created or split after the outlines were drawn)."""
    path = next(iter(sorted(folder.glob("kato*.csv"))), None)
    if path is None or districts.empty:
        return
    table, found = read_table(path, name=path.name)
    if table is not None:
        table, renamed = canonical_columns(table, "classifier", name=path.name)
        found += renamed
    if table is None or "code" not in table.columns or "name" not in table.columns:
        problems.extend(p for p in found if p.severity == "warning")
        return
    codes = table["code"].str.strip()
    district_rows = table[codes.str.len().eq(9) & codes.str[4:].eq("00000") & ~codes.str[2:].eq("0000000")]
    known = {re.sub(r"\D", "", str(i))[:4] for i in districts["district_id"]}
    orphans = [
        row["name"]
        for _, row in district_rows.iterrows()
        if row["code"].strip()[:4] not in known and row["code"].strip()[:2] in {k[:2] for k in known}
    ]
    if orphans:
        problems.append(
            Problem(
                path.name,
                f"the classifier lists districts with no outline in districts.geojson: "
                f"{', '.join(orphans)}; their villages are counted in the district whose "
                "outline contains them.",
                "add the missing outlines to districts.geojson when they are published.",
                severity="warning",
                key="classifier_orphans",
                params=(("districts", ", ".join(orphans)),),
            )
        )
