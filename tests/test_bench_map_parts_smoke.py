"""The two-part map benchmark runs end to end on the bundled region (exercised, not timed)."""

from bench_runs import run_bench


def test_bench_map_parts_runs():
    out = run_bench(
        "bench_map_parts.py",
        "--repeat",
        "1",
        expected=("whole map (streamlit-folium)", "two parts, scenario changed", "two parts, nothing changed"),
    )
    assert "incidents: True" in out
