"""The click-to-settled benchmark (bench/bench_ui.py) runs end to end, tiny: one session, one repetition, the Map
page and its threshold (exercised, not timed)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from bench_runs import run_bench

CHROMIUM = os.environ.get("QORGAU_CHROMIUM", "/usr/bin/chromium")


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"Chromium not found at {CHROMIUM}")
def test_bench_ui_runs_tiny():
    output = run_bench(
        "bench_ui.py",
        *("--repeat", "1", "--sessions", "1", "--only", "→ map,Map threshold"),
        expected=("bare page radio", "first load", "→ map", "Map threshold", "server memory (RSS): idle", "ratios"),
        timeout_s=600,
    )
    assert "Scenarios add site" not in output  # only what was asked for is timed
