"""The siting benchmark runs end to end on a tiny instance and agrees with spopt."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent / "bench" / "bench_siting.py"


def test_bench_runs_on_a_tiny_instance_and_matches_spopt():
    completed = subprocess.run(
        [
            sys.executable,
            "-W",
            "ignore",
            str(BENCH),
            "--candidates",
            "25",
            "--settlements",
            "40",
            "--add",
            "3",
            "--pmedian-size",
            "15",
            "--time-limit-s",
            "20",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    out = completed.stdout
    assert "25 candidates x 40 settlements, K = 3, T = 30 min" in out
    for label in ("spopt MCLP", "spopt LSCP", "spopt PMedian"):
        assert label in out
    assert out.count("objective equal: True") == 3
    assert "all exact objectives equal spopt's" in out
