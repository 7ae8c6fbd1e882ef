"""The planner's question on the Map and Scenarios pages: the per-district table of villages beyond 30/60 minutes,
the gap list with its district filter and totals, and one village's minutes, nearest service and route.

Widgets only; the figures come from :mod:`planning.beyond`, on the session's demand basis (:mod:`pages.need_view`).
"""

from __future__ import annotations

import math

import streamlit as st

from pages.need_view import basis_text, current_basis, gap_demand, gap_ranges_caption
from planning.beyond import (
    NEED_DECIMALS,
    VillageAccess,
    beyond_help,
    beyond_table,
    demand_title,
    display,
    gap_table,
    gap_totals,
    settlement_at,
    village_access,
)
from planning.coverage import NO_DISTRICT_ID, threshold_key
from planning.i18n import fmt_number, place_names, t
from planning.markup import markdown_text
from planning.render.webmap import add_route

ROW_HEIGHT_PX = 35
"""Height of one st.dataframe row (and of its header), pixels: a table this tall shows every row without scrolling."""
NAME_COLUMN_PX = 150
"""Width of the district column: the longest real name ("Енбекшинский", "Итого по региону") fits; the figure columns
share the rest of the page, so the table needs no horizontal scroll at 1400 px."""
MAX_TABLE_HEIGHT_PX = 420
"""A longer gap list scrolls inside its table."""
MAX_DISTRICT_TABLE_HEIGHT_PX = 35 * 32
"""Up to 30 districts and the total fit without scrolling (the real region has 21)."""


def village_panel(
    region, services, cov, nearest_service_ids, *, map_key: str, key: str, network, lang: str, constants=None
) -> VillageAccess | None:
    """A settlement picker (a click on its marker in the map ``map_key`` chooses it too) and what it shows: minutes
    to the nearest service, which one, and whether the route is drawn (by road) or the time is an estimate.
    Call before the map is drawn; pass the result to :func:`draw_route`."""
    settlements = region.settlements
    seen_key, pick_key = f"_{key}_seen_click", f"{key}_village"
    click = (st.session_state.get(map_key) or {}).get("last_object_clicked")
    if click and click != st.session_state.get(seen_key):
        st.session_state[seen_key] = click
        index = settlement_at(settlements, click.get("lat"), click.get("lng"))
        if index is not None:
            st.session_state[pick_key] = index
    names = place_names(settlements, lang)
    districts = dict(zip(region.districts["district_id"].astype(str), place_names(region.districts, lang)))
    labels = [
        name + (f" ({districts[d]})" if isinstance(d, str) and d in districts else "")
        for name, d in zip(names, settlements["district_id"])
    ]
    left, right = st.columns(2)
    index = left.selectbox(
        t("beyond.village_pick", lang),
        range(len(settlements)),
        index=None,
        key=pick_key,
        placeholder=t("beyond.village_placeholder", lang),
        format_func=labels.__getitem__,
    )
    if index is None:
        return None
    access = village_access(
        region,
        services,
        cov,
        nearest_service_ids,
        index,
        network=network,
        lang=lang,
        **({} if constants is None else {"constants": constants}),
    )
    with right:
        _village_text(access, lang)
    return access


def _village_text(access: VillageAccess, lang: str) -> None:
    if math.isfinite(access.minutes) and access.service_name is not None:
        st.markdown(
            markdown_text(
                t(
                    "beyond.village_minutes",
                    lang,
                    name=access.name,
                    minutes=fmt_number(access.minutes, lang, decimals=1),
                    service=access.service_name,
                )
            )
        )
    else:
        st.markdown(markdown_text(t("beyond.village_unreachable", lang, name=access.name)))
    km = fmt_number(access.access_km, lang, decimals=1) if math.isfinite(access.access_km) else None
    constants = access.constants
    if km is None:
        st.caption(t("beyond.straight_line", lang))
    elif not access.by_road:
        st.caption(
            t(
                "beyond.estimated_far" if access.beyond_access else "beyond.estimated_piece",
                lang,
                km=km,
                max_km=fmt_number(constants.max_access_km, lang, decimals=1),
                circuity=fmt_number(constants.circuity, lang, decimals=1),
                speed=fmt_number(constants.estimate_speed_kmh, lang),
            )
        )
    else:
        st.caption(
            t("beyond.access_leg", lang, km=km, speed=fmt_number(constants.access_speed_kmh, lang))
            + (" " + t("beyond.route_drawn", lang) if access.route is not None else "")
        )


def draw_route(fmap, access: VillageAccess | None, *, lang: str) -> None:
    """Draw the chosen settlement's road route on ``fmap`` (nothing without one: an estimate has no route)."""
    if access is None or access.route is None:
        return
    add_route(
        fmap,
        access.route.lat_lon(),
        name=t("beyond.layer_route", lang),
        tooltip=t(
            "beyond.route_tooltip",
            lang,
            name=access.name,
            service=access.service_name,
            minutes=fmt_number(access.minutes, lang, decimals=1),
        ),
    )


def district_section(region, cov, *, lang: str, incidents: bool = False) -> None:
    """The per-district table: settlements, and beyond each threshold the settlements, known people and settlements
    of unknown population (with ``incidents``: the incidents there, as released cells), then the region's total."""
    st.subheader(t("beyond.title_all", lang))
    basis = current_basis(region)  # the session's demand basis: expected cases or incidents beyond, when chosen
    need = basis.rate if basis.name == "need" else None
    incidents = incidents or basis.name == "incidents"
    table = beyond_table(region, cov, lang=lang, incidents=incidents, need=need, release=basis.incidents)
    helps = beyond_help(cov, lang=lang, incidents=incidents, need=need is not None)
    config = {
        column: st.column_config.Column(help=helps.get(column), alignment="right") for column in table.columns[1:]
    }
    config[table.columns[0]] = st.column_config.Column(width=NAME_COLUMN_PX, pinned=True)
    st.dataframe(
        display(table, lang=lang),
        hide_index=True,
        width="stretch",
        column_config=config,
        placeholder="—",
        height=min(MAX_DISTRICT_TABLE_HEIGHT_PX, ROW_HEIGHT_PX * (len(table) + 1) + 3),
    )
    st.caption(t("beyond.caption", lang) + " " + basis_text(basis, lang))


def gap_section(
    region, cov, nearest_service_ids, services, *, threshold_minutes: float, key: str, lang: str, access_km=None
) -> None:
    """The settlements beyond ``threshold_minutes``, filtered by district, with their totals."""
    minutes_key = threshold_key(threshold_minutes)
    st.subheader(t("beyond.gaps_title", lang, minutes=minutes_key))
    district_id = None
    if not region.districts.empty:
        names = dict(zip(region.districts["district_id"].astype(str), place_names(region.districts, lang)))
        options = [None, *names] + ([NO_DISTRICT_ID] if NO_DISTRICT_ID in cov.districts else [])
        district_id = st.selectbox(
            t("beyond.district_filter", lang),
            options,
            key=f"{key}_gap_district",
            format_func=lambda d: (
                t("beyond.all_districts", lang)
                if d is None
                else t("beyond.no_district", lang)
                if d == NO_DISTRICT_ID
                else names.get(d, d)
            ),
        )
    totals = gap_totals(cov, threshold_minutes=threshold_minutes, district_id=district_id)
    if not totals.settlements:
        st.success(t("beyond.no_gaps", lang, minutes=minutes_key))
        return
    st.markdown(
        t(
            "beyond.gap_totals",
            lang,
            settlements=totals.settlements,
            people=totals.people,
            unknown=totals.settlements_unknown_population,
        )
    )
    basis = current_basis(region)  # the demand column and the ranged totals on the session's basis
    gap_ranges_caption(region, cov, basis, threshold_minutes=threshold_minutes, district_id=district_id, lang=lang)
    table = gap_table(
        region,
        cov,
        nearest_service_ids,
        threshold_minutes=threshold_minutes,
        lang=lang,
        services=services,
        district_id=district_id,
        access_km=access_km,
        demand=gap_demand(region, basis),
        basis=basis.name,
    )
    minutes_column, population_column = t("scen.col_minutes", lang), t("field.population", lang)
    road_column = t("travel.col.access_km", lang)
    demand_column = demand_title(basis.name, lang)
    styled = display(
        table,
        lang=lang,
        decimals={minutes_column: 1, road_column: 1, demand_column: NEED_DECIMALS},
        infinite={minutes_column: t("scen.unreachable", lang)},
    )
    config = {
        demand_column: st.column_config.Column(help=t(f"beyond.help.demand.{basis.name}", lang), alignment="right"),
        population_column: st.column_config.Column(help=t("beyond.help.population", lang)),
        t("travel.col.method", lang): st.column_config.Column(help=t("travel.help.method", lang)),
        road_column: st.column_config.Column(help=t("travel.help.access_km", lang)),
    }
    st.dataframe(
        styled,
        hide_index=True,
        width="stretch",
        column_config=config,
        placeholder=t("value.unknown", lang),
        height=min(MAX_TABLE_HEIGHT_PX, ROW_HEIGHT_PX * (len(table) + 1) + 3),
    )
