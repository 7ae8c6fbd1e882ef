"""Users and the audit log (admins): create, change role, set regions, reset password, delete; read who did what.

A new user and a reset get a temporary password the user must replace at the next sign-in; a change of role or
password, and a deletion, end the user's open sessions at their next action (planning.store.access). In a deployment
of several regions an admin sees and manages the users of their own regions and assigns only those regions; an admin
of the whole deployment sees everyone (planning.store.regions). The audit log shows the entries of the admin's
regions."""

import secrets

import pandas as pd
import streamlit as st

from pages.auth import access_store, guard
from pages.language import lang
from pages.session import deployment_regions, get_region, region_labels, session_scope
from pages.widgets import show_table
from planning.baseline import scenario_label
from planning.i18n import fmt_datetime, place_names, t
from planning.markup import markdown_text
from planning.store import access, regions

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
region_store = regions.RegionScopeStore()
served = deployment_regions()
served_ids = [h.region_id for h in served]
several = len(served) > 1  # one region: nothing to assign (every user sees it, as before regions were assigned)
my_scope = session_scope() or regions.Scope(admin.username, False)
scopes = regions.deployment_scopes(region_store, served_ids)
region_names = region_labels(served, L)
assignable = my_scope.within(served_ids)


def scope_text(scope: regions.Scope) -> str:
    """A user's regions as the table shows them."""
    if scope.whole:
        return t("scope.whole", L)
    return ", ".join(region_names.get(r, r) for r in sorted(scope.region_ids)) or "—"


def region_fields(prefix: str, current: regions.Scope | None = None) -> list[str]:
    """The region fields of a form (the admin's own regions; "whole deployment" for an admin of it): the ids
    chosen, ``*`` for the whole deployment."""
    whole = False
    if my_scope.whole:
        whole = st.checkbox(t("scope.whole", L), value=bool(current and current.whole), key=f"{prefix}_whole")
    chosen = st.multiselect(
        t("scope.regions", L),
        assignable,
        default=[r for r in assignable if current is not None and r in current.region_ids],
        format_func=lambda r: region_names.get(r, r),
        key=f"{prefix}_regions",
    )
    return [regions.WHOLE_DEPLOYMENT] if whole else chosen


st.subheader(t("admin.users", L))
users = [u for u in access.list_users(store) if my_scope.covers(scopes[u.username])]
rows = [(u.username, role_name(u.role), u.email or "") for u in users]
columns = [t("admin.col.username", L), t("admin.col.role", L), t("admin.col.email", L)]
if several:
    rows = [(*row, scope_text(scopes[u.username])) for row, u in zip(rows, users)]
    columns.append(t("scope.regions", L))
show_table(pd.DataFrame(rows, columns=columns), hide_index=True, width="stretch")

with st.form("create_user", clear_on_submit=True):
    st.markdown(f"**{t('admin.create', L)}**")
    username = st.text_input(t("admin.col.username", L), max_chars=64)
    role = st.selectbox(t("admin.col.role", L), access.ROLES, format_func=role_name)
    email = st.text_input(t("admin.email", L), max_chars=254)
    new_regions = region_fields("create") if several else []
    if st.form_submit_button(t("admin.create_submit", L)):
        password = secrets.token_urlsafe(TEMPORARY_PASSWORD_BYTES)
        try:
            if several and not new_regions:
                raise access.UserError("choose the user's regions", key="no_region")
            access.create_user(
                store,
                username.strip(),
                role=role,
                password=password,
                email=email.strip() or None,
                temporary=True,
                by=admin.username,
            )
            if several:
                regions.set_regions(
                    region_store,
                    username.strip(),
                    new_regions,
                    by=admin.username,
                    by_scope=my_scope,
                    deployment_ids=served_ids,
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
if several and chosen is not None:
    with st.form("set_regions"):
        picked = region_fields(f"change_{chosen}", scopes[chosen])
        if st.form_submit_button(t("scope.set_regions", L)):
            try:
                regions.set_regions(
                    region_store, chosen, picked, by=admin.username, by_scope=my_scope, deployment_ids=served_ids
                )
            except access.UserError as exc:
                st.error(markdown_text(exc.message(L)))
            else:
                shown = regions.Scope(chosen, regions.WHOLE_DEPLOYMENT in picked, frozenset(picked))
                done(t("admin.done", L, what=markdown_text(f"{chosen}: {scope_text(shown)}")))
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
            regions.forget_user(region_store, chosen)
        except access.UserError as exc:
            st.error(markdown_text(exc.message(L)))
        else:
            done(t("admin.done", L, what=markdown_text(f"{t('admin.delete', L)} {chosen}")))

# --- audit log -----------------------------------------------------------------------------------------------------
st.subheader(t("admin.audit", L))
only = st.selectbox(t("admin.audit_filter", L), [None, *names], format_func=lambda n: "—" if n is None else n)
log = regions.visible_entries(region_store, my_scope, served_ids, user=only, limit=AUDIT_ROWS)
region = get_region()
region_names = {**region_names, region.region_id: region.name(L)}
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
