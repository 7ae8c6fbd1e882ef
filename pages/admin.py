"""Users and the audit log (admins): create, change role, reset password, delete; read who did what.

A new user and a reset get a temporary password the user must replace at the next sign-in; a change of role or
password, and a deletion, end the user's open sessions at their next action (planning.store.access)."""

import secrets

import pandas as pd
import streamlit as st

from pages.auth import access_store, guard
from pages.language import lang
from pages.session import get_region
from pages.widgets import show_table
from planning.baseline import scenario_label
from planning.i18n import fmt_datetime, place_names, t
from planning.markup import markdown_text
from planning.store import access

TEMPORARY_PASSWORD_BYTES = 12
"""Randomness of a temporary password, in bytes (16 URL-safe characters)."""
AUDIT_ROWS = 500
"""Newest audit entries shown, in rows."""
NOTICE_KEY = "_admin_notice"

L = lang()
admin = guard("manage_users")
store = access_store()
st.title(t("admin.title", L))


def role_name(role: str) -> str:
    return t(f"role.{role}", L)


def done(message: str, *, password: bool = False) -> None:
    """Rerun (so the lists show the change) and then show ``message`` once (a temporary password as a warning)."""
    st.session_state[NOTICE_KEY] = (message, password)
    st.rerun()


if NOTICE_KEY in st.session_state:
    message, password = st.session_state.pop(NOTICE_KEY)
    if password:
        st.warning(message, icon="🔑")
    else:
        st.success(message)

# --- users ---------------------------------------------------------------------------------------------------------
st.subheader(t("admin.users", L))
users = access.list_users(store)
show_table(
    pd.DataFrame(
        [(u.username, role_name(u.role), u.email or "") for u in users],
        columns=[t("admin.col.username", L), t("admin.col.role", L), t("admin.col.email", L)],
    ),
    hide_index=True,
    width="stretch",
)

with st.form("create_user", clear_on_submit=True):
    st.markdown(f"**{t('admin.create', L)}**")
    username = st.text_input(t("admin.col.username", L), max_chars=64)
    role = st.selectbox(t("admin.col.role", L), access.ROLES, format_func=role_name)
    email = st.text_input(t("admin.email", L), max_chars=254)
    if st.form_submit_button(t("admin.create_submit", L)):
        password = secrets.token_urlsafe(TEMPORARY_PASSWORD_BYTES)
        try:
            access.create_user(
                store,
                username.strip(),
                role=role,
                password=password,
                email=email.strip() or None,
                temporary=True,
                by=admin.username,
            )
        except access.UserError as exc:
            st.error(markdown_text(exc.message(L)))
        else:
            done(
                t("admin.temp_password", L, user=markdown_text(username.strip()), password=markdown_text(password)),
                password=True,
            )

st.markdown(f"**{t('admin.change', L)}**")
names = [u.username for u in users]
chosen = st.selectbox(t("admin.user", L), names, key="admin_user")
columns = st.columns(3)
with columns[0].form("set_role"):
    current = next(u.role for u in users if u.username == chosen)
    new_role = st.selectbox(
        t("admin.col.role", L), access.ROLES, index=access.ROLES.index(current), format_func=role_name
    )
    if st.form_submit_button(t("admin.set_role", L)):
        try:
            access.set_role(store, chosen, new_role, by=admin.username)
        except access.UserError as exc:
            st.error(markdown_text(exc.message(L)))
        else:
            done(t("admin.done", L, what=markdown_text(f"{chosen}: {role_name(new_role)}")))
with columns[1].form("reset_password"):
    if st.form_submit_button(t("admin.reset_password", L)):
        password = secrets.token_urlsafe(TEMPORARY_PASSWORD_BYTES)
        access.set_password(store, chosen, password, temporary=True, by=admin.username)
        done(t("admin.temp_password", L, user=markdown_text(chosen), password=markdown_text(password)), password=True)
with columns[2].form("delete_user"):
    confirmed = st.checkbox(t("admin.delete_confirm", L))
    if st.form_submit_button(t("admin.delete", L)) and confirmed:
        try:
            access.delete_user(store, chosen, by=admin.username)
        except access.UserError as exc:
            st.error(markdown_text(exc.message(L)))
        else:
            done(t("admin.done", L, what=markdown_text(f"{t('admin.delete', L)} {chosen}")))

# --- audit log -----------------------------------------------------------------------------------------------------
st.subheader(t("admin.audit", L))
only = st.selectbox(t("admin.audit_filter", L), [None, *names], format_func=lambda n: "—" if n is None else n)
log = access.entries(store, user=only, limit=AUDIT_ROWS)
region = get_region()
region_names = {region.region_id: region.name(L)}
show_table(
    pd.DataFrame(
        [
            (
                fmt_datetime(e.at, L, style="medium"),
                e.user,
                access.action_label(e.action, L),
                access.object_label(
                    e.object,
                    L,
                    regions=region_names,
                    areas=dict(zip(region.districts["district_id"].astype(str), place_names(region.districts, L))),
                    scenario_name=lambda name: scenario_label(name, region, L),
                ),
            )
            for e in log
        ],
        columns=[t("admin.col.at", L), t("admin.col.username", L), t("admin.col.action", L), t("admin.col.object", L)],
    ),
    hide_index=True,
    width="stretch",
)
