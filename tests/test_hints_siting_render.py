"""Every parameter and every public return of the siting core, its adapter and the renderers carries a type hint
(issue 13): mypy then checks their bodies, and a reader sees what goes in and what comes out."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[1]
HINTED = ["planning/siting.py", "planning/suggest.py", "planning/render"]


def test_siting_suggest_and_render_annotate_every_parameter_and_public_return():
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
