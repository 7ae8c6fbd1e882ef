"""Need: the rate of expected need a planner sets for the region (stored in the deployment, audited), and hidden
need: districts shaded by their released reports against the cases their people and the rate lead one to expect.

Only wires widgets: the rate is kept by :mod:`planning.store.need`, the table comes from :mod:`planning.hidden`
and the map from :func:`planning.render.webmap.hidden_need_map`. Incident figures are the protected release's cells
per district; the ratio is shown only where the cell is a number. No incident point is drawn.
"""

from collections.abc import Callable

import streamlit as st

from pages.auth import guard, incident_level
from pages.language import lang
from pages.session import get_region, incidents_here, reload_region
from pages.widgets import show_map, show_table, synthetic_banner
from planning.hidden import DISPLAY_FIELDS, hidden_need_display, hidden_need_table
from planning.i18n import fmt_datetime, fmt_number, place_names, t
from planning.markup import markdown_text
from planning.need import NeedRate, NeedRateError, rate_from_meta
from planning.privacy import available_periods
from planning.render.webmap import hidden_need_map
from planning.store.db import StorageError
from planning.store.need import (
    RateFieldError,
    checked_rate,
    may_set_rate,
    rate_bases,
    rate_set_by,
    remove_rate,
    save_rate,
    stored_rate,
    stored_rate_problem,
    women_share,
)

L = lang()
MESSAGE_KEY = "need_message"
TABLE_ROW_PX, TABLE_BORDER_PX = 35, 3
"""Height of a row of Streamlit's table and its borders (pixels): the hidden-need table shows every district."""
st.title(t("nav.need", L))
user = guard("view_map")
region = get_region()
_stored, _in_use = stored_rate(region.region_id), (rate_set_by(region.meta) or {}).get("at")
if (_stored.updated_at if _stored else None) != _in_use and (_stored is None or stored_rate_problem(region) is None):
    reload_region()  # the rate was set or removed in another session since this one read the region
    region = get_region()
st.subheader(markdown_text(region.name(L)))
synthetic_banner(region)
if MESSAGE_KEY in st.session_state:
    st.success(st.session_state.pop(MESSAGE_KEY))

try:
    rate: NeedRate | None = rate_from_meta(region.meta)
except NeedRateError as error:  # region.json's rate is unusable: said, with the fix
    st.warning(markdown_text(str(error)))
    rate = None
if (problem := stored_rate_problem(region)) is not None:
    st.warning(t("needpage.stored_unusable", L, reason=markdown_text(problem)))
may_set = may_set_rate(user.role)


def _rate_text(value: float) -> str:
    """A rate with as many decimals as it has (at most two): "10", "12,5", "2,45"."""
    decimals = next((d for d in (0, 1) if round(value, d) == round(value, 2)), 2)
    return fmt_number(value, L, decimals=decimals)


def _changed(message: str) -> None:
    """After a stored change: say so on the next run; every page of this session reads the region again."""
    st.session_state[MESSAGE_KEY] = message
    reload_region()
    st.rerun()


def _problem(error: NeedRateError) -> str:
    """A rate that cannot be stored, in the reader's language, naming the field by its label and the fix."""
    if isinstance(error, RateFieldError):
        params = {
            k: fmt_number(v, L, decimals=2) if isinstance(v, float) else markdown_text(v)
            for k, v in error.params.items()
        }
        return t(f"needrate.err.{error.key}", L, field=t(f"needpage.{error.field}", L), **params)
    return t("needpage.invalid", L, reason=markdown_text(str(error)))


def _store(change: Callable[[], object], message: str) -> None:
    try:
        change()
    except NeedRateError as error:
        st.error(_problem(error))
    except StorageError as error:
        st.error(error.message(L))
    else:
        _changed(message)


def _rate_form() -> None:
    """Rate, low, high, source (required), the basis where the region offers more than residents; save, remove."""
    stored = stored_rate(region.region_id)
    bases = rate_bases(region.meta)
    with st.form("need_rate_form"):
        basis = (
            st.radio(
                t("needpage.basis", L),
                bases,
                format_func=lambda b: (
                    t(f"needpage.basis.{b}", L)
                    if b == "residents"
                    else t(
                        "needpage.basis.women_18_75_share", L, share=fmt_number(women_share(region.meta), L, decimals=3)
                    )
                ),
                index=bases.index(stored.basis) if stored is not None and stored.basis in bases else 0,
                horizontal=True,
            )
            if len(bases) > 1
            else bases[0]
        )
        columns = st.columns(3)
        per_1000 = columns[0].number_input(
            t("needpage.per_1000" if len(bases) == 1 else "needpage.per_1000_basis", L),
            min_value=0.0,
            value=stored.per_1000 if stored else None,
            step=0.1,
            format="%.2f",
        )
        low = columns[1].number_input(
            t("needpage.low", L), min_value=0.0, value=stored.low if stored else None, step=0.1, format="%.2f"
        )
        high = columns[2].number_input(
            t("needpage.high", L), min_value=0.0, value=stored.high if stored else None, step=0.1, format="%.2f"
        )
        source = st.text_area(
            t("needpage.source", L), value=stored.source if stored else "", help=t("needpage.source_help", L)
        )
        st.caption(t("needpage.form_note", L))
        if st.form_submit_button(t("needpage.save", L), type="primary"):
            value = {"per_1000": per_1000, "low": low, "high": high, "source": source, "basis": basis}
            try:
                checked_rate(region.meta, **value)
            except NeedRateError as error:
                st.error(_problem(error))
            else:
                _store(lambda: save_rate(region, value, user=user.username), t("needpage.saved", L))
    if stored is not None:
        st.caption(
            t("needpage.stored_by", L, user=markdown_text(stored.updated_by), at=fmt_datetime(stored.updated_at, L))
        )
        if st.button(t("needpage.remove", L), key="need_rate_remove"):
            _store(lambda: remove_rate(region, user=user.username), t("needpage.removed", L))


if rate is None:
    st.info(t("needpage.no_rate", L))
    if may_set:
        _rate_form()
    else:
        st.info(t("needpage.ask_planner", L))
    st.stop()

# the rate in use, where it comes from, then the map in the first screen
setter = rate_set_by(region.meta)
st.caption(
    t(
        "need.rate",
        L,
        rate=_rate_text(rate.per_1000),
        low=_rate_text(rate.low),
        high=_rate_text(rate.high),
        source=markdown_text(rate.source),
    )
    + " · "
    + (
        t(
            "needpage.set_by",
            L,
            user=markdown_text(setter.get("by", "?")),
            at=fmt_datetime(setter["at"], L) if setter.get("at") else "",
        )
        if setter
        else t("needpage.from_region", L)
    )
)
map_slot = st.container()

if incident_level() is None or not len(region.incidents):
    map_slot.info(t("needpage.no_incidents", L))
else:
    years = [p for p in available_periods(region.incidents) if len(p) == 4]  # the rate is a year's
    period = st.selectbox(t("needpage.period", L), years, key="need_period") if years else None
    release = incidents_here(region, period=period)
    if release is None:
        map_slot.info(t("needpage.no_incidents", L))
    else:
        table = hidden_need_table(
            region.settlements,
            rate,
            release,
            district_order=[str(d) for d in region.districts["district_id"]],
        )
        names = dict(zip(region.districts["district_id"].astype(str), place_names(region.districts, L)))
        display = hidden_need_display(table, names, L)
        with map_slot:
            show_map(hidden_need_map(region, display, lang=L), key="hidden_need_map")
            st.caption(t("needpage.map_caption", L))
        st.subheader(t("needpage.table", L))
        show_table(
            display[list(DISPLAY_FIELDS)].rename(columns={f: t(f"hidden.col.{f}", L) for f in DISPLAY_FIELDS}),
            hide_index=True,
            width="stretch",
            height=TABLE_ROW_PX * (len(display) + 1) + TABLE_BORDER_PX,  # every district at once, no inner scroll
        )
        marked = int((display["class"] == "under_reported").sum())
        st.caption(t("needpage.table_note", L, n=fmt_number(marked, L), k=fmt_number(release.k, L)))

st.subheader(t("needpage.form", L))
if may_set:
    _rate_form()
else:
    st.caption(t("needpage.ask_planner", L))
