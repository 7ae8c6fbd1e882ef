"""The PDF report: rendered to PNG pages with pdftoppm, its text read back with pdftotext."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import DEFAULT_REGION, SHARED_TURKISTAN, TEST_SECRET, needs_shared

from geo.region import load_region
from planning.analysis import SiteMinutes, evaluate, incident_release
from planning.baseline import baseline_services, current_services
from planning.i18n import fmt_count, fmt_number, t
from planning.render.report import area_label, incident_pair, key_figures, region_pdf

pytestmark = pytest.mark.skipif(
    not shutil.which("pdftoppm") or not shutil.which("pdftotext"),
    reason="poppler-utils (pdftoppm, pdftotext) not installed: `make chromium`",
)
K = 5


def _pages(pdf: bytes, tmp_path: Path) -> list[str]:
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(path), str(tmp_path / "page")], check=True)
    pngs = sorted(tmp_path.glob("page-*.png"))
    assert pngs and all(p.stat().st_size > 1000 for p in pngs)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True).stdout
    pages = text.split("\f")
    pages = [p for p in pages if p.strip()]
    assert len(pages) == len(pngs)
    return pages


def _flat(text: str) -> str:
    return " ".join(text.replace("\u202f", " ").replace("\u00a0", " ").split())


def _setup(path: Path):
    region = load_region(path)
    table = SiteMinutes(None, region.settlements, analysis_crs=region.analysis_crs)
    incidents = incident_release(region, secret=TEST_SECRET, k=K)
    return region, table, incidents


def test_region_report_on_the_default_region_in_kazakh(tmp_path):
    region, table, incidents = _setup(DEFAULT_REGION)
    services = current_services(region)
    pdf = region_pdf(region, [("Base", services)], table, lang="kk", incidents=incidents)
    pages = _pages(pdf, tmp_path)
    assert len(pages) >= 2
    demo = _flat(t("report.demo", "kk"))
    for page in pages:  # the incidents are synthetic: every page says so
        assert demo in _flat(page)
    text = _flat("\n".join(pages))
    assert "Түркістан облысы және Шымкент қаласы" in text  # Kazakh letters survive (embedded DejaVu)
    result = evaluate(region, services, table, incidents=incidents)
    for figure in key_figures(result, lang="kk"):
        assert _flat(figure.value) in text
    assert "CC BY 4.0" in text and "GeoNames" in text  # licence lines
    assert _flat(table.describe("kk")) in text  # the method of the estimate, in the language of the report


@needs_shared
def test_district_report_with_two_scenarios(tmp_path):
    region, table, incidents = _setup(SHARED_TURKISTAN)
    assert incidents is None and not region.incidents_synthetic
    base = baseline_services(region)
    district = "KZ611600"
    name = area_label(region, district, "ru")
    fewer = base[base["district_id"] != district]
    pdf = region_pdf(region, [("Базовый", base), ("Без службы", fewer)], table, lang="ru", district_id=district)
    text = _flat("\n".join(_pages(pdf, tmp_path)))
    assert name in text and "Арысь" in text
    assert t("report.demo", "ru") not in text  # no synthetic incidents, no demo line
    b = evaluate(region, fewer, table, incidents=None).coverage.districts[district].within["60"]
    assert _flat(fmt_number(b.settlements_total - b.settlements_covered, "ru")) in text
    assert "Сравнение сценариев" in text and "ODbL 1.0" in text and "CC BY 4.0" in text


def test_unknown_district_is_refused():
    region, table, incidents = _setup(DEFAULT_REGION)
    with pytest.raises(KeyError, match="district_id"):
        region_pdf(region, [("x", current_services(region))], table, district_id="nowhere")


def test_incident_pair_is_two_cells_of_the_scenarios_release():
    from planning.render.gapmap import shown_incidents

    region, table, incidents = _setup(DEFAULT_REGION)
    result = evaluate(region, current_services(region).iloc[:4], table, incidents=incidents)
    shown = shown_incidents(result.coverage)
    assert incident_pair(result, threshold_minutes=60) == (shown.region_covered["60"], shown.region_total)
    figures = key_figures(result, lang="en")
    assert (figures[-1].value, figures[-1].detail) == (
        fmt_count(shown.region_covered["60"], "en"),
        f"of {fmt_count(shown.region_total, 'en')}",
    )
