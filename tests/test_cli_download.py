"""``python -m planning download-osm`` without internet: the clear message within seconds, nothing written."""

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

from planning import cli

ROOT = Path(__file__).resolve().parent.parent
OFFLINE_LIMIT_S = 5.0


def test_command_table_names_every_command_of_every_module():
    import argparse
    import importlib

    for module in cli.COMMAND_MODULES:
        parser = argparse.ArgumentParser()
        sub = parser.add_subparsers()
        importlib.import_module(module).register(sub, "en")
        assert {name for name, owner in cli.COMMANDS.items() if owner == module} == set(sub.choices), module


def test_download_without_internet_fails_fast_with_the_fix(tmp_path):
    region = tmp_path / "region"
    shutil.copytree(ROOT / "tests" / "data" / "tiny", region)
    before = sorted(p.name for p in region.iterdir())
    with socket.socket() as probe:  # a local port nobody listens on: refused at once, like a machine offline
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "planning", "download-osm", "--region", str(region)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "QORGAU_OVERPASS_URL": f"http://127.0.0.1:{port}/api"},
    )
    elapsed = time.perf_counter() - started
    print(f"download-osm offline: exit {result.returncode} after {elapsed:.2f} s")
    assert result.returncode == 1
    assert "cannot reach the OpenStreetMap server" in result.stderr and "import an .osm.pbf file" in result.stderr
    assert "Traceback" not in result.stderr
    assert elapsed < OFFLINE_LIMIT_S
    assert sorted(p.name for p in region.iterdir()) == before
