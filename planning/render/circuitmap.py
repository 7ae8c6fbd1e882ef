"""Circuits on the web map (issue 20): one colour per team, each day a route from the base through its villages in
order (numbered) and back. Input is the report of :func:`planning.circuit_data.plan_report`. No streamlit here."""

from __future__ import annotations

import folium

from planning.i18n import t
from planning.render import palette
from planning.render.webmap import LegendRow, TextTooltip, add_legend, layer_name, numbered_sites_layer

TEAM_COLOURS = (
    palette.OKABE_ITO["blue"],
    palette.OKABE_ITO["vermillion"],
    palette.OKABE_ITO["bluish_green"],
    palette.OKABE_ITO["reddish_purple"],
    palette.OKABE_ITO["orange"],
    palette.OKABE_ITO["sky_blue"],
    palette.OKABE_ITO["black"],
    palette.OKABE_ITO["yellow"],
)
"""Team colours in order (Okabe-Ito, repeated beyond eight teams)."""
ROUTE_WEIGHT_PX = 3
ROUTE_OPACITY = 0.8
LEFT_OUT_COLOUR = palette.UNREACHABLE


def team_colour(position: int) -> str:
    return TEAM_COLOURS[position % len(TEAM_COLOURS)]


def _clock(minutes: float) -> str:
    whole = int(round(minutes))
    return f"{whole // 60}:{whole % 60:02d}"


def add_circuits(fmap: folium.Map, report: dict, lang: str) -> folium.Map:
    """Add one layer per team (its day routes as lines, the stops numbered in the day's order, the base) and a layer
    of the villages left out, with a legend of the team colours."""
    rows: list[LegendRow] = []
    for position, team in enumerate(report["teams"]):
        colour = team_colour(position)
        rows.append((colour, team["name"], "line"))
        group = folium.FeatureGroup(name=layer_name(t("circuits.map.team", lang, name=team["name"])))
        base = [team["base_lat"], team["base_lon"]]
        for day in team["days"]:
            line = [base] + [[s["lat"], s["lon"]] for s in day["stops"]] + [base]
            folium.PolyLine(
                line,
                color=colour,
                weight=ROUTE_WEIGHT_PX,
                opacity=ROUTE_OPACITY,
                tooltip=TextTooltip(
                    text=t(
                        "circuits.map.day", lang, name=team["name"], day=day["day"], total=_clock(day["total_minutes"])
                    )
                ),
            ).add_to(group)
        stops = [(day["day"], n, s) for day in team["days"] for n, s in enumerate(day["stops"], start=1)]
        numbered = numbered_sites_layer(
            [s["lat"] for _, _, s in stops],
            [s["lon"] for _, _, s in stops],
            [n for _, n, _ in stops],
            [
                t(
                    "circuits.map.stop",
                    lang,
                    name=team["name"],
                    day=d,
                    order=n,
                    village=s["name"],
                    arrival=_clock(s["arrival_minutes"]),
                )
                for d, n, s in stops
            ],
            name=team["name"],
            colour=colour,
        )
        for child in list(numbered._children.values()):
            child.add_to(group)
        folium.CircleMarker(
            base,
            radius=9,
            weight=3,
            color=colour,
            fill=True,
            fill_color=palette.SERVICE_RING,
            fill_opacity=1.0,
            tooltip=TextTooltip(text=t("circuits.map.base", lang, name=team["name"], base=team["base"])),
        ).add_to(group)
        group.add_to(fmap)
    if report["left_out"]:
        left = folium.FeatureGroup(name=layer_name(t("circuits.sheet.left_out", lang)))
        for item in report["left_out"]:
            folium.CircleMarker(
                [item["lat"], item["lon"]],
                radius=5,
                weight=1,
                color=LEFT_OUT_COLOUR,
                fill=True,
                fill_color=LEFT_OUT_COLOUR,
                fill_opacity=0.9,
                tooltip=TextTooltip(text=f"{item['name']}: {t('circuits.reason.' + item['reason'], lang)}"),
            ).add_to(left)
        left.add_to(fmap)
        rows.append((LEFT_OUT_COLOUR, t("circuits.sheet.left_out", lang)))
    add_legend(fmap, rows, title=t("circuits.map.legend", lang), lang=lang)
    return fmap
