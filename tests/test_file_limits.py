"""A too-large file is called too large, with its name, its size and the limit, before it is parsed (issue 21, item
6): region folder layers and region.json, road line layers, OSM files, tables on disk and uploads; and the real data
stay under every limit, so they still load."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import PROJECT, SHARED_TURKISTAN, TINY

import geo.osmfile
import geo.region
import geo.roadlayer
import geo.tabular
from geo.errors import RegionError, ValidationError
from geo.osmfile import OsmFileError, OsmFileTooLarge, read_ways
from geo.region import load_region
from geo.roadlayer import read_road_layer
from geo.speeds import DEFAULT_PROFILE
from geo.tabular import (
    BYTES_PER_MB,
    MAX_OSM_FILE_BYTES,
    MAX_REGION_LAYER_BYTES,
    MAX_REGION_META_BYTES,
    MAX_ROAD_LAYER_BYTES,
    MAX_TABLE_BYTES,
    read_table,
)
from planning.i18n import t

SHARED_OSM = PROJECT.parent / "shared" / "data" / "osm"
SAFETY_FACTOR = 10
"""The real files stay at least this many times under their limit."""


def _padded_geojson(path: Path, source: Path, size_bytes: int) -> None:
    """``source`` (a GeoJSON file) padded with trailing spaces to ``size_bytes``: still valid GeoJSON, so only its
    size can refuse it."""
    data = source.read_bytes()
    path.write_bytes(data + b" " * (size_bytes - len(data)))


def _no_parsing(monkeypatch):
    """Fail the test if a GeoJSON or layer parser is reached."""

    def refuse(*args, **kwargs):
        raise AssertionError("the file was parsed before its size was checked")

    monkeypatch.setattr(geo.region.gpd, "read_file", refuse)


def _region_with(tmp_path: Path, name: str, size_bytes: int) -> Path:
    folder = tmp_path / "region"
    shutil.copytree(TINY, folder)
    _padded_geojson(folder / name, TINY / name, size_bytes)
    return folder


@pytest.mark.parametrize("layer", ["districts.geojson", "boundary.geojson"])
def test_a_too_large_region_layer_is_named_with_its_size_and_the_limit_before_parsing(monkeypatch, tmp_path, layer):
    monkeypatch.setattr(geo.region, "MAX_REGION_LAYER_BYTES", BYTES_PER_MB)
    folder = _region_with(tmp_path, layer, 3 * BYTES_PER_MB)
    parse = geo.region.gpd.read_file

    def only_small(source, *args, **kwargs):
        assert Path(source).name != layer, f"{layer} was parsed before its size was checked"
        return parse(source, *args, **kwargs)

    monkeypatch.setattr(geo.region.gpd, "read_file", only_small)
    with pytest.raises(RegionError) as refused:
        load_region(folder)
    (problem,) = [p for p in refused.value.problems if p.key == "region_layer_too_large"]
    assert problem.file == layer and dict(problem.params) == {"size_mb": 3.0, "limit_mb": 1}
    assert f"{layer}: file is 3.0 MB; the limit is 1 MB" in str(refused.value)
    assert "cannot be read" not in str(refused.value)
    params = dict(problem.params)
    assert t("problem.region_layer_too_large", "ru", **params).startswith("файл 3 МБ; предел 1 МБ")
    assert t("problem.region_layer_too_large", "kk", **params).startswith("файл 3 МБ; шегі 1 МБ")
    assert "mapshaper" in t("problem.region_layer_too_large.fix", "ru")


def test_the_cli_calls_a_17_mb_districts_file_too_large_in_the_users_language(tmp_path):
    size = MAX_REGION_LAYER_BYTES + BYTES_PER_MB
    folder = _region_with(tmp_path, "districts.geojson", size)
    for lang, words in (("en", "the limit is 16 MB"), ("ru", "предел 16 МБ"), ("kk", "шегі 16 МБ")):
        done = subprocess.run(
            [sys.executable, "-m", "planning", "--lang", lang, "info", "--region", str(folder)],
            cwd=PROJECT,
            env={**os.environ},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 2, done.stderr
        assert "districts.geojson" in done.stderr and "17" in done.stderr and words in done.stderr, done.stderr
        assert "GeoJSON" not in done.stderr.split("districts.geojson", 1)[1].split("\n")[0]  # not "cannot be read"


def test_an_upload_of_points_over_the_layer_limit_is_refused_before_parsing(monkeypatch):
    monkeypatch.setattr(geo.region, "MAX_REGION_LAYER_BYTES", 1024)
    _no_parsing(monkeypatch)
    problems: list = []
    data = (TINY / "districts.geojson").read_bytes() + b" " * 2048
    assert geo.region._read_geojson(data, problems, name="candidates.geojson") is None
    assert [(p.file, p.key) for p in problems] == [("candidates.geojson", "region_layer_too_large")]


def test_a_too_large_region_json_is_named(monkeypatch, tmp_path):
    monkeypatch.setattr(geo.region, "MAX_REGION_META_BYTES", 512)
    folder = tmp_path / "region"
    shutil.copytree(TINY, folder)
    text = (folder / "region.json").read_text(encoding="utf-8")
    (folder / "region.json").write_text(text + " " * 1024, encoding="utf-8")
    with pytest.raises(RegionError) as refused:
        load_region(folder)
    assert any(p.key == "region_meta_too_large" and p.file == "region.json" for p in refused.value.problems)


def test_a_too_large_road_layer_is_refused_before_gdal_reads_it(monkeypatch, tmp_path):
    monkeypatch.setattr(geo.roadlayer, "MAX_ROAD_LAYER_BYTES", 64 * 1024)
    layer = tmp_path / "south_strip.geojson"
    shutil.copy(SHARED_TURKISTAN / "roads" / "south_strip.geojson", layer)
    import pyogrio

    def refuse(*args, **kwargs):
        raise AssertionError("the road layer was opened before its size was checked")

    monkeypatch.setattr(pyogrio, "list_layers", refuse)
    with pytest.raises(ValidationError) as refused:
        read_road_layer(layer, profile=DEFAULT_PROFILE)
    (problem,) = refused.value.problems
    assert problem.key == "road_layer_too_large" and problem.file == "south_strip.geojson"
    assert dict(problem.params)["size_mb"] == 1.1
    assert "south_strip.geojson: file is 1.1 MB; the limit is 0 MB" in str(refused.value)
    assert "предел" in t("problem.road_layer_too_large", "ru", **dict(problem.params))


def test_a_too_large_osm_file_is_refused_before_it_is_streamed(monkeypatch):
    monkeypatch.setattr(geo.osmfile, "MAX_OSM_FILE_BYTES", 1024 * 1024)

    def refuse(*args, **kwargs):
        raise AssertionError("the OSM file was read before its size was checked")

    monkeypatch.setattr(geo.osmfile.osmium, "FileProcessor", refuse)
    with pytest.raises(OsmFileTooLarge) as refused:
        read_ways(SHARED_OSM / "monaco.osm.pbf", profile=DEFAULT_PROFILE)
    assert isinstance(refused.value, OsmFileError) and isinstance(refused.value, ValidationError)
    (problem,) = refused.value.problems
    assert problem.key == "osm_file_too_large" and problem.file == "monaco.osm.pbf"
    assert "monaco.osm.pbf: file is 1.7 MB; the limit is 1 MB" in str(refused.value)
    assert "osmium extract" in t("problem.osm_file_too_large.fix", "kk")


def test_a_too_large_table_on_disk_is_refused_without_reading_it(monkeypatch, tmp_path):
    monkeypatch.setattr(geo.tabular, "MAX_TABLE_BYTES", 1024)
    table = tmp_path / "incidents.csv"
    table.write_text("settlement,period,count\n" + "s1,2023,1\n" * 200, encoding="utf-8")

    def refuse(self):
        raise AssertionError("the table was read before its size was checked")

    monkeypatch.setattr(Path, "read_bytes", refuse)
    frame, problems = read_table(table, name="incidents.csv")
    assert frame is None and [(p.file, p.key) for p in problems] == [("incidents.csv", "table_too_large")]


def test_the_real_data_stay_well_under_every_limit_and_load():
    layers = [p for p in SHARED_TURKISTAN.glob("*.geojson")]
    assert layers and max(p.stat().st_size for p in layers) * SAFETY_FACTOR < MAX_REGION_LAYER_BYTES
    assert (SHARED_TURKISTAN / "region.json").stat().st_size * SAFETY_FACTOR < MAX_REGION_META_BYTES
    roads = list((SHARED_TURKISTAN / "roads").glob("*.geojson"))
    assert roads and max(p.stat().st_size for p in roads) * SAFETY_FACTOR < MAX_ROAD_LAYER_BYTES
    assert max(p.stat().st_size for p in SHARED_OSM.glob("*.osm*")) * SAFETY_FACTOR < MAX_OSM_FILE_BYTES
    assert (SHARED_TURKISTAN / "kato_turkistan_shymkent.csv").stat().st_size * SAFETY_FACTOR < MAX_TABLE_BYTES
    region = load_region(SHARED_TURKISTAN)
    assert len(region.settlements) == 940 and len(region.districts) >= 20
    largest = max(roads, key=lambda p: p.stat().st_size)
    assert read_road_layer(largest, profile=DEFAULT_PROFILE).pieces > 0
