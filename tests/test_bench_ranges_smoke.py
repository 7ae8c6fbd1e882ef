"""The ranges benchmark runs end to end on the tiny region and prints its timings and the two choices."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import TINY

BENCH = Path(__file__).resolve().parent.parent / "bench" / "bench_ranges.py"


def test_bench_ranges_runs_on_the_tiny_region():
    completed = subprocess.run(
        [sys.executable, str(BENCH), "--region", str(TINY), "--draws", "10", "--robust", "--add", "1"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    out = completed.stdout
    assert "ranges: 10 draws x 2 thresholds in" in out and "us per draw" in out
    assert "robust:" in out and "ms per draw" in out and "on fresh draws (seed + 1)" in out
    # the baseline it names, the ratio, and the check that both give the same choices
    assert "baseline (one planning.siting.maximal_coverage per draw" in out and "x per draw" in out
    assert "same choice in 10 of 10 draws" in out
