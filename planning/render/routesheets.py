"""Route sheets of a circuit plan (issue 20): one XLSX sheet per team, one block per day, in ru, kk or en.

Input is the JSON-ready report of :func:`planning.circuit_data.plan_report` (plus ``region`` and ``scenario``).
Names from files are written as cell values (never as formulas: a leading ``=``, ``+``, ``-`` or ``@`` is quoted).
A stop's population that is an estimate (its village's population unknown, :mod:`planning.estimates`) is written
with its range and marked as an estimate, "≈6 400 (5 000–7 800), estimate" (:func:`population_text`); a known
population stays a number.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from planning.i18n import fmt_number, t

MAX_SHEET_TITLE_CHARS = 31
"""Excel's limit on a sheet's name."""
FORMULA_STARTS = ("=", "+", "-", "@")
SHEET_FORBIDDEN = "[]:*?/\\"


def _cell(value: object) -> object:
    """A value safe to write: text that a spreadsheet would read as a formula is prefixed with a quote."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def clock(minutes: float) -> str:
    """Minutes since the day's start as h:mm, rounded to the minute (the route sheets and the Teams page alike)."""
    whole = int(round(minutes))
    return f"{whole // 60}:{whole % 60:02d}"


def _title(name: str, taken: set[str]) -> str:
    clean = "".join("_" if ch in SHEET_FORBIDDEN else ch for ch in name).strip("'") or "team"
    title = clean[:MAX_SHEET_TITLE_CHARS]
    n = 2
    while title in taken:
        suffix = f" ({n})"
        title = clean[: MAX_SHEET_TITLE_CHARS - len(suffix)] + suffix
        n += 1
    taken.add(title)
    return title


def _district(report: dict, district_id: str, lang: str) -> str:
    return str(report.get("district_names", {}).get(district_id, {}).get(lang) or district_id)


def population_text(stop: dict, lang: str) -> str:
    """A stop's population as the route sheets and the Teams page show it: the number when known; an estimate as
    "≈6 400 (5 000–7 800), estimate" with its range (``population_low``..``population_high`` of the plan,
    :func:`planning.circuit_data.plan_report`), or "≈6 400, estimate" when the plan carries no range (a plan saved
    before the ranges were kept)."""
    value = fmt_number(round(float(stop["population"])), lang)
    if not stop.get("population_estimated"):
        return value
    low, high = stop.get("population_low"), stop.get("population_high")
    if low is None or high is None or not (math.isfinite(float(low)) and math.isfinite(float(high))):
        return t("circuits.population_estimate_bare", lang, value=value)
    return t(
        "circuits.population_estimate",
        lang,
        value=value,
        low=fmt_number(round(float(low)), lang),
        high=fmt_number(round(float(high)), lang),
    )


def _population_cell(stop: dict, lang: str) -> object:
    """A known population as a number (a spreadsheet sums it); an estimate as :func:`population_text`."""
    return population_text(stop, lang) if stop.get("population_estimated") else round(float(stop["population"]))


def stop_table(report: dict, lang: str) -> pd.DataFrame:
    """Every stop of the plan, one row each: team, day, order, village, district, arrival h:mm and population
    (:func:`population_text`: an estimate with its range, marked), with translated headers."""
    rows = [
        (
            team["name"],
            day["day"],
            order,
            stop["name"],
            _district(report, stop["district_id"], lang),
            clock(stop["arrival_minutes"]),
            population_text(stop, lang),
        )
        for team in report["teams"]
        for day in team["days"]
        for order, stop in enumerate(day["stops"], start=1)
    ]
    columns = ("team", "day", "order", "village", "district", "arrival", "population")
    return pd.DataFrame(rows, columns=[t(f"circuits.col.{c}", lang) for c in columns])


def write_xlsx(report: dict, path: str | Path, lang: str) -> Path:
    """Write the route sheets to ``path`` (XLSX): a summary sheet, one sheet per team (day, order, village, district,
    arrival h:mm, population: a number when known, an estimate with its range and marked as one,
    :func:`population_text`), and a sheet of the villages left out with reasons."""
    from openpyxl import Workbook

    book = Workbook()
    summary = book.active
    summary.title = _title(t("circuits.sheet.summary", lang), set())
    f = report["figures"]
    rows = [
        (t("circuits.col.region", lang), report.get("region", "")),
        (t("circuits.col.scenario", lang), report.get("scenario", "")),
        (t("circuits.col.minutes", lang), report.get("minutes", "")),
        (t("circuits.col.visited", lang), f"{f['villages_visited']} / {f['villages_required']}"),
        (t("circuits.col.team_days", lang), f"{f['team_days']} / {f['team_days_available']}"),
        (t("circuits.col.lower_bound", lang), f["lower_bound_team_days"]),
        (t("circuits.col.filled", lang), f["populations_filled"]),
        (t("circuits.col.engine", lang), report.get("engine", "")),
    ]
    for row in rows:
        summary.append([_cell(v) for v in row])
    taken = {summary.title}
    header = [
        t("circuits.col.day", lang),
        t("circuits.col.order", lang),
        t("circuits.col.village", lang),
        t("circuits.col.district", lang),
        t("circuits.col.arrival", lang),
        t("circuits.col.population", lang),
        t("circuits.col.day_total", lang),
        t("circuits.col.drive", lang),
    ]
    for team in report["teams"]:
        sheet = book.create_sheet(_title(team["name"], taken))
        sheet.append([_cell(t("circuits.col.team", lang)), _cell(team["name"])])
        sheet.append([_cell(t("circuits.col.base", lang)), _cell(team["base"])])
        sheet.append([])
        sheet.append(header)
        for day in team["days"]:
            for order, stop in enumerate(day["stops"], start=1):
                sheet.append(
                    [
                        day["day"],
                        order,
                        _cell(stop["name"]),
                        _cell(_district(report, stop["district_id"], lang)),
                        clock(stop["arrival_minutes"]),
                        _population_cell(stop, lang),
                        clock(day["total_minutes"]) if order == 1 else None,
                        round(day["drive_minutes"]) if order == 1 else None,
                    ]
                )
    left = book.create_sheet(_title(t("circuits.sheet.left_out", lang), taken))
    left.append(
        [
            t("circuits.col.village", lang),
            t("circuits.col.district", lang),
            t("circuits.col.reason", lang),
            t("circuits.col.round_trip", lang),
        ]
    )
    for item in report["left_out"]:
        left.append(
            [
                _cell(item["name"]),
                _cell(_district(report, item["district_id"], lang)),
                t(f"circuits.reason.{item['reason']}", lang),
                item["best_round_trip_minutes"],
            ]
        )
    out = Path(path)
    book.save(out)
    return out


def write_pdf(report: dict, path: str | Path, lang: str) -> Path:
    """Write the route sheets to ``path`` (PDF, A4): a summary page with the villages left out, then one page per
    team and day (the base, the villages in order with arrival h:mm and population, the return and the driving)."""
    from planning.render.report import HEADING_PT, TITLE_PT, _ReportPdf

    pdf = _ReportPdf(lang=lang, demo=False, footer_text=t("circuits.pdf.title", lang))
    pdf.add_page()
    pdf.heading(t("circuits.pdf.title", lang), size=TITLE_PT)
    f = report["figures"]
    pdf.rows_table(
        None,
        [
            [t("circuits.col.region", lang), str(report.get("region", ""))],
            [t("circuits.col.scenario", lang), str(report.get("scenario", ""))],
            [t("circuits.col.minutes", lang), str(report.get("minutes", ""))],
            [t("circuits.col.visited", lang), f"{f['villages_visited']} / {f['villages_required']}"],
            [t("circuits.col.team_days", lang), f"{f['team_days']} / {f['team_days_available']}"],
            [t("circuits.col.lower_bound", lang), str(f["lower_bound_team_days"])],
            [t("circuits.col.filled", lang), str(f["populations_filled"])],
            [t("circuits.col.engine", lang), str(report.get("engine", ""))],
        ],
    )
    if report["left_out"]:
        pdf.heading(t("circuits.sheet.left_out", lang), size=HEADING_PT)
        pdf.rows_table(
            [t("circuits.col.village", lang), t("circuits.col.reason", lang), t("circuits.col.round_trip", lang)],
            [
                [
                    item["name"],
                    t(f"circuits.reason.{item['reason']}", lang),
                    "" if item["best_round_trip_minutes"] is None else f"{item['best_round_trip_minutes']:.0f}",
                ]
                for item in report["left_out"]
            ],
        )
    for team in report["teams"]:
        for day in team["days"]:
            pdf.add_page()
            pdf.heading(t("circuits.pdf.day_heading", lang, team=team["name"], day=day["day"]), size=TITLE_PT)
            pdf.paragraph(f"{t('circuits.col.base', lang)}: {team['base']}")
            rows = []
            for order, stop in enumerate(day["stops"], start=1):
                rows.append(
                    [
                        str(order),
                        stop["name"],
                        _district(report, stop["district_id"], lang),
                        clock(stop["arrival_minutes"]),
                        population_text(stop, lang),
                    ]
                )
            pdf.rows_table(
                [
                    t("circuits.col.order", lang),
                    t("circuits.col.village", lang),
                    t("circuits.col.district", lang),
                    t("circuits.col.arrival", lang),
                    t("circuits.col.population", lang),
                ],
                rows,
            )
            pdf.ln(2)
            pdf.paragraph(
                f"{t('circuits.col.day_total', lang)}: {clock(day['total_minutes'])}; "
                f"{t('circuits.col.drive', lang)}: {day['drive_minutes']:.0f}"
            )
    out = Path(path)
    pdf.output(str(out))
    return out
