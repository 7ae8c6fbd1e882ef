"""Putting a road network into a region folder: import an OSM file already on the server, build it, report status.

The Roads page and the CLI call these; nothing here imports streamlit. The bundled region (``data/default``) is
never written to: a planner copies the folder first.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from geo.errors import QorgauError
from geo.network import RoadNetwork
from geo.osm import (
    ROAD_FILE_NAMES,
    ProgressCallback,
    RoadSourceError,
    build_network,
    download_region,
    file_sha256,
    network_cache_dir,
)
from geo.region import Region, outline_degrees
from geo.settings import DEFAULT_REGION_DIR
from geo.speeds import SPEEDS_FILE_NAME, SpeedProfile, write_speeds_csv
from planning.analysis import speed_profile_of

IMPORT_SUFFIXES = {
    ".osm.pbf": "roads.osm.pbf",
    ".osm": "roads.osm",
    ".osm.gz": "roads.osm.gz",
    ".osm.bz2": "roads.osm.bz2",
}
"""Files a planner may import by path, and the name each gets in the region folder."""
BYTES_PER_MB = 1024 * 1024


class RegionWriteError(QorgauError, PermissionError):
    """A region folder that may not or cannot be written to.

    ``reason`` is ``"bundled"`` (the bundled ``data/default``: copy the folder first) or ``"read_only"``.
    """

    def __init__(self, path: Path, reason: str):
        self.path, self.reason = path, reason
        fix = (
            "copy the region folder elsewhere and open the copy"
            if reason == "bundled"
            else "copy the region folder to a writable place or grant write access"
        )
        super().__init__(f"region folder {path} may not be written to ({reason}). Fix: {fix}.")


def check_writable(region_dir: str | Path) -> Path:
    """``region_dir`` resolved, if Qorgau may write into it; else :class:`RegionWriteError`."""
    path = Path(region_dir).resolve()
    if path == DEFAULT_REGION_DIR.resolve() or DEFAULT_REGION_DIR.resolve() in path.parents:
        raise RegionWriteError(path, "bundled")
    if not path.is_dir() or not os.access(path, os.W_OK | os.X_OK):
        raise RegionWriteError(path, "read_only")
    return path


def road_file_name(source: str | Path) -> str:
    """The name ``source`` gets in a region folder (``roads.osm.pbf`` or ``roads.osm``).

    Raises
    ------
    RoadSourceError
        When ``source`` is not an existing ``.osm`` / ``.osm.pbf`` file.
    """
    source = Path(source).expanduser()
    name = next((target for suffix, target in IMPORT_SUFFIXES.items() if source.name.lower().endswith(suffix)), None)
    if name is None:
        raise RoadSourceError(f"expected an .osm.pbf, .osm, .osm.gz or .osm.bz2 file; got {source.name!r}")
    if not source.is_file():
        raise RoadSourceError(f"no file at {source}")
    return name


def import_road_file(source: str | Path, region_dir: str | Path) -> Path:
    """Link (or, across file systems, copy) an OSM file into a region folder as its road file.

    The region's other road files (:data:`geo.osm.ROAD_FILE_NAMES`) are removed, so the
    imported one is the one used. The source file is not changed.

    Parameters
    ----------
    source : path
        An ``.osm.pbf``, ``.osm``, ``.osm.gz`` or ``.osm.bz2`` file on this machine.
    region_dir : path
        A writable region folder (not the bundled one).

    Returns
    -------
    Path
        The road file in the region folder.
    """
    folder = check_writable(region_dir)
    source = Path(source).expanduser().resolve()
    target = folder / road_file_name(source)
    if source == target:
        return target
    partial = folder / f".{target.name}.partial"
    partial.unlink(missing_ok=True)
    try:
        os.link(source, partial)
    except OSError:  # another file system, or links not allowed: copy (streamed, not read into memory)
        shutil.copyfile(source, partial)
    for name in ROAD_FILE_NAMES:
        if name != target.name:
            (folder / name).unlink(missing_ok=True)
    partial.replace(target)
    return target


def build_region_network(
    region: Region,
    road_file: str | Path | None = None,
    *,
    profile: SpeedProfile | None = None,
    progress: ProgressCallback | None = None,
) -> RoadNetwork:
    """Build (or read from the cache) the network of ``road_file`` (default: the region's own) for ``region``,
    with the same clip and cache key as :func:`planning.analysis.region_network`; ``profile`` defaults to the
    region's (:func:`planning.analysis.speed_profile_of`)."""
    path = road_file if road_file is not None else region.roads_path
    if path is None:
        raise RoadSourceError(f"region folder {region.path} has no road file")
    profile = profile if profile is not None else speed_profile_of(region)
    return build_network(
        path, analysis_crs=region.analysis_crs, profile=profile, boundary=outline_degrees(region), progress=progress
    )


def save_region_speeds(profile: SpeedProfile, region_dir: str | Path) -> Path:
    """Write the class speeds of ``profile`` to the region folder's ``speeds.csv`` (replacing it whole).

    Raises :class:`RegionWriteError` before anything is written when the folder may not be written to; a failed
    write leaves the old file as it was (see :func:`geo.speeds.write_speeds_csv`).

    Returns
    -------
    Path
        The folder's ``speeds.csv``.
    """
    folder = check_writable(region_dir)
    return write_speeds_csv(profile, folder / SPEEDS_FILE_NAME)


def remove_region_speeds(region_dir: str | Path) -> Path:
    """Remove the region folder's ``speeds.csv``, so the built-in speeds apply again (no file: nothing to do).

    Raises :class:`RegionWriteError` when the folder may not be written to.
    """
    folder = check_writable(region_dir)
    path = folder / SPEEDS_FILE_NAME
    path.unlink(missing_ok=True)
    return path


@dataclass(frozen=True)
class CacheStatus:
    """Cached networks of a road file: how many (one per speed profile and clip), their size in MB, and where."""

    files: int
    size_mb: float
    folder: Path


def cache_status(road_file: str | Path | None) -> CacheStatus:
    """What the user's network cache (:func:`geo.osm.network_cache_dir`) holds for this road file."""
    folder = network_cache_dir()
    if road_file is None or not Path(road_file).is_file():
        return CacheStatus(files=0, size_mb=0.0, folder=folder)
    files = sorted(folder.glob(f"network-{file_sha256(road_file)[:12]}-*.npz"))
    return CacheStatus(files=len(files), size_mb=sum(f.stat().st_size for f in files) / BYTES_PER_MB, folder=folder)


def download_region_files(
    region: Region, *, profile: SpeedProfile | None = None, progress: ProgressCallback | None = None
) -> dict[str, Path]:
    """Download roads (and districts/settlements the folder lacks) from OpenStreetMap into the region's folder.

    Needs the internet; raises :class:`RegionWriteError` before any download when the folder may not be written
    to, and :class:`geo.osm.DownloadError` at once when the server cannot be reached or the download fails. See
    :func:`geo.osm.download_region`.
    """
    folder = check_writable(region.path)
    profile = profile if profile is not None else speed_profile_of(region)
    return download_region(folder, outline_degrees(region), profile=profile, progress=progress)
