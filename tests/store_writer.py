"""A process that saves versions of one scenario as the Scenarios page saves them, the store taken from the
environment (:func:`tests.multi_store.store_env`).

``python tests/store_writer.py loop SCENARIO_ID TAG COUNT`` saves in a loop: each round loads the newest version,
appends a site ``<TAG>-<round>`` and saves on that version; every third round also renames the scenario (an audit
log entry). After each commit it prints ``saved <version> <site id>`` (and ``renamed <name>``), flushed, so a test
knows exactly what was committed before it kills the process; a save refused because another process saved first
prints ``conflict <version>`` and the round is tried again (bounded).

``python tests/store_writer.py once SCENARIO_ID TAG GO_FILE`` loads the newest version, prints ``loaded
<version>``, waits until ``GO_FILE`` exists (polled, bounded), then saves one site on the version it loaded and
prints ``saved <version>`` or ``conflict <version>``: two of them started together edit the same version at once.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from planning.scenarios import ScenarioConflict, ScenarioError, Site  # noqa: E402
from planning.store.db import default_db_path  # noqa: E402
from planning.store.scenarios import ScenarioStore  # noqa: E402

TRIES_PER_ROUND = 50
"""Saves refused for a conflict before a round gives up (another writer saving all the time)."""
RENAME_EVERY = 3
"""Every how many rounds the scenario is renamed too."""
GO_WAIT_S = 120.0
"""How long ``once`` waits for its go file, in seconds."""
GO_POLL_S = 0.005
"""How often ``once`` looks for its go file, in seconds."""


def once(scenario_id: int, tag: str, go: Path) -> int:
    store = ScenarioStore(default_db_path())
    current = store.load(scenario_id)
    print(f"loaded {current.version}", flush=True)
    deadline = time.monotonic() + GO_WAIT_S
    while not go.exists():
        if time.monotonic() > deadline:
            print(f"no go file {go} within {GO_WAIT_S} s", flush=True)
            return 1
        time.sleep(GO_POLL_S)
    site = Site(tag, tag, "permanent", 43.0, 68.0)
    try:
        saved = store.save(scenario_id, [*current.sites, site], author=tag, base_version=current.version)
    except ScenarioConflict as exc:
        print(f"conflict {exc.latest_version}", flush=True)
    else:
        print(f"saved {saved.version}", flush=True)
    return 0


def loop(scenario_id: int, tag: str, count: int) -> int:
    store = ScenarioStore(default_db_path())
    print("ready", flush=True)
    for number in range(count):
        site_id = f"{tag}-{number}"
        for _ in range(TRIES_PER_ROUND):
            current = store.load(scenario_id)
            site = Site(site_id, f"{tag} {number}", "permanent", 43.0 + number / 1000, 68.0)
            try:
                saved = store.save(scenario_id, [*current.sites, site], author=tag, base_version=current.version)
            except ScenarioConflict as exc:
                print(f"conflict {exc.latest_version}", flush=True)
                continue
            print(f"saved {saved.version} {site_id}", flush=True)
            break
        else:
            print(f"gave up {site_id}", flush=True)
            return 1
        if number % RENAME_EVERY == RENAME_EVERY - 1:
            current = store.load(scenario_id)
            name = f"writer {tag} {number}"
            try:
                store.rename(scenario_id, name, author=tag, base_name=current.name)
            except ScenarioError:  # renamed by the other writer in between: that one is in the log
                print("rename conflict", flush=True)
            else:
                print(f"renamed {name}", flush=True)
    print("done", flush=True)
    return 0


if __name__ == "__main__":
    mode, scenario, name, last = sys.argv[1:5]
    sys.exit(loop(int(scenario), name, int(last)) if mode == "loop" else once(int(scenario), name, Path(last)))
