"""Incident uploads: parsed in memory, aggregated at once, stored only as counts per settlement and period.

An upload (CSV, XLSX or GeoJSON) holds either points (date, lat, lon, optional type) or counts (settlement or
district, period, count). Points are given to the nearest settlement of their district and dropped; the
uploaded bytes are never written anywhere and the file name is used only for its suffix and, without any
folder part, in messages. The upload is validated completely before the database is touched, and the counts
are then replaced (or appended) in one transaction, so a rejected or failed upload leaves the data that was
there before as it was.

Messages name the file, the lines and the column and say how to fix them; they never repeat a cell.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import shape

from geo.errors import Problem, ValidationError
from geo.incidents import incident_layout, incidents_from_table
from geo.region import NAME_FIELDS, Region, aliases_of, region_outline
from geo.schema import DISTRICT_COLUMNS, INCIDENT_COLUMNS
from geo.settings import MAX_CSV_ROWS, STORAGE_CRS
from geo.tabular import MAX_TABLE_BYTES, canonical_columns, parse_numbers, read_table, with_source_columns
from planning.i18n import format_problem
from planning.store.access import SCHEMA as ACCESS_SCHEMA
from planning.store.access import record, write_audit
from planning.store.db import SqliteStore

MAX_UPLOAD_BYTES = MAX_TABLE_BYTES
"""Largest upload accepted, in bytes (25 MB; the same cap as ``server.maxUploadSize``)."""
_MB = 1024 * 1024
MAX_UPLOAD_ROWS = MAX_CSV_ROWS
"""Data rows (or GeoJSON features) an upload may have."""
MAX_UPLOAD_VERTICES = 1_000_000
"""Coordinate pairs all geometries of one GeoJSON upload may have together."""
MAX_FILE_NAME_CHARS = 120
UPLOAD_SUFFIXES = (".csv", ".txt", ".xlsx", ".geojson", ".json")
MODES = ("replace", "append")
UPLOAD_DIGEST_CHARS = 16
"""Hex digits of an upload's SHA-256 kept in the audit log (the file itself and its name are not kept)."""

INCIDENT_SCHEMA = """
CREATE TABLE IF NOT EXISTS incident_batches (
    batch_id    INTEGER PRIMARY KEY AUTOINCREMENT,
    region_id   TEXT NOT NULL,
    file        TEXT NOT NULL,
    layout      TEXT NOT NULL,
    mode        TEXT NOT NULL,
    uploaded_by TEXT NOT NULL,
    uploaded_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS incident_counts (
    region_id     TEXT NOT NULL,
    settlement_id TEXT,
    district_id   TEXT,
    period        TEXT NOT NULL,
    count         INTEGER NOT NULL CHECK (count >= 0),
    synthetic     INTEGER NOT NULL CHECK (synthetic IN (0, 1)),
    batch_id      INTEGER NOT NULL REFERENCES incident_batches (batch_id)
);
CREATE INDEX IF NOT EXISTS incident_counts_by_region ON incident_counts (region_id, period);
"""


class IncidentStore(SqliteStore):
    """Incident counts per region, settlement and period (and the audit log) in the shared SQLite file.

    Parameters
    ----------
    path : str or Path, optional
        Database file; default the scenario database (``QORGAU_SCENARIO_DB``).
    """

    schema = ACCESS_SCHEMA + INCIDENT_SCHEMA

    def counts(self, region_id: str) -> pd.DataFrame:
        """The stored counts of a region (:data:`geo.schema.INCIDENT_COLUMNS`); empty when none were uploaded.

        Raw counts: pass them through :mod:`planning.privacy` before showing them.
        """
        with self.transaction(write=False) as db:
            rows = db.execute(
                "SELECT settlement_id, district_id, period, count, synthetic FROM incident_counts "
                "WHERE region_id = ? ORDER BY period, district_id, settlement_id",
                (region_id,),
            ).fetchall()
        frame = pd.DataFrame(rows, columns=INCIDENT_COLUMNS).astype(
            {"settlement_id": object, "district_id": object, "period": object}
        )
        frame["count"] = frame["count"].astype(np.int64)
        frame["synthetic"] = frame["synthetic"].astype(bool)
        return frame


def with_stored_incidents(region: Region, store: IncidentStore) -> Region:
    """The region with the incident counts uploaded for it in ``store`` in place of its folder's incidents, when
    any were uploaded; else ``region`` itself (not changed either way).

    The one way the pages and the command line overlay uploads: what a page shows, ``python -m planning`` prints.
    Incident-derived: keep the result per session (or process), never in a shared cache.
    """
    stored = store.counts(region.region_id)
    return region if stored.empty else dataclasses.replace(region, incidents=stored)


@dataclass(frozen=True)
class IntakeResult:
    """What an upload did.

    Attributes
    ----------
    accepted : bool
        True when the counts were stored; False when nothing changed.
    file : str
        The upload's name as used in messages (no folder part).
    layout : {"points", "counts"} or None
    rows : int
        Data rows (or features) read.
    counts_stored : int
        Rows of counts (settlement or district x period) now stored from this upload.
    periods : tuple of str
    batch_id : int or None
    problems : tuple of Problem
        Errors (when rejected) and warnings.
    """

    accepted: bool
    file: str
    layout: str | None
    rows: int
    counts_stored: int
    periods: tuple[str, ...]
    batch_id: int | None
    problems: tuple[Problem, ...]

    def messages(self, lang: str = "en") -> list[str]:
        """Every problem as one line of text in ``lang`` (file, lines, column, what is wrong, the fix); English by
        default, as the command line and logs print it."""
        return [format_problem(p, lang) for p in self.problems]


def safe_file_name(filename: str) -> str:
    """The part of an upload's name after the last ``/`` or ``\\``, without control characters, shortened.

    Never used to open anything; only for messages, the audit log and to tell the format by its suffix.
    """
    base = re.split(r"[/\\]", str(filename))[-1]
    base = re.sub(r"[\x00-\x1f\x7f]", "", base).strip().lstrip(".") or "upload"
    return base if len(base) <= MAX_FILE_NAME_CHARS else base[: MAX_FILE_NAME_CHARS - 10] + "…" + base[-9:]


def upload_label(data: bytes, filename: str) -> str:
    """How an upload is named in the database and the audit log: its suffix, size and a content digest.

    The file name is not kept: people name extracts after cases ("ivanova_2023.csv"). The digest lets an
    admin tell which file it was by hashing the copy they hold (``sha256sum``).
    """
    name = safe_file_name(filename)
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else "file"
    digest = hashlib.sha256(bytes(data)).hexdigest()[:UPLOAD_DIGEST_CHARS]
    return f".{suffix[:8]} upload of {len(data):,} bytes, sha256 {digest}"


def ingest_incidents(
    data: bytes, *, filename: str, region: Region, store: IncidentStore, user: str = "", mode: str = "replace"
) -> IntakeResult:
    """Validate an incident upload in memory and store its counts per settlement and period.

    Parameters
    ----------
    data : bytes
        The upload (at most :data:`MAX_UPLOAD_BYTES`). Never written anywhere.
    filename : str
        The name the browser sent; only its suffix and its last part are used (see :func:`safe_file_name`).
    region : geo.region.Region
        The region the incidents belong to (settlements, districts and outline for checks and assignment).
    store : IncidentStore
    user : str
        Who uploads, for the audit log.
    mode : {"replace", "append"}
        ``"replace"``: the region's stored counts are replaced by this upload. ``"append"``: added, refused when
        a period of the upload is already stored (it would be counted twice).

    Returns
    -------
    IntakeResult
        ``accepted`` False with the problems when anything is wrong; the stored counts are then unchanged.
    """
    if mode not in MODES:
        raise ValueError(f"`mode` must be one of {MODES}; got {mode!r}.")
    name = safe_file_name(filename)
    counts, layout, rows, problems = parse_incidents(data, filename=name, region=region)
    label = upload_label(data, name)
    if counts is not None and mode == "append":
        stored = set(store.counts(region.region_id)["period"])
        overlap = sorted(stored & set(counts["period"]))
        if overlap:
            problems.append(
                Problem(
                    name,
                    f"periods {', '.join(overlap)} are already stored; appending would count them twice.",
                    "choose 'replace', or upload only the new periods.",
                    key="periods_stored",
                    params=(("periods", ", ".join(overlap)),),
                )
            )
            counts = None
    if counts is None:
        record(store, user=user, action="upload rejected", object=f"incidents {region.region_id} from {label}")
        return IntakeResult(False, name, layout, rows, 0, (), None, tuple(problems))
    with store.transaction() as db:
        cursor = db.execute(
            "INSERT INTO incident_batches (region_id, file, layout, mode, uploaded_by, uploaded_at) "
            "VALUES (?, ?, ?, ?, ?, datetime('now'))",
            (region.region_id, label, layout, mode, user or "?"),
        )
        batch_id = cursor.lastrowid
        if mode == "replace":
            db.execute("DELETE FROM incident_counts WHERE region_id = ?", (region.region_id,))
        db.executemany(
            "INSERT INTO incident_counts (region_id, settlement_id, district_id, period, count, synthetic, batch_id) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (region.region_id, _text_or_none(s), _text_or_none(d), str(p), int(c), int(bool(y)), batch_id)
                for s, d, p, c, y in counts[INCIDENT_COLUMNS].itertuples(index=False, name=None)
            ],
        )
        periods = tuple(sorted(set(counts["period"])))
        write_audit(
            db,
            user=user or "?",
            action=f"upload incidents ({mode})",
            object=f"incidents {region.region_id} from {label}: {len(counts)} counts, {', '.join(periods)}",
        )
    return IntakeResult(True, name, layout, rows, len(counts), periods, batch_id, tuple(problems))


def parse_incidents(
    data: bytes, *, filename: str, region: Region
) -> tuple[pd.DataFrame | None, str | None, int, list[Problem]]:
    """Read and aggregate an upload without storing it.

    Returns
    -------
    (counts or None, layout, rows, problems)
        ``counts`` (:data:`geo.schema.INCIDENT_COLUMNS`) is None when any error was found.
    """
    name = safe_file_name(filename)
    problems: list[Problem] = []
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"`data` must be the bytes of the upload; got {type(data).__name__}.")
    data = bytes(data)
    suffix = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
    if suffix not in UPLOAD_SUFFIXES:
        return (
            None,
            None,
            0,
            [
                Problem(
                    name,
                    f"is not a CSV, XLSX or GeoJSON file (got '{suffix or 'no suffix'}').",
                    "save the table as .csv or .xlsx, or the points as .geojson.",
                    key="upload_wrong_type",
                    params=(("suffix", suffix or "—"),),
                )
            ],
        )
    if len(data) > MAX_UPLOAD_BYTES:
        return (
            None,
            None,
            0,
            [
                _too_large_problem(
                    name,
                    len(data),
                    fix="split the file, or aggregate it to counts per settlement and period.",
                    key="upload_too_large",
                )
            ],
        )
    if suffix in (".geojson", ".json"):
        table, unit = _geojson_points_table(data, name, problems), "feature"
    else:
        table, found = read_table(data, name=name, max_rows=MAX_UPLOAD_ROWS)
        problems.extend(found)
        unit = "line"
    if table is None:
        return None, None, 0, problems
    table, found = canonical_columns(table, "incidents", name=name)
    problems.extend(found)
    if any(p.severity == "error" for p in found):
        return None, None, len(table), problems
    layout = incident_layout(table.columns)
    counts, found = incidents_from_table(
        table,
        name=name,
        settlements=region.settlements,
        districts=region.districts,
        analysis_crs=region.analysis_crs,
        outline=region_outline(region),
    )
    problems.extend(dataclasses.replace(p, unit=unit) if p.rows else p for p in found)
    if any(p.severity == "error" for p in problems):
        return None, layout, len(table), problems
    return counts, layout, len(table), problems


def _text_or_none(value: object) -> str | None:
    return None if value is None or (isinstance(value, float) and np.isnan(value)) or pd.isna(value) else str(value)


# --------------------------------------------------------------------------------------------------------------
# GeoJSON, parsed from bytes with json (no file, no driver)
# --------------------------------------------------------------------------------------------------------------
def _load_features(data: bytes, name: str, problems: list[Problem]) -> list | None:
    if not data.strip():
        problems.append(
            Problem(name, "file is empty.", "export the features again as GeoJSON.", key="geojson_upload_empty")
        )
        return None
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        problems.append(
            Problem(name, "is not UTF-8 text.", "export it again as GeoJSON (always UTF-8).", key="not_utf8")
        )
        return None
    except json.JSONDecodeError as exc:
        problems.append(
            Problem(
                name,
                f"is not valid JSON ({exc.msg} at line {exc.lineno}).",
                "export it again as GeoJSON.",
                key="json_invalid",
                params=(("error", exc.msg), ("line", exc.lineno)),
            )
        )
        return None
    except RecursionError:
        problems.append(
            Problem(name, "is nested too deeply to be GeoJSON.", "export it again as GeoJSON.", key="json_too_deep")
        )
        return None
    if (
        not isinstance(document, dict)
        or document.get("type") != "FeatureCollection"
        or not isinstance(document.get("features"), list)
    ):
        problems.append(
            Problem(
                name,
                "is not a GeoJSON FeatureCollection.",
                "export it as a GeoJSON layer.",
                key="not_feature_collection",
            )
        )
        return None
    features = document["features"]
    if not features:
        problems.append(Problem(name, "has no features.", "export the layer with its features.", key="no_features"))
        return None
    if len(features) > MAX_UPLOAD_ROWS:
        message = f"has {len(features):,} features; at most {MAX_UPLOAD_ROWS:,} are accepted."
        problems.append(
            _over_limit_problem(
                name,
                message,
                "aggregate the data or split the file.",
                key="too_many_features",
                count=("features", len(features)),
                limit=MAX_UPLOAD_ROWS,
            )
        )
        return None
    vertices = sum(_vertex_count(f.get("geometry") if isinstance(f, dict) else None) for f in features)
    if vertices > MAX_UPLOAD_VERTICES:
        message = f"geometries have {vertices:,} vertices; at most {MAX_UPLOAD_VERTICES:,}."
        problems.append(
            _over_limit_problem(
                name,
                message,
                "simplify them (QGIS: Vector ▸ Geometry Tools ▸ Simplify, 10 m).",
                key="upload_too_many_vertices",
                count=("vertices", vertices),
                limit=MAX_UPLOAD_VERTICES,
            )
        )
        return None
    return features


def _over_limit_problem(name: str, message: str, fix: str, *, key: str, count: tuple[str, int], limit: int) -> Problem:
    """The upload ``name`` has more of something than ``limit``; ``count`` is (what, how many), as the catalog
    entry ``key`` names them."""
    return Problem(name, message, fix, key=key, params=(count, ("limit", limit)))


def _vertex_count(geometry: object) -> int:
    """Coordinate pairs in a GeoJSON geometry, counted on the parsed lists (before any geometry is built)."""
    if not isinstance(geometry, dict):
        return 0
    if geometry.get("type") == "GeometryCollection":
        return sum(_vertex_count(g) for g in geometry.get("geometries") or [])
    stack, count = [geometry.get("coordinates")], 0
    while stack:
        item = stack.pop()
        if isinstance(item, list) and item and all(isinstance(v, (int, float)) for v in item):
            count += 1
        elif isinstance(item, list):
            stack.extend(item)
    return count


def _geometry_types(features: list) -> list:
    return [
        f.get("geometry", {}).get("type") if isinstance(f, dict) and isinstance(f.get("geometry"), dict) else None
        for f in features
    ]


def _wrong_geometry_types(features: list, allowed: tuple[str, ...]) -> tuple[np.ndarray, str]:
    """(which features have a geometry type not in ``allowed``, the types they have, sorted and comma-separated)."""
    kinds = _geometry_types(features)
    wrong = np.array([k not in allowed for k in kinds], dtype=bool)
    return wrong, ", ".join(sorted({str(k) for k, w in zip(kinds, wrong) if w}))


def _feature_problem(
    name: str,
    message: str,
    fix: str,
    where: np.ndarray,
    *,
    key: str,
    column: str | None = None,
    params: tuple = (),
) -> Problem:
    """A problem of the uploaded GeoJSON ``name`` at the features where ``where`` (a boolean mask, one value per
    feature) is True, named by their 1-based numbers."""
    rows = tuple(int(i) for i in np.flatnonzero(where) + 1)
    return Problem(name, message, fix, column=column, rows=rows, unit="feature", key=key, params=params)


def _too_large_problem(name: str, size_bytes: int, *, fix: str, key: str) -> Problem:
    """The upload ``name`` of ``size_bytes`` bytes is over :data:`MAX_UPLOAD_BYTES`."""
    return Problem(
        name,
        f"file is {size_bytes / _MB:.1f} MB; the limit is {MAX_UPLOAD_BYTES / _MB:.0f} MB.",
        fix,
        key=key,
        params=(("size_mb", round(size_bytes / _MB, 1)), ("limit_mb", round(MAX_UPLOAD_BYTES / _MB))),
    )


def _geojson_points_table(data: bytes, name: str, problems: list[Problem]) -> pd.DataFrame | None:
    """A text table (date, lat, lon and the properties) indexed by feature number, from a point FeatureCollection."""
    features = _load_features(data, name, problems)
    if features is None:
        return None
    numbers = np.arange(1, len(features) + 1)
    wrong, got = _wrong_geometry_types(features, ("Point",))
    if wrong.any():
        problems.append(
            _feature_problem(
                name,
                f"expected Point features (one per record); got {got}.",
                "export the records as points, or upload counts per settlement instead.",
                wrong,
                key="upload_points_expected",
                params=(("got", got),),
            )
        )
        return None
    coordinates = [f["geometry"].get("coordinates") for f in features]
    bad = np.array(
        [
            not (isinstance(c, list) and len(c) in (2, 3) and all(isinstance(v, (int, float)) for v in c))
            for c in coordinates
        ]
    )
    if bad.any():
        problems.append(
            _feature_problem(
                name,
                "point coordinates must be [longitude, latitude] numbers.",
                "export the layer again as GeoJSON.",
                bad,
                key="upload_point_coordinates",
            )
        )
        return None
    rows = []
    for feature, (lon, lat, *_) in zip(features, coordinates):
        properties = feature.get("properties") if isinstance(feature.get("properties"), dict) else {}
        cells = {str(k).strip().lower(): "" if v is None else str(v).strip() for k, v in properties.items()}
        cells.update({"lon": repr(float(lon)), "lat": repr(float(lat))})
        rows.append(cells)
    table = pd.DataFrame(rows, index=pd.Index(numbers, name="feature"), dtype=object).fillna("")
    return table


# --------------------------------------------------------------------------------------------------------------
# outlines (districts or a boundary) uploaded as GeoJSON
# --------------------------------------------------------------------------------------------------------------
def read_outline_upload(data: bytes, *, filename: str, what: str = "district") -> gpd.GeoDataFrame:
    """District outlines from an uploaded GeoJSON, checked in memory: polygons only, valid (no self-intersection),
    a vertex cap, unique ids.

    Returns
    -------
    GeoDataFrame
        :data:`geo.schema.DISTRICT_COLUMNS`, EPSG:4326.

    Raises
    ------
    ValidationError
        With every problem (feature numbers, what is wrong, the fix).
    """
    name = safe_file_name(filename)
    problems: list[Problem] = []
    if len(data) > MAX_UPLOAD_BYTES:
        raise ValidationError(
            [_too_large_problem(name, len(data), fix="simplify the outlines.", key="outline_too_large")]
        )
    features = _load_features(bytes(data), name, problems)
    if features is None:
        raise ValidationError(problems)
    numbers = np.arange(1, len(features) + 1)
    wrong, got = _wrong_geometry_types(features, ("Polygon", "MultiPolygon"))
    if wrong.any():
        problems.append(
            _feature_problem(
                name,
                f"expected Polygon or MultiPolygon outlines; got {got}.",
                f"a {what} is an area: replace those features with their outlines.",
                wrong,
                key="outline_polygons_expected",
                params=(("got", got),),
            )
        )
        raise ValidationError(problems)
    geometries = []
    broken = np.zeros(len(features), dtype=bool)
    for i, feature in enumerate(features):
        try:
            geometries.append(shape(feature["geometry"]))
        except (ValueError, TypeError, AttributeError, IndexError, shapely.errors.ShapelyError):
            geometries.append(None)
            broken[i] = True
    if broken.any():
        problems.append(
            _feature_problem(
                name,
                "outlines whose coordinates cannot form polygons (rings need 4 or more positions, first = last).",
                "export the layer again.",
                broken,
                key="outline_rings",
            )
        )
        raise ValidationError(problems)
    geometry = gpd.GeoSeries(geometries, crs=STORAGE_CRS)
    invalid = (~geometry.is_valid).to_numpy()
    if invalid.any():
        reasons = sorted({shapely.is_valid_reason(g).split("[")[0] for g in geometry[invalid]})
        problems.append(
            _feature_problem(
                name,
                f"invalid outlines ({'; '.join(reasons)}).",
                "repair them (QGIS: Vector ▸ Geometry Tools ▸ Fix Geometries) and upload again.",
                invalid,
                key="outline_invalid",
                params=(("reasons", "; ".join(reasons)),),
            )
        )
    lon_lat = shapely.get_coordinates(geometry.to_numpy())
    if len(lon_lat) and not np.isfinite(lon_lat).all():
        problems.append(
            Problem(
                name,
                "outline coordinates that are not finite numbers (NaN or infinity).",
                "export the layer again; every vertex needs a longitude and latitude in degrees.",
                key="outline_not_finite",
            )
        )
        raise ValidationError(problems)
    if len(lon_lat) and (np.abs(lon_lat[:, 1]).max() > 90 or np.abs(lon_lat[:, 0]).max() > 180):
        problems.append(
            Problem(
                name,
                "coordinates are not degrees (they look like projected metres).",
                "export the layer in EPSG:4326.",
                key="outline_not_degrees",
            )
        )
    properties = pd.DataFrame(
        [{str(k).strip().lower(): v for k, v in (f.get("properties") or {}).items()} for f in features], index=numbers
    )
    properties, found = canonical_columns(properties, "districts", name=name)
    problems.extend(found)
    if any(p.severity == "error" for p in found):
        raise ValidationError(problems)
    id_column = "district_id" if "district_id" in properties.columns else None
    if id_column is None:
        expected = aliases_of("districts", "district_id")
        problems.append(
            Problem(
                name,
                f"has no id column ({expected}).",
                f"add a unique id per {what}.",
                key="outline_no_id",
                params=(("columns", expected),),
            )
        )
        raise ValidationError(problems)
    ids = properties[id_column].astype(object).where(properties[id_column].notna(), "").astype(str).str.strip()
    repeated = ((ids == "") | ids.duplicated(keep=False)).to_numpy()
    if repeated.any():
        problems.append(
            _feature_problem(
                name,
                "ids are empty or repeated.",
                f"give every {what} its own id.",
                repeated,
                key="outline_ids",
                column=id_column,
            )
        )
    population = np.full(len(features), np.nan)
    if "population" in properties.columns:
        population, _, bad = parse_numbers(
            properties["population"].astype(object).where(properties["population"].notna(), "").astype(str)
        )
        if bad.any() or (population < 0).any():
            problems.append(
                _feature_problem(
                    name,
                    "population must be a non-negative number or empty.",
                    "correct those cells.",
                    bad | (population < 0),
                    key="outline_population",
                    column="population",
                )
            )
    if any(p.severity == "error" for p in problems):
        raise ValidationError(with_source_columns(problems, properties))
    out = gpd.GeoDataFrame({"district_id": ids.to_numpy(dtype=object)}, geometry=geometry.to_numpy(), crs=STORAGE_CRS)
    for target in NAME_FIELDS:
        out[target] = properties[target].astype(object).to_numpy() if target in properties.columns else None
    out["population"] = population
    return out[DISTRICT_COLUMNS]
