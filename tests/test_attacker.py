"""An attacker who sees every incident figure a role can obtain and tries to solve for a small count.

The region is the real Turkistan fixture (some of its districts, to keep the solve small) with the project's
synthetic incidents (:func:`geo.default_region.demo_incidents`, by half-year, 2023-2024; villages without a
population stand at the median one for it) and a few records tied to a district only. The attacker collects, from the
pure functions behind the pages, exports, PDF and CLI, every incident
figure of every fixed period, threshold, district and saved scenario (so every scenario pair of Compare), the Home
total and the Suggest page's objective and per-pick gains for one-candidate runs at villages (demand = incidents,
K = 1, a short threshold). It knows which settlements each figure covers (travel times and districts are public),
which units have records, the published method and its bounds, but not the deployment's secret.

Its solve works on the sums a figure covers: a shown number S bounds the protected sum to S ± the cell noise, "<k"
bounds it to at most k - 1 + the cell noise, "0" makes it exact; then every pair of figures whose sets nest gives
the difference set its own bounds (region minus district, 60 minus 30 minutes, year minus half-year, scenario B
minus A, Home minus Scenarios), bounds are propagated to single units, and exact sums are combined linearly (least
squares on the exact rows). A count is recovered when its bounds close on one value in 1..k-1.

The same views rendered with exact numbers (what the per-table rules showed wherever they did not print "x", and
what the Suggest page showed as the objective and its gains) give the attacker exact counts: that is checked too,
so the attacker is known to find what the release must prevent.
"""

from __future__ import annotations

import dataclasses
import itertools

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from conftest import SHARED_TURKISTAN, TEST_SECRET, needs_shared

from geo.default_region import DEMO_SEED, demo_incidents
from geo.region import load_region
from planning.analysis import SiteMinutes, evaluate, incident_release
from planning.baseline import baseline_services
from planning.coverage import gaps
from planning.i18n import t
from planning.privacy import available_periods
from planning.release import MAX_CELL_NOISE, MAX_UNIT_NOISE
from planning.render.gapmap import district_table, gap_list, shown_incidents
from planning.render.report import key_figures
from planning.scenarios import Site, sites_from_services, sites_to_services
from planning.suggest import CANDIDATE_COLUMNS, pick_table, suggest
from planning.summary import region_summary

K = 5
DISTRICTS = ("KZ611600", "KZ615200", "KZ614800")
SUGGEST_MINUTES = 3.0
SUGGEST_CANDIDATES = 24
INF = float("inf")


# --------------------------------------------------------------------------------------------------------------
# the world: region, incidents, units
# --------------------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def world():
    return make_world()


def make_world():
    full = load_region(SHARED_TURKISTAN)
    settlements = full.settlements[full.settlements["district_id"].isin(DISTRICTS)].reset_index(drop=True)
    districts = full.districts[full.districts["district_id"].isin(DISTRICTS)].reset_index(drop=True)
    # most villages of the fixture have no population: for the demo counts only, they stand at the median one
    filled = settlements.assign(population=settlements["population"].fillna(settlements["population"].median()))
    demo = demo_incidents(filled, seed=DEMO_SEED)
    district_of = dict(zip(settlements["settlement_id"], settlements["district_id"]))
    incidents = pd.DataFrame(
        {
            "settlement_id": demo["settlement"].astype(object),
            "district_id": demo["settlement"].map(district_of).astype(object),
            "period": demo["period"],
            "count": demo["count"].astype("int64"),
            "synthetic": True,
        }
    )
    unplaced = pd.DataFrame(
        {
            "settlement_id": [None, None],
            "district_id": [DISTRICTS[0], DISTRICTS[1]],
            "period": ["2024-H1", "2023-H2"],
            "count": [3, 2],
            "synthetic": True,
        }
    )
    incidents = pd.concat([incidents, unplaced], ignore_index=True)
    region = dataclasses.replace(full, settlements=settlements, districts=districts, incidents=incidents)
    minutes = SiteMinutes(None, settlements, analysis_crs=region.analysis_crs)
    base = baseline_services(region)
    villages = settlements[settlements["population"].fillna(0) > 800].sort_values("population").iloc[::7]
    sites = sites_from_services(base)
    extra = [
        Site(f"extra-{i}", str(row["name"]), "permanent", row.geometry.y, row.geometry.x)
        for i, (_, row) in enumerate(villages.iloc[:4].iterrows())
    ]
    scenarios = {
        "baseline": base,
        "without the first district's centre": sites_to_services(sites[1:]),
        "baseline and three villages": sites_to_services(sites + extra[:3]),
        "baseline and one village": sites_to_services(sites + extra[3:]),
    }
    return region, minutes, scenarios, _units(region)


@dataclasses.dataclass
class Units:
    """The attacker's unknowns: one per unit with records (settlement or district, period)."""

    settlement_row: np.ndarray  # -1 for a record tied to a district only
    district: np.ndarray
    period: np.ndarray
    count: np.ndarray  # the truth, for scoring only

    def mask(self, settlement_mask=None, *, period=None, unplaced=False) -> int:
        """Bitset of the units a figure covers: its settlements in its period (and the district-only ones)."""
        chosen = np.zeros(len(self.count), dtype=bool)
        if settlement_mask is not None:
            placed = self.settlement_row >= 0
            chosen[placed] = np.asarray(settlement_mask)[self.settlement_row[placed]]
        if unplaced:
            chosen |= self.settlement_row < 0
        if period is not None:
            chosen &= np.array([p == period or (len(period) == 4 and p.startswith(period)) for p in self.period])
        return int(sum(1 << int(i) for i in np.flatnonzero(chosen)))


def _units(region) -> Units:
    rows = pd.Index(region.settlements["settlement_id"]).get_indexer(region.incidents["settlement_id"])
    frame = region.incidents.assign(row=np.where(region.incidents["settlement_id"].isna(), -1, rows))
    frame = frame[frame["count"] > 0]
    return Units(
        frame["row"].to_numpy(),
        frame["district_id"].to_numpy(dtype=object),
        frame["period"].astype(str).to_numpy(),
        frame["count"].to_numpy(dtype=np.int64),
    )


# --------------------------------------------------------------------------------------------------------------
# what a role can see
# --------------------------------------------------------------------------------------------------------------
def collect(world, *, role: str) -> list[tuple[int, str, str]]:
    """Every incident figure ``role`` can obtain: (units it covers, text as shown, where it was seen)."""
    region, minutes, scenarios, units = world
    figures = []
    n = len(region.settlements)
    everything = np.ones(n, dtype=bool)
    summary = region_summary(region, secret=TEST_SECRET)  # Home
    figures.append((units.mask(everything, unplaced=True), summary["incidents"], "home total"))
    for period in [None, *available_periods(region.incidents)]:
        release = incident_release(region, period=period, secret=TEST_SECRET, k=K)
        for name, services in scenarios.items():
            result = evaluate(region, services, minutes, incidents=release)
            cov = result.coverage
            shown = shown_incidents(cov)  # scenarios page, compare page, CLI coverage/compare, exports' district table
            where = f"{name}, {period or 'all periods'}"
            figures.append((units.mask(everything, period=period), shown.region_total, f"{where}: region total"))
            for step in cov.thresholds_minutes:
                key = f"{step:g}"
                covered = cov.covered(step)
                figures.append(
                    (units.mask(covered, period=period), shown.region_covered[key], f"{where}: region within {key}")
                )
                for district in cov.districts:
                    inside = cov.district_ids == district
                    figures.append(
                        (
                            units.mask(covered & inside, period=period),
                            shown.covered[key][district],
                            f"{where}: {district} within {key}",
                        )
                    )
            for district in cov.districts:
                figures.append(
                    (
                        units.mask(cov.district_ids == district, period=period),
                        shown.total[district],
                        f"{where}: {district} total",
                    )
                )
            table = district_table(region, cov, lang="en")  # the page's and the XLSX's district table
            column = t("scen.col_incidents_within", "en", minutes="60")
            for district, value in zip(cov.districts, table[column]):
                figures.append(
                    (
                        units.mask(cov.covered(60.0) & (cov.district_ids == district), period=period),
                        str(value),
                        f"{where}: {district} within 60 (table)",
                    )
                )
            for district in [None, *cov.districts]:  # PDF and presentation key figures
                inside = everything if district is None else cov.district_ids == district
                incident_figure = key_figures(result, district_id=district, lang="en")[-1]
                if incident_figure.label != t("report.figure_incidents_within", "en", minutes=60):
                    continue
                figures.append(
                    (
                        units.mask(inside & cov.covered(60.0), period=period),
                        _plain(incident_figure.value),
                        f"{where}: key figure {district or 'region'} within 60",
                    )
                )
                figures.append(
                    (
                        units.mask(inside, period=period),
                        _plain(incident_figure.detail.removeprefix("of ")),
                        f"{where}: key figure {district or 'region'} total",
                    )
                )
            if role == "planner":
                table = gap_list(
                    region, cov, result.nearest_service_ids, threshold_minutes=60.0, lang="en", services=services
                )
                ranked = gaps(
                    region.settlements,
                    cov.nearest_minutes,
                    list(result.nearest_service_ids),
                    cov.release,
                    threshold_minutes=60.0,
                )  # the gap list's rows, in its order, with their ids
                rows = pd.Index(region.settlements["settlement_id"]).get_indexer(ranked["settlement_id"])
                for row, value in zip(rows, table[t("field.incidents", "en")]):
                    figures.append((units.mask(np.arange(n) == row, period=period), str(value), f"{where}: gap list"))
        if role == "planner":  # the map's per-village layer of this period, the settlement export
            for row, text in enumerate(release.settlement_texts()):
                figures.append(
                    (
                        units.mask(np.arange(n) == row, period=period),
                        str(text),
                        f"{period or 'all periods'}: village layer",
                    )
                )
    figures += suggest_figures(world, role=role)
    return figures


def suggest_figures(world, *, role: str) -> list[tuple[int, str, str]]:
    """The Suggest page for one-candidate runs at villages: objective and the pick's gains (demand = incidents)."""
    region, minutes, scenarios, units = world
    release = incident_release(region, secret=TEST_SECRET, k=K)
    base = scenarios["baseline"]
    fixed = (np.asarray(minutes.rows(base), dtype=float) <= SUGGEST_MINUTES).any(axis=0)
    # one candidate at a village, as a one-row uploaded candidate file would give (every settlement may be one)
    candidates = gpd.GeoDataFrame(
        region.settlements[CANDIDATE_COLUMNS].copy(), geometry="geometry", crs=region.settlements.crs
    )
    outside = [i for i in range(len(candidates)) if not fixed[i]]
    small = [i for i in outside if 1 <= release.counts[i] < K]
    chosen = (small[: SUGGEST_CANDIDATES // 2] + [i for i in outside if i not in small])[:SUGGEST_CANDIDATES]
    figures = []
    for i in chosen:
        one = candidates.iloc[[i]].reset_index(drop=True)
        result = suggest(
            region,
            base,
            minutes,
            one,
            model="mclp",
            add=1,
            threshold_minutes=SUGGEST_MINUTES,
            demand="incidents",
            incidents=release,
        )
        reach = np.asarray(minutes.rows(one), dtype=float)[0] <= SUGGEST_MINUTES
        figures.append((units.mask(fixed | reach), str(result.objective_shown), f"suggest {i}: objective"))
        table = pick_table(result, show_incidents=role == "planner")
        for _, row in table.iterrows():
            figures.append((units.mask(reach & ~fixed), str(row["gain_objective"]), f"suggest {i}: gain"))
            if "gain_incidents" in table.columns:
                figures.append((units.mask(reach & ~fixed), str(row["gain_incidents"]), f"suggest {i}: gain incidents"))
    return figures


# --------------------------------------------------------------------------------------------------------------
# the solve
# --------------------------------------------------------------------------------------------------------------
def _plain(text: str) -> str:
    """A shown number as the attacker reads it: "1,100" (English thousands separators) is 1100."""
    return text.replace(",", "")


def _bits(mask: int) -> list[int]:
    return [i for i in range(mask.bit_length()) if mask >> i & 1]


def bounds_of(text: str, size: int, *, cell_noise: int) -> tuple[float, float] | None:
    """Bounds on the protected sum of ``size`` units with records behind a figure shown as ``text``."""
    text = text.strip()
    if text == "0":
        return (0, 0) if size == 0 else None
    if text == f"<{K}":
        return size, K - 1 + cell_noise
    if cell_noise == 0 and float(text) < K:  # an exact small number (the old Suggest gains)
        return float(text), float(text)
    if text == "x":  # per-table secondary suppression: at least something
        return size, INF
    value = float(text)
    return max(size, value - cell_noise), value + cell_noise


def solve(figures, units: Units, *, cell_noise: int, unit_noise: int) -> list[str]:
    """Counts in 1..k-1 the figures pin down exactly: descriptions of what was recovered."""
    constraints: dict[int, list[float]] = {}

    def add(mask: int, lo: float, hi: float) -> None:
        if mask == 0:
            return
        bound = constraints.setdefault(mask, [0, INF])
        bound[0], bound[1] = max(bound[0], lo), min(bound[1], hi)

    for mask, text, _ in figures:
        found = bounds_of(text, bin(mask).count("1"), cell_noise=cell_noise)
        if found is not None:
            add(mask, *found)
    masks = list(constraints)
    for a, b in itertools.permutations(masks, 2):  # nested sets: the difference has bounds of its own
        if a & b == a and a != b:
            (lo_a, hi_a), (lo_b, hi_b) = constraints[a], constraints[b]
            add(b & ~a, lo_b - hi_a, hi_b - lo_a)
    n = len(units.count)
    low, high = np.ones(n), np.full(n, INF)
    members = {mask: np.array(_bits(mask), dtype=np.int64) for mask in constraints}
    for _ in range(6):  # propagate to single units
        for mask, (lo, hi) in constraints.items():
            part = members[mask]
            sum_low, sum_high = low[part].sum(), high[part].sum()
            high[part] = np.minimum(high[part], hi - (sum_low - low[part]))
            if sum_high < INF:
                low[part] = np.maximum(low[part], lo - (sum_high - high[part]))
    exact = {mask: lo for mask, (lo, hi) in constraints.items() if lo == hi}
    rows = np.zeros((len(exact), n))
    for r, mask in enumerate(exact):
        rows[r, members[mask]] = 1.0
    values = np.array(list(exact.values()), dtype=float)

    named = list(targets(units))
    vectors = np.zeros((n, len(named)))
    for j, (_, target) in enumerate(named):
        vectors[_bits(target), j] = 1.0
    solved = np.zeros(len(named), dtype=bool)
    estimates = np.zeros(len(named))
    if len(exact):  # exact sums combined linearly: a target in their span is known exactly
        coefficients, *_ = np.linalg.lstsq(rows.T, vectors, rcond=None)
        solved = np.abs(rows.T @ coefficients - vectors).max(axis=0) < 1e-6
        estimates = np.round(values @ coefficients, 6)
    recovered = []
    for j, (name, target) in enumerate(named):
        part = _bits(target)
        size = len(part)
        truth = int(units.count[part].sum())
        lo, hi = float(low[part].sum()), float(high[part].sum())
        if target in constraints:
            lo, hi = max(lo, constraints[target][0]), min(hi, constraints[target][1])
        if solved[j]:
            lo = hi = float(estimates[j])
        count_lo, count_hi = max(size, lo - size * unit_noise), hi + size * unit_noise
        if count_lo == count_hi and 1 <= count_lo < K:
            assert count_lo == truth, f"the attacker's model is unsound: {name} solved as {count_lo}, is {truth}"
            recovered.append(f"{name} = {truth}")
    return recovered


def targets(units: Units):
    """Every settlement and district count of every fixed period (and of all periods), with records."""
    periods = [None, *sorted({p[:4] for p in units.period}), *sorted(set(units.period))]
    for period in periods:
        chosen = np.array(
            [period is None or p == period or (len(period) == 4 and p.startswith(period)) for p in units.period]
        )
        for row in sorted(set(units.settlement_row[chosen & (units.settlement_row >= 0)])):
            mask = int(sum(1 << int(i) for i in np.flatnonzero(chosen & (units.settlement_row == row))))
            yield f"settlement row {row}, {period or 'all periods'}", mask
        for district in sorted(set(units.district)):
            inside = chosen & (units.district == district)
            for label, part in (
                ("placed", inside & (units.settlement_row >= 0)),
                ("district-only", inside & (units.settlement_row < 0)),
                ("all", inside),
            ):
                if part.any():
                    yield (
                        f"district {district} ({label}), {period or 'all periods'}",
                        int(sum(1 << int(i) for i in np.flatnonzero(part))),
                    )


def exact_rendering(figures, units: Units):
    """The same figures as the per-table rules showed them: small counts as "<k", the rest exact, and the Suggest
    page's objective and gain in the objective as exact numbers whatever their size."""
    out = []
    for mask, _text, where in figures:
        truth = int(units.count[_bits(mask)].sum())
        raw = where.endswith((": objective", ": gain"))
        out.append((mask, str(truth) if raw else "0" if truth == 0 else f"<{K}" if truth < K else str(truth), where))
    return out


# --------------------------------------------------------------------------------------------------------------
# tests
# --------------------------------------------------------------------------------------------------------------
@needs_shared
@pytest.mark.parametrize("role", ["presenter", "planner"])
def test_no_small_count_is_recoverable_from_everything_a_role_sees(world, role):
    figures = collect(world, role=role)
    units = world[3]
    assert len(figures) > 500 and ((units.count > 0) & (units.count < K)).sum() > 50
    shown = [text for _, text, _ in figures]
    assert all(text == "0" or text == f"<{K}" or int(text) >= K for text in shown), [
        f for f in figures if not (f[1] in ("0", f"<{K}") or int(f[1]) >= K)
    ][:5]
    # the same set of records is the same cell wherever it is shown (page, table, PDF, Home, Suggest)
    by_mask: dict[int, set[str]] = {}
    for mask, text, _ in figures:
        by_mask.setdefault(mask, set()).add(text)
    assert all(len(texts) == 1 for texts in by_mask.values()), [
        (texts, [w for m, _, w in figures if by_mask[m] is texts][:3]) for texts in by_mask.values() if len(texts) > 1
    ]
    recovered = solve(figures, units, cell_noise=MAX_CELL_NOISE, unit_noise=MAX_UNIT_NOISE)
    assert recovered == []


@needs_shared
def test_the_attacker_recovers_counts_from_the_same_views_shown_exactly(world):
    """The per-table rules showed exact numbers next to "<k" (and the Suggest page its raw gains); rendered that
    way, the presenter's views give small counts away (Suggest's gain at its village, year minus half-year, ...)."""
    units = world[3]
    recovered = solve(exact_rendering(collect(world, role="presenter"), units), units, cell_noise=0, unit_noise=0)
    assert len(recovered) >= 5, recovered
