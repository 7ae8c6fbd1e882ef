"""Server CPU of drawing the Scenarios map on a rerun whose scenario changed (issue 24): the whole map through
streamlit-folium, as before the map was sent in two parts, against the two-part map of planning.render.layered (the
base from the shared cache, the overlay built and rendered; with a session cache of layers, the layers that did not
change are reused: here the incidents and, on the repeated rerun, everything).

Prints, per way, the minimum and median CPU milliseconds (``time.process_time``) over ``--repeat`` runs, interleaved,
and the characters sent to the browser.

    .venv/bin/python bench/bench_map_parts.py --repeat 7
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from unittest import mock

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))

SECRET = b"bench-only release secret, not for deployment"
RETURNED = ["last_clicked", "last_object_clicked"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=7, help="runs of each way")
    parser.add_argument("--region", default=str(PROJECT / "data" / "default"), help="region folder")
    parser.add_argument("--no-incidents", action="store_true", help="a presenter's map (no incident layer)")
    options = parser.parse_args()

    import streamlit_folium

    from geo.region import load_region
    from planning.analysis import SiteMinutes, evaluate, incident_release, region_network
    from planning.baseline import current_services
    from planning.render.gapmap import scenario_map, scenario_overlay
    from planning.render.layered import (
        BASE_CACHE,
        SESSION_LAYER_ENTRIES,
        ContentCache,
        render_base,
        render_overlay,
    )
    from planning.render.webmap import region_base, region_base_key

    region = load_region(options.region)
    table = SiteMinutes(region_network(region), region.settlements, analysis_crs=region.analysis_crs)
    services = current_services(region)
    cov = evaluate(region, services, table, incidents=incident_release(region, secret=SECRET)).coverage
    release = None if options.no_incidents else cov.release
    common = dict(threshold_minutes=30, lang="ru", k=5, settlement_incidents=release, network=table.network)
    session = ContentCache(SESSION_LAYER_ENTRIES)

    def whole() -> int:
        sent: dict = {}
        fmap = scenario_map(region, services, cov, **common)
        with mock.patch.object(streamlit_folium, "_component_func", lambda **args: sent.update(args)):
            streamlit_folium.st_folium(fmap, key="scen_map", render=False, returned_objects=RETURNED)
        return len(sent["script"]) + len(sent["header"]) + len(sent["html"])

    def two_parts(layer_cache) -> int:
        key = region_base_key(region, lang="ru", network=table.network)
        base = BASE_CACHE.get_or_make(
            key, lambda: render_base(region_base(region, lang="ru", network=table.network), returned_objects=RETURNED)
        )
        overlay = render_overlay(scenario_overlay(region, services, cov, layer_cache=layer_cache, **common), base)
        return len(overlay)

    ways = {
        "whole map (streamlit-folium)": whole,
        "two parts, scenario changed": lambda: two_parts(ContentCache(SESSION_LAYER_ENTRIES)),
        "two parts, nothing changed": lambda: two_parts(session),
    }
    for way in ways.values():  # warm: the shared base, the session's layers, the network's roads
        way()
    times: dict[str, list[float]] = {name: [] for name in ways}
    sizes: dict[str, int] = {}
    for _ in range(options.repeat):
        for name, way in ways.items():
            started = time.process_time()
            sizes[name] = way()
            times[name].append(1000 * (time.process_time() - started))
    print(f"Scenarios map per rerun, {len(region.settlements)} settlements, incidents: {release is not None}")
    for name, values in times.items():
        print(
            f"{name:<32} CPU min {min(values):6.0f} ms  median {statistics.median(values):6.0f} ms  "
            f"sent {sizes[name]:>9,} characters"
        )


if __name__ == "__main__":
    main()
