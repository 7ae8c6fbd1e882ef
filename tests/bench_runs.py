"""Run a benchmark script of ``bench/`` the way its smoke tests do: end to end, exercised, not timed."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "bench"


def run_bench(script: str, *args: str, expected: Iterable[str], timeout_s: float = 300) -> str:
    """Run ``bench/<script>`` with ``args`` from the repository root and check what it printed.

    Fails the calling test when the script exits non-zero (with its stderr) or when a line of ``expected`` is
    missing from its standard output (naming the missing ones); returns that output for further checks.
    """
    result = subprocess.run(
        [sys.executable, str(BENCH_DIR / script), *args],
        capture_output=True,
        text=True,
        timeout=timeout_s,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    missing = [text for text in expected if text not in result.stdout]
    assert not missing, f"bench/{script} did not print {missing}; it printed:\n{result.stdout}"
    return result.stdout
