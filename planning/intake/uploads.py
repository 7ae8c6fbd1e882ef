"""What every upload shares: the limits, its name as messages give it, and GeoJSON features read from bytes.

The uploaded bytes are never written anywhere and the file name is used only for its suffix and, without any
folder part, in messages.
"""

from __future__ import annotations

import json
import re

import numpy as np

from geo.errors import Problem
from geo.settings import MAX_CSV_ROWS
from geo.tabular import MAX_TABLE_BYTES

MAX_UPLOAD_BYTES = MAX_TABLE_BYTES
"""Largest upload accepted, in bytes (25 MB; the same cap as ``server.maxUploadSize``)."""
_MB = 1024 * 1024
MAX_UPLOAD_ROWS = MAX_CSV_ROWS
"""Data rows (or GeoJSON features) an upload may have."""
MAX_UPLOAD_VERTICES = 1_000_000
"""Coordinate pairs all geometries of one GeoJSON upload may have together."""
MAX_FILE_NAME_CHARS = 120


def safe_file_name(filename: str) -> str:
    """The part of an upload's name after the last ``/`` or ``\\``, without control characters, shortened.

    Never used to open anything; only for messages, the audit log and to tell the format by its suffix.
    """
    base = re.split(r"[/\\]", str(filename))[-1]
    base = re.sub(r"[\x00-\x1f\x7f]", "", base).strip().lstrip(".") or "upload"
    return base if len(base) <= MAX_FILE_NAME_CHARS else base[: MAX_FILE_NAME_CHARS - 10] + "…" + base[-9:]


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
