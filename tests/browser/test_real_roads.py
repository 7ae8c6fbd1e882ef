"""A region made of one real OpenStreetMap extract (rural north Bayreuth: roads and village place nodes, ODbL):
the dashboard imports its roads and the map shows travel times over the real network, not the estimate.
"""

from __future__ import annotations

import json
from pathlib import Path

import osmium
import pytest

from tests.browser.conftest import ARTIFACTS, map_frame, open_page, sign_in, start_streamlit, wait_idle

SHARED_OSM = Path(__file__).resolve().parents[3] / "shared" / "data" / "osm"
EXTRACT = SHARED_OSM / "north-bayreuth.osm.gz"
SERVICE_VILLAGES = 2


def _real_region(folder: Path) -> Path:
    """Boundary = the extract's node extent; settlements = its place nodes; services = the first villages."""
    places, lons, lats = [], [], []
    for node in osmium.FileProcessor(str(EXTRACT), osmium.osm.NODE):
        lons.append(node.location.lon)
        lats.append(node.location.lat)
        kind = node.tags.get("place")
        if kind in ("town", "village", "hamlet") and node.tags.get("name"):
            places.append((node.id, node.tags.get("name"), kind, node.location.lat, node.location.lon))
    west, east, south, north = min(lons), max(lons), min(lats), max(lats)
    folder.mkdir(parents=True)
    (folder / "region.json").write_text(
        json.dumps(
            {
                "id": "bayreuth-north",
                "name": {"ru": "Север Байройта", "kk": "Байройттың солтүстігі", "en": "North Bayreuth"},
                "sources": [
                    {
                        "files": ["*"],
                        "name": "OpenStreetMap (graphhopper test extract)",
                        "licence": "ODbL 1.0, © OpenStreetMap contributors",
                    }
                ],
                "analysis_crs": "EPSG:32632",
            }
        )
    )
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    (folder / "boundary.geojson").write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"id": "b"},
                        "geometry": {"type": "Polygon", "coordinates": [ring]},
                    }
                ],
            }
        )
    )
    lines = ["id,name,place,lat,lon"] + [f"n{i},{name},{kind},{lat},{lon}" for i, name, kind, lat, lon in places]
    (folder / "settlements.csv").write_text("\n".join(lines) + "\n")
    villages = [p for p in places if p[2] == "village"][:SERVICE_VILLAGES]
    rows = ["id,name,kind,lat,lon"] + [f"svc{i},{name},permanent,{lat},{lon}" for i, name, _, lat, lon in villages]
    (folder / "services.csv").write_text("\n".join(rows) + "\n")
    (folder / "roads.osm.gz").write_bytes(EXTRACT.read_bytes())
    return folder


@pytest.mark.skipif(not EXTRACT.is_file(), reason=f"real OSM extract not found at {EXTRACT} (../shared/data/osm)")
def test_map_uses_the_real_road_network(users, page, tmp_path):
    region = _real_region(tmp_path / "region")
    process, url = start_streamlit(region, {"QORGAU_SCENARIO_DB": str(users)})
    try:
        sign_in(page, url, "pat")
        open_page(page, "Карта")
        frame = map_frame(page, timeout_ms=120_000)
        wait_idle(page, timeout_ms=120_000, new_run=False)
        body = page.locator("body").inner_text()
        assert "по дорожной сети" in body and "оценка по прямой" not in body
        legend = frame.locator(".qorgau-legend").text_content()
        assert "до 30 мин до службы" in legend
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "map_real_roads_ru.png"), full_page=True)
        open_page(page, "Дороги")
        page.get_by_text("roads.osm.gz").first.wait_for(timeout=120_000)  # the road-file status, once built
        page.screenshot(path=str(ARTIFACTS / "roads_real_ru.png"), full_page=True)
        assert page.requests.external() == [], page.requests.external()
    finally:
        process.terminate()
        process.wait(timeout=10)
