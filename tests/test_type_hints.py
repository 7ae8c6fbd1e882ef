"""Every parameter and every public return in geo/ and planning/ carries a type hint (issue 13): mypy then checks
their bodies, and a reader sees what goes in and what comes out. `make lint` enforces it through pyproject.toml;
this test says so when pytest runs alone."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[1]
HINTED = ["geo", "planning"]


def test_geo_and_planning_annotate_every_parameter_and_public_return():
    try:
        import ruff  # noqa: F401  # the linter of `make lint`, pinned in requirements.txt
    except ImportError:
        pytest.skip("ruff is not installed")
    run = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "--select", "ANN001,ANN201", "--output-format", "concise"]
        + HINTED,
        cwd=PROJECT,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stdout + run.stderr
