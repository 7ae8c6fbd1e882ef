"""The deployment's own road network and class speeds of a region, kept beside the database, never in the region
folder (which stays read-only, the bundled one included).

An imported road source (an OSM file, a download, a road line layer) is copied into ``roads/<region>/<import>/``
beside the database (:func:`roads_folder`) and recorded in the per-region settings
(:class:`planning.store.settings.RegionSettingsStore`, key :data:`ROADS_KEY`) with what it holds: the source, its
file name, the ways and kilometres by class. The record is written only after the network was built from the copy,
so a failed import leaves the previous network in use. A stored network wins over the folder's own road file;
removing it brings the folder's back. The class speeds a planner sets are stored the same way
(key :data:`SPEEDS_KEY`); the folder's ``speeds.csv`` stays a read-only default.

:func:`roads_in_use` is the one place that says which road file a region's travel times are built from;
:func:`planning.store.stored.with_stored_figures` lays it (and the stored speeds) over the region, so every page,
export and command computes with the network in use.
"""

from __future__ import annotations

import dataclasses
import os
import re
import secrets
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from geo.errors import Problem, ValidationError
from geo.osm import RoadSourceError, find_road_file
from geo.roadlayer import is_line_layer
from geo.speeds import SPEEDS_COLUMNS, SpeedProfile, folder_speed_profile, speed_profile_from_table, speeds_table
from planning.store.db import default_db_path
from planning.store.settings import RegionSettingsStore, StoredSetting

if TYPE_CHECKING:
    from geo.network import RoadNetwork
    from geo.osm import ProgressCallback
    from geo.region import Region

ROADS_KEY = "roads"
"""Setting key of the imported road network of a region."""
SPEEDS_KEY = "speeds"
"""Setting key of the class speeds a planner set for a region."""
ROADS_DIR_NAME = "roads"
"""Folder beside the database holding the imported road files, one sub-folder per region."""
STORED_SPEEDS_NAME = "stored speeds"
"""Name of a profile read from the stored speeds."""
OSM_SUFFIXES = (".osm.pbf", ".osm", ".osm.gz", ".osm.bz2")
"""OSM files a planner may import by path."""
SOURCE_KINDS = ("file", "download", "layer")
"""What an imported network came from: an OSM file by path, an OpenStreetMap download, a road line layer."""
M_PER_KM = 1000.0
BYTES_PER_MB = 1024 * 1024


class RoadImportError(ValidationError, RoadSourceError):
    """A road source that cannot be imported (no such file, another kind of file, no road of the region): one
    problem naming the file and the fix, shown in the reader's language (``problem.<key>``)."""

    def __init__(self, file: str, message: str, fix: str, *, key: str):
        super().__init__([Problem(file, message, fix, key=key)])


@dataclass(frozen=True)
class RoadsInUse:
    """Which road file a region's travel times are built from, and what is known about it.

    Parameters
    ----------
    path : Path or None
        The road file (None: no roads, the straight-line estimate).
    origin : {"imported", "folder", "none"}
        An imported network of the deployment, the region folder's own road file, or none.
    record : dict
        For an imported network: ``kind`` (:data:`SOURCE_KINDS`), ``file`` (the name given), ``ways``, ``km``,
        ``km_by_class``, ``nodes``, ``edges``; empty otherwise.
    updated_at, updated_by : str
        When (UTC, ISO 8601) and by whom the network was imported ("" for the folder's).
    """

    path: Path | None
    origin: str
    record: dict[str, Any] = dataclasses.field(default_factory=dict)
    updated_at: str = ""
    updated_by: str = ""

    def summary(self) -> dict[str, Any]:
        """What ``info --json`` says about the network in use: origin, source kind, file, ways, km by class."""
        name = self.record.get("file") or (self.path.name if self.path is not None else None)
        return {
            "origin": self.origin,
            "source": self.record.get("kind", "folder" if self.path is not None else None),
            "file": name,
            "ways": self.record.get("ways"),
            "km": self.record.get("km"),
            "km_by_class": self.record.get("km_by_class", {}),
            "imported_at": self.updated_at or None,
            "imported_by": self.updated_by or None,
        }


def deployment_dir(db_path: str | Path | None = None) -> Path:
    """The deployment's data folder: the database's (``QORGAU_SCENARIO_DB``, else the user's data folder)."""
    return Path(db_path if db_path is not None else default_db_path()).expanduser().resolve().parent


def roads_folder(region_id: str, db_path: str | Path | None = None) -> Path:
    """``roads/<region id>`` beside the database (the id made safe as a folder name)."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", str(region_id)).strip("._") or "region"
    return deployment_dir(db_path) / ROADS_DIR_NAME / safe


def roads_in_use(region: Region, db_path: str | Path | None = None) -> RoadsInUse:
    """The road file ``region`` computes with: the deployment's imported network when there is one (and its file
    is there), else the folder's own road file, else none.

    ``db_path`` None: the app's database; a database that does not exist yet holds nothing (it is not created).
    """
    stored = _stored(region.region_id, ROADS_KEY, db_path)
    if stored is not None:
        path = deployment_dir(db_path) / str(stored.value.get("path", ""))
        if stored.value.get("path") and path.is_file():
            return RoadsInUse(path, "imported", dict(stored.value), stored.updated_at, stored.updated_by)
    folder_file = find_road_file(region.path)  # the folder's own, also when ``region`` has the import laid over
    return RoadsInUse(folder_file, "folder" if folder_file is not None else "none")


def speeds_in_use(region: Region, db_path: str | Path | None = None) -> SpeedProfile:
    """The class speeds ``region`` computes with: the speeds stored for it, else the folder's (its ``speeds.csv``,
    else the built-in ones); no adjustments."""
    import pandas as pd

    folder = folder_speed_profile(region.path)
    stored = _stored(region.region_id, SPEEDS_KEY, db_path)
    if stored is None:
        return folder
    table = pd.DataFrame(stored.value.get("rows", []), columns=list(SPEEDS_COLUMNS))
    return speed_profile_from_table(table, name=STORED_SPEEDS_NAME, source="deployment", base=folder)


def save_speeds(region: Region, profile: SpeedProfile, *, user: str, db_path: str | Path | None = None) -> None:
    """Store the class speeds of ``profile`` for ``region`` (audited "edit speeds"); the folder is not written."""
    rows = speeds_table(profile).to_dict(orient="records")
    RegionSettingsStore(db_path).set(region.region_id, SPEEDS_KEY, {"rows": rows}, user=user, action="edit speeds")


def remove_speeds(region: Region, *, user: str, db_path: str | Path | None = None) -> bool:
    """Drop the stored speeds of ``region`` (audited "reset speeds"), so the folder's apply again; False when none
    were stored."""
    return RegionSettingsStore(db_path).remove(region.region_id, SPEEDS_KEY, user=user, action="reset speeds")


def source_kind(source: str | Path) -> str:
    """``"file"`` for an OSM file, ``"layer"`` for a road line layer, by its name.

    Raises
    ------
    RoadImportError
        Neither (the message lists what can be imported).
    """
    name = Path(source).name.lower()
    if name.endswith(OSM_SUFFIXES):
        return "file"
    if is_line_layer(name):
        return "layer"
    raise RoadImportError(
        Path(source).name,
        "cannot import this kind of file.",
        "give an OpenStreetMap file (.osm.pbf, .osm, .osm.gz, .osm.bz2) or a road line layer (.geojson, .gpkg, "
        "zipped Shapefile .zip).",
        key="roadstore_kind",
    )


def import_roads(
    region: Region,
    source: str | Path,
    *,
    user: str,
    profile: SpeedProfile,
    db_path: str | Path | None = None,
    progress: ProgressCallback | None = None,
    kind: str | None = None,
    name: str | None = None,
) -> RoadsInUse:
    """Import a road source for ``region`` into the deployment's data and make it the network in use.

    The file is linked (or copied) into a new folder under :func:`roads_folder`, the network is built from it
    (and cached), and only then is the record written (audited "import roads"); the previous import's files are
    removed after that. A source that cannot be built leaves everything as it was.

    Parameters
    ----------
    region : geo.region.Region
    source : path
        An OSM file or a road line layer on this server.
    user : str
        Who imports (audit).
    profile : SpeedProfile
        The speeds the network is built with (the cache warmed for them).
    db_path : path, optional
        The database (default: the app's).
    progress : callable, optional
        ``progress(fraction, message)``.
    kind : str, optional
        :data:`SOURCE_KINDS`; default from the file name (:func:`source_kind`).
    name : str, optional
        The source's name to record (default: the file name).

    Returns
    -------
    RoadsInUse

    Raises
    ------
    RoadSourceError, geo.errors.ValidationError
        The file does not exist, is of another kind, or holds no usable roads (nothing is changed).
    """
    source = Path(source).expanduser()
    kind = kind or source_kind(source)
    if not source.is_file():
        raise RoadImportError(
            source.name, "no such file on this server.", "give the full path of the file.", key="roadstore_no_file"
        )
    folder = roads_folder(region.region_id, db_path)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    target_dir = folder / f"{stamp}-{secrets.token_hex(3)}"
    target_dir.mkdir(parents=True, exist_ok=False)
    target = target_dir / source.name  # its own name, so that every message names the file the planner gave
    try:
        _link_or_copy(source.resolve(), target)
        record = describe_road_file(region, target, profile=profile, progress=progress, kind=kind)
    except BaseException:
        shutil.rmtree(target_dir, ignore_errors=True)
        raise
    return _record(region, target, record, name=name or source.name, user=user, db_path=db_path)


def download_roads(
    region: Region,
    *,
    user: str,
    profile: SpeedProfile,
    db_path: str | Path | None = None,
    progress: ProgressCallback | None = None,
) -> RoadsInUse:
    """Download the region's roads from OpenStreetMap (Overpass) into the deployment's data and make them the
    network in use (audited "import roads"). Needs the internet: raises :class:`geo.osm.DownloadError` at once
    without it, and then nothing is changed."""
    from geo.osm import check_overpass_reachable, download_region
    from geo.region import outline_degrees

    check_overpass_reachable()
    folder = roads_folder(region.region_id, db_path)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    target_dir = folder / f"{stamp}-{secrets.token_hex(3)}"
    try:
        written = download_region(
            target_dir, outline_degrees(region), profile=profile, progress=_scaled(progress, 0.0, 0.5), roads_only=True
        )
        target = written["roads"]
        record = describe_road_file(
            region, target, profile=profile, progress=_scaled(progress, 0.5, 1.0), kind="download"
        )
    except BaseException:
        shutil.rmtree(target_dir, ignore_errors=True)
        raise
    return _record(region, target, record, name="OpenStreetMap (Overpass)", user=user, db_path=db_path)


def remove_roads(region: Region, *, user: str, db_path: str | Path | None = None) -> bool:
    """Drop the imported network of ``region`` (audited "remove roads") and its files; the folder's own road file
    (if any) is in use again. False when none was imported."""
    stored = _stored(region.region_id, ROADS_KEY, db_path)
    removed = RegionSettingsStore(db_path).remove(region.region_id, ROADS_KEY, user=user, action="remove roads")
    if stored is not None and stored.value.get("path"):
        _remove_import(deployment_dir(db_path) / str(stored.value["path"]), db_path)
    return removed


@dataclass(frozen=True)
class CacheStatus:
    """Cached networks of a road file: how many (one per speed profile and clip), their size in MB, and where."""

    files: int
    size_mb: float
    folder: Path


def cache_status(road_file: str | Path | None) -> CacheStatus:
    """What the user's network cache (:func:`geo.osm.network_cache_dir`) holds for this road file."""
    from geo.osm import file_sha256, network_cache_dir

    folder = network_cache_dir()
    if road_file is None or not Path(road_file).is_file():
        return CacheStatus(files=0, size_mb=0.0, folder=folder)
    files = sorted(folder.glob(f"network-{file_sha256(road_file)[:12]}-*.npz"))
    return CacheStatus(files=len(files), size_mb=sum(f.stat().st_size for f in files) / BYTES_PER_MB, folder=folder)


def network_km(network: RoadNetwork) -> float:
    """Length of a network's roads, km: every road once, whichever way it may be driven."""
    import numpy as np

    if network.n_edges == 0:
        return 0.0
    tails, heads = network.edge_from.astype(np.int64), network.edge_to.astype(np.int64)
    low, high = np.minimum(tails, heads), np.maximum(tails, heads)
    _, first = np.unique(low * (network.n_nodes + 1) + high, return_index=True)
    return float(network.edge_length_m[first].sum() / M_PER_KM)


def describe_road_file(
    region: Region, path: Path, *, profile: SpeedProfile, progress: ProgressCallback | None = None, kind: str = "file"
) -> dict[str, Any]:
    """Build the network of a road file for ``region`` (or read it from the cache) and say what it holds: ``kind``,
    ``nodes``, ``edges``, ``km``, ``ways``, ``km_by_class`` (as an import records it).

    Raises
    ------
    RoadSourceError, geo.errors.ValidationError
        The file cannot be read, or holds no drivable road of the region.
    """
    from geo.osm import build_network
    from geo.region import outline_degrees

    if kind not in SOURCE_KINDS:
        raise ValueError(f"`kind` must be one of {SOURCE_KINDS}; got {kind!r}")
    boundary = outline_degrees(region)
    network = build_network(
        path, analysis_crs=region.analysis_crs, profile=profile, boundary=boundary, progress=_scaled(progress, 0, 0.8)
    )
    if network.n_edges == 0:
        raise RoadImportError(
            path.name,
            "no drivable road of this region in the file.",
            "check that the file covers the region (a Geofabrik extract of Kazakhstan does) and holds roads for cars.",
            key="roadstore_empty",
        )
    record: dict[str, Any] = {
        "kind": kind,
        "nodes": int(network.n_nodes),
        "edges": int(network.n_edges),
        "km": round(network_km(network), 1),
    }
    if progress is not None:
        progress(0.85, f"{path.name}: kilometres by road class")
    if is_line_layer(path):
        from geo.roadlayer import read_road_layer

        layer = read_road_layer(path, profile=profile, boundary=boundary)
        record.update(ways=layer.pieces, km_by_class=layer.km_by_class, joined_ends=layer.joined_ends)
    else:
        record.update(_osm_class_km(path, boundary))
    if progress is not None:
        progress(1.0, f"{path.name}: {record['ways']:,} ways, {record['km']:,} km")
    return record


def described_in_use(region: Region, in_use: RoadsInUse, *, profile: SpeedProfile) -> RoadsInUse:
    """``in_use`` with its record filled: an import's record as stored, else what the region folder's own road file
    holds (:func:`describe_road_file`: ways, km by class); unchanged without roads or when the file cannot be read
    (the caller says so)."""
    if in_use.record or in_use.path is None:
        return in_use
    from geo.errors import ValidationError
    from geo.osm import RoadSourceError

    try:
        record = describe_road_file(region, in_use.path, profile=profile)
    except (RoadSourceError, ValidationError, OSError):
        return in_use
    return dataclasses.replace(in_use, record=record)


def _osm_class_km(path: Path, boundary: Any) -> dict[str, Any]:
    """Ways and km by ``highway`` class of the drivable ways of an OSM file inside ``boundary``: one more pass with
    the streaming reader, each class timed at a speed that stands for it (its index), no maxspeed or surface."""
    import numpy as np

    from geo.network import _great_circle_m
    from geo.osmfile import read_ways
    from geo.speeds import DEFAULT_PROFILE

    classes = list(DEFAULT_PROFILE.speeds_kmh)
    marker = SpeedProfile(
        name="classes",
        speeds_kmh={c: float(i + 1) for i, c in enumerate(classes)},
        unpaved_factor=1.0,
        use_maxspeed=False,
    )
    ways = read_ways(path, profile=marker, boundary=boundary)
    if ways.n_ways == 0:
        return {"ways": 0, "km_by_class": {}}
    segment_m = _great_circle_m(ways.lat[:-1], ways.lon[:-1], ways.lat[1:], ways.lon[1:])
    way_of = ways.way_of_ref()
    same = way_of[1:] == way_of[:-1]
    km = np.bincount(way_of[1:][same], weights=segment_m[same], minlength=ways.n_ways) / M_PER_KM
    per_class = np.bincount(np.rint(ways.speed_kmh).astype(int) - 1, weights=km, minlength=len(classes))
    by_class = {classes[i]: round(float(v), 1) for i, v in enumerate(per_class) if v > 0}
    return {"ways": int(ways.n_ways), "km_by_class": dict(sorted(by_class.items(), key=lambda item: -item[1]))}


def _record(
    region: Region, target: Path, record: dict[str, Any], *, name: str, user: str, db_path: str | Path | None
) -> RoadsInUse:
    """Write the record of a built import (audited); then remove the previous import's files."""
    previous = _stored(region.region_id, ROADS_KEY, db_path)
    base = deployment_dir(db_path)
    value = {**record, "file": name, "path": target.relative_to(base).as_posix()}
    RegionSettingsStore(db_path).set(region.region_id, ROADS_KEY, value, user=user, action="import roads")
    if previous is not None and previous.value.get("path") and previous.value["path"] != value["path"]:
        _remove_import(base / str(previous.value["path"]), db_path)
    return roads_in_use(region, db_path)


def _remove_import(path: Path, db_path: str | Path | None) -> None:
    """Remove an import's folder (only ever one under the deployment's road folder)."""
    folder = path.parent
    if (deployment_dir(db_path) / ROADS_DIR_NAME) in folder.parents:
        shutil.rmtree(folder, ignore_errors=True)


def _link_or_copy(source: Path, target: Path) -> None:
    partial = target.with_name(f".{target.name}.partial")
    try:
        os.link(source, partial)
    except OSError:  # another file system, or links not allowed: copy (streamed, not read into memory)
        shutil.copyfile(source, partial)
    partial.replace(target)


def _scaled(progress: ProgressCallback | None, low: float, high: float) -> ProgressCallback | None:
    if progress is None:
        return None
    return lambda fraction, message: progress(low + (high - low) * float(fraction), message)


def _stored(region_id: str, key: str, db_path: str | Path | None) -> StoredSetting | None:
    """A stored setting, or None (also when the database does not exist yet: reading never creates it)."""
    path = Path(db_path) if db_path is not None else default_db_path()
    if not path.is_file():
        return None
    return RegionSettingsStore(path).get(region_id, key)
