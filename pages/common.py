"""What every page needs: the language, the region of this session, the small-count threshold.

Pages only wire widgets; everything they show comes from geo/ and planning/. The region is loaded per session
(``st.session_state``), never in a global cache, because it carries incident counts.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import streamlit as st

from geo.errors import RegionError
from geo.region import Region, load_region
from geo.settings import env_value, region_dir_from_env
from geo.speeds import SpeedProfile
from geo.traveltime import TravelConstants, TravelConstantsError
from planning import privacy
from planning.analysis import (
    TRAVEL_CONSTANTS_KEY,
    SiteMinutes,
    incident_release,
    service_bands,
    site_minutes_for,
    speed_profile_of,
)
from planning.i18n import DEFAULT_LANGUAGE, format_problem, t
from planning.markup import markdown_text
from planning.scenarios import MAX_SCENARIO_NAME_CHARS, ScenarioNameError
from planning.store import access
from planning.store.access import User
from planning.store.release import deployment_secret
from planning.store.settings import RegionSettingsStore, settings_stamp
from planning.store.stored import with_stored_figures

SETTINGS_STAMP_KEY = "_settings_stamp"
"""When the region's road network and speeds were set, as this session last read them (see get_region)."""
FRAMED_KEY = "_qorgau_framed"
"""Set by app.py in every session it runs in."""


def lang() -> str:
    """The language of this session; also makes sure the page runs inside app.py's navigation.

    Streamlit runs a fresh server's very first request in its legacy ``pages/``-directory mode (the folder name
    our layout uses) until some session calls ``st.navigation``. A page reached that way reruns itself once
    through app.py, so the language switch, the navigation and the access checks are always there.
    """
    if FRAMED_KEY not in st.session_state:
        from streamlit.runtime.pages_manager import PagesManager

        PagesManager.uses_pages_directory = False
        st.rerun()
    return st.session_state.get(LANGUAGE_KEY, DEFAULT_LANGUAGE)


# --- the language survives a reload ---------------------------------------------------------------------------
# The language lives in st.session_state["lang"] (app.py's switch in the sidebar; language_switch on pages without
# it). A reload (F5) starts a new Streamlit session, so it is also kept where the browser keeps it: in the URL's
# query (?lang=kk, on every page: app.py writes it on every run, page changes included) and in a cookie (for a URL
# without it: a bookmark of the bare address, the return from an identity provider). The URL wins over the cookie.
LANGUAGE_KEY = "lang"
"""st.session_state key of the session's language (the widget key of app.py's switch)."""
LANGUAGE_PARAM = "lang"
"""URL query parameter that carries the language (``?lang=kk``)."""
LANGUAGE_COOKIE = "qorgau_lang"
"""Cookie that remembers the browser's last language (not HttpOnly: the page's script sets it; it holds only a
language code, which is checked against planning.i18n.LANGUAGES when read)."""
LANGUAGE_COOKIE_MAX_AGE_S = 365 * 24 * 3600
"""How long the browser keeps the language cookie, in seconds (a year)."""


def asked_language() -> str | None:
    """The language the browser asks for: the URL's ``?lang=``, else the language cookie; None when neither names
    one of planning.i18n.LANGUAGES."""
    from planning.i18n import LANGUAGES

    for value in (st.query_params.get(LANGUAGE_PARAM), _text(st.context.cookies.get(LANGUAGE_COOKIE))):
        if value in LANGUAGES:
            return value
    return None


def start_language() -> str:
    """On a session's first run (a new tab, a reload), set its language to :func:`asked_language` (else the
    default); later runs keep what the reader chose. Called by app.py before its language switch."""
    if LANGUAGE_KEY not in st.session_state:
        st.session_state[LANGUAGE_KEY] = asked_language() or DEFAULT_LANGUAGE
    return st.session_state[LANGUAGE_KEY]


def keep_language(language: str) -> None:
    """Write ``language`` into the URL (``?lang=``) unless it is there already; called by app.py on every run, so
    the parameter is back on each page the reader opens, and F5 or a copied link comes back in this language."""
    if st.query_params.get(LANGUAGE_PARAM) != language:
        st.query_params[LANGUAGE_PARAM] = language


def language_cookie_tag(language: str) -> str:
    """A script (for ``st.html(..., unsafe_allow_javascript=True)``) that stores ``language`` in the browser's
    language cookie (path: the app's base path, SameSite=Strict, :data:`LANGUAGE_COOKIE_MAX_AGE_S`)."""
    import json

    base = (st.get_option("server.baseUrlPath") or "").strip("/")
    cookie = f"{LANGUAGE_COOKIE}={language}; path=/{base}; max-age={LANGUAGE_COOKIE_MAX_AGE_S}; samesite=strict"
    return f"<script>document.cookie = {json.dumps(cookie)};</script>"


def language_switch(*, key: str) -> str:
    """The three languages as one row of buttons, for a page that hides the sidebar (the presentation): a click
    changes the session's language (app.py's switch follows). Returns the session's language."""
    from planning.i18n import LANGUAGE_NAMES, LANGUAGES

    current = st.session_state.get(LANGUAGE_KEY, DEFAULT_LANGUAGE)
    st.session_state[key] = current

    def switch() -> None:
        chosen = st.session_state.get(key)
        if chosen in LANGUAGES:
            st.session_state[LANGUAGE_KEY] = chosen
        else:  # the chosen language clicked again: it stays chosen
            st.session_state[key] = st.session_state.get(LANGUAGE_KEY, DEFAULT_LANGUAGE)

    st.segmented_control(
        " · ".join(t("app.language", code) for code in LANGUAGES),
        LANGUAGES,
        format_func=LANGUAGE_NAMES.get,
        key=key,
        on_change=switch,
        label_visibility="collapsed",
    )
    return current


def small_count_k() -> int:
    """The configured small-count threshold (QORGAU_SMALL_COUNT_K, default 5, never below 3)."""
    return privacy.small_count_k()


def region_dir() -> Path:
    return Path(st.session_state.get("region_dir") or region_dir_from_env())


def get_region() -> Region:
    """This session's region; on invalid data, every problem is shown and the page stops."""
    path = region_dir()
    cached = st.session_state.get("_region")
    if cached is not None and cached.path == path:
        # a setting (roads, speeds, the rate, ...) changed in another session: read the region again
        if st.session_state.get(SETTINGS_STAMP_KEY) == settings_stamp(cached.region_id):
            return cached
        reload_region()
    try:
        region = with_stored_figures(load_region(path))  # the uploads, laid over as the CLI does
    except RegionError as exc:
        st.error(f"{t('home.folder', lang())}: {markdown_text(path)}")
        st.code("\n".join(format_problem(p, lang()) for p in exc.problems), language=None)
        st.stop()
    st.session_state["_region"] = region
    st.session_state[SETTINGS_STAMP_KEY] = settings_stamp(region.region_id)
    return region


def synthetic_banner(region: Region) -> None:
    if region.incidents_synthetic:
        st.warning(t("synthetic.banner", lang()), icon="⚠️")


# --- travel times -------------------------------------------------------------------------------------------------
# The road network and the site × settlement minutes hold no incident data: they are cached for every session.
# Everything computed with incident counts (coverage, gaps) stays in st.session_state.

PROFILE_KEY = "speed_adjustments"


def current_profile(region: Region | None = None) -> SpeedProfile:
    """The speed profile of this session: the region's (its speeds.csv, else the built-in speeds; default: this
    session's region) with the adjustments the planner switched on."""
    return speed_profile_of(
        region if region is not None else get_region(), adjustments=st.session_state.get(PROFILE_KEY, ())
    )


@st.cache_resource(show_spinner=False, max_entries=8)
def _site_minutes(
    region_path: str,
    roads_stamp: str,
    profile_key: str,
    constants: TravelConstants,
    _region: Region,
    _profile: SpeedProfile,
) -> SiteMinutes:
    return site_minutes_for(_region, profile=_profile, constants=constants)


def travel_constants(region: Region) -> TravelConstants:
    """The travel constants of ``region`` (maximum access distance, access speed, estimate circuity and speed): the
    ones a planner stored on the Roads page, else the defaults. A stored value that no longer passes the checks is
    reported and the defaults are used."""
    stored = RegionSettingsStore().get(region.region_id, TRAVEL_CONSTANTS_KEY)
    if stored is None:
        return TravelConstants()
    try:
        return TravelConstants.from_dict(stored.value)
    except TravelConstantsError as error:
        st.warning(t("travel.stored_invalid", lang(), reason=markdown_text(error)))
        return TravelConstants()


def site_minutes(region: Region) -> SiteMinutes:
    """The shared minutes table of this region, speed profile and travel constants (the network is built or read
    from disk once)."""
    profile = current_profile(region)
    roads = region.roads_path
    stamp = f"{roads}:{roads.stat().st_mtime_ns}" if roads else "estimate"
    constants = travel_constants(region)
    with st.spinner(t("roads.building", lang())):
        return _site_minutes(str(region.path), stamp, profile.cache_key(), constants, region, profile)


@st.cache_resource(show_spinner=False, max_entries=32)
def _bands(
    region_path: str,
    roads_stamp: str,
    profile_key: str,
    constants_key: tuple,
    positions: tuple,
    _region: Region,
    _services,
    _site_minutes: SiteMinutes,
):
    return service_bands(_region, _services, _site_minutes.network, constants=_site_minutes.constants)


def bands(region: Region, services, minutes_table: SiteMinutes):
    """Isochrone bands (15/30/60 min) of ``services``; cached by site positions (no incident data in them)."""
    roads = region.roads_path
    stamp = f"{roads}:{roads.stat().st_mtime_ns}" if roads else "estimate"
    positions = tuple((str(i), round(g.x, 6), round(g.y, 6)) for i, g in zip(services["service_id"], services.geometry))
    return _bands(
        str(region.path),
        stamp,
        current_profile(region).cache_key(),
        dataclasses.astuple(minutes_table.constants),
        positions,
        region,
        services,
        minutes_table,
    )


RELEASE_KEY = "_incident_releases"
"""st.session_state key of this session's incident releases: (the region they were made from, {(period, k): release});
dropped with the region (:data:`DERIVED_KEYS`)."""


def incidents_here(region: Region, period: str | None = None):
    """The protected release of the region's incidents (planning.release), aligned with its settlements; None
    without incident data. Every incident figure a page shows is a cell of it. Per session (kept in its session state
    for the region object it was made from, so a page's rerun does not make it again); never cached globally."""
    made_from, releases = st.session_state.get(RELEASE_KEY) or (None, {})
    if made_from is not region:
        releases = {}
        st.session_state[RELEASE_KEY] = (region, releases)
    key = (period, small_count_k())
    if key not in releases:
        releases[key] = incident_release(region, period=period, secret=deployment_secret())
    return releases[key]


# --- access -------------------------------------------------------------------------------------------------------
# Users, the audit log and uploaded incident counts share one SQLite file: QORGAU_SCENARIO_DB, else the user's data
# folder (planning.store.db.default_db_path). OIDC sign-in is on when .streamlit/secrets.toml has an [auth] section.
USER_KEY = "user"
"""st.session_state key of the signed-in :class:`planning.store.access.User` (as read from the database on this run)."""
SESSION_KEY = "_session_token"
"""st.session_state key of the session token (planning.store.access.start_session); without it nobody is signed in."""
ENDED_KEY = "_session_ended"
"""Why the last session ended (planning.store.access.SESSION_END_REASONS), shown once on the sign-in page."""
TICKET_KEY = "_cookie_ticket"
"""A ticket the browser has yet to exchange at server.py for the HttpOnly session cookie."""
CLIENT_HEADER_ENV = "QORGAU_CLIENT_HEADER"
"""Environment variable naming a header a trusted reverse proxy sets to the client's address (e.g. X-Real-IP)."""
DEAD_COOKIE_KEY = "_dead_cookie"
"""Fingerprint of a session cookie this connection found ended (st.context keeps the cookies of the connection's
start): it is not tried again, so a stale cookie cannot wipe the sign-in form on every run."""
KEEP_ON_SIGN_OUT = (LANGUAGE_KEY, FRAMED_KEY, ENDED_KEY, DEAD_COOKIE_KEY)
"""Session keys that survive a sign-out; everything else (incident-derived results included) is dropped."""


def access_store() -> access.AccessStore:
    """The users and audit log (the shared database, see above)."""
    return access.AccessStore()


def oidc_configured() -> bool:
    """Whether an identity provider is configured for ``st.login`` (an ``[auth]`` section in secrets.toml)."""
    from streamlit.errors import StreamlitSecretNotFoundError

    try:
        return "auth" in st.secrets
    except (StreamlitSecretNotFoundError, FileNotFoundError):
        return False


def client_id() -> str:
    """Who is asking, for the per-client sign-in limit: the header named by ``QORGAU_CLIENT_HEADER`` (set by a
    trusted proxy; its last address), else the address of the connection ("local" on this machine)."""
    header = env_value(CLIENT_HEADER_ENV)
    if header:
        value = _text(st.context.headers.get(header)).split(",")[-1].strip()
        if value:
            return value[:64]
    return (_text(st.context.ip_address) or "local")[:64]


def _text(value) -> str:
    """A value of st.context as text ("" when absent, or not text as in AppTest)."""
    return value if isinstance(value, str) else ""


def _cookie() -> str | None:
    """The session cookie the browser sent with this connection (None if none)."""
    return _text(st.context.cookies.get(access.SESSION_COOKIE)) or None


def begin_session(user: User, *, via: str) -> None:
    """After a sign-in: open a session (planning.store.access.start_session), and have the browser fetch its cookie."""
    store = access_store()
    token = access.start_session(store, user, via=via)
    st.session_state.pop(ENDED_KEY, None)
    st.session_state[SESSION_KEY] = token
    st.session_state[USER_KEY] = user
    st.session_state[TICKET_KEY] = access.cookie_ticket(store, token)


def current_user() -> User | None:
    """The signed-in user, read afresh from the database on every run; None when nobody is (any more).

    The session is this tab's token, else the browser's session cookie (a reload, F5, keeps the user signed in),
    else a verified OIDC identity an admin registered. A session that ended (idle, expired, the user changed or
    deleted, signed out elsewhere) drops everything this session computed.
    """
    store = access_store()
    token = st.session_state.get(SESSION_KEY)
    resumed = False
    if token is None:
        token = _cookie()
        if token is not None and access.token_fingerprint(token) == st.session_state.get(DEAD_COOKIE_KEY):
            token = None
        resumed = token is not None
    if token is None:
        if USER_KEY in st.session_state:  # a user without a session grants nothing
            _forget()
        return _identity_provider_user(store)
    try:
        user = access.session_user(store, token)
    except access.SessionEnded as ended:
        if ended.reason in ("idle", "expired", "changed") or not resumed:
            st.session_state[ENDED_KEY] = ended.reason
        _forget()
        if _cookie() == token:  # the connection's cookie carries this ended session: not tried again
            st.session_state[DEAD_COOKIE_KEY] = access.token_fingerprint(token)
        if oidc_configured() and st.user.is_logged_in:
            st.logout()
        return None
    if resumed:
        access.record(store, user=user.username, action="sign-in resumed", object="session cookie")
        st.session_state[SESSION_KEY] = token
    st.session_state[USER_KEY] = user
    return user


def _identity_provider_user(store: access.AccessStore) -> User | None:
    if not (oidc_configured() and st.user.is_logged_in):
        return None
    user = access.user_for_identity(access.verified_email(st.user.to_dict()), store)
    if user is not None:
        access.record(store, user=user.username, action="sign-in", object="identity provider")
        begin_session(user, via="identity provider")
    return user


def _forget() -> None:
    for key in [k for k in st.session_state if k not in KEEP_ON_SIGN_OUT]:
        del st.session_state[key]


def session_cookie_tag() -> str | None:
    """HTML for an invisible image that has the browser exchange this session's ticket for its HttpOnly cookie
    (at server.py), while the ticket waits; after a sign-out or an ended session, one that clears the cookie."""
    from html import escape

    base = (st.get_option("server.baseUrlPath") or "").strip("/")
    route = escape((f"/{base}" if base else "") + access.SESSION_ROUTE)
    ticket = st.session_state.get(TICKET_KEY)
    if ticket is not None:
        if access.ticket_pending(access_store(), ticket):
            return f'<img src="{route}?ticket={escape(ticket)}" alt="" width="1" height="1">'
        del st.session_state[TICKET_KEY]
    if SESSION_KEY not in st.session_state and _cookie():
        return f'<img src="{route}?end={access.token_fingerprint(_cookie())}" alt="" width="1" height="1">'
    return None


def sign_out() -> None:
    """End the session's sign-in (and the identity provider's), dropping everything the session computed."""
    user = st.session_state.get(USER_KEY)
    store = access_store()
    access.end_session(store, st.session_state.get(SESSION_KEY))
    if user is not None:
        access.record(store, user=user.username, action="sign-out", object="session")
    _forget()
    st.session_state.pop(ENDED_KEY, None)
    if oidc_configured() and st.user.is_logged_in:
        st.logout()
    st.rerun()


def ended_message() -> str | None:
    """Why the last session ended, once (then forgotten), in this session's language; None if it did not."""
    reason = st.session_state.pop(ENDED_KEY, None)
    if reason is None or reason == "invalid":
        return None
    minutes = f"{access.idle_limit_s() / 60:g}"
    return t(f"accounts.ended.{reason}", lang(), minutes=minutes)


def audit(action: str, object: str) -> None:
    """Record in the audit log that the signed-in user did ``action`` to ``object`` (e.g. "export",
    "district report D3 2023"). Never pass incident content."""
    user = current_user()
    access.record(access_store(), user=user.username if user else "?", action=action, object=object)


def guard(action: str) -> User:
    """Call first on every page, before any data is loaded: stops the page unless a user is signed in (their
    session checked against the database on this run), has replaced a temporary password, and has a role that may
    perform ``action`` (see planning.store.access.PERMISSIONS)."""
    user = current_user()
    if user is None:
        st.info(ended_message() or t("access.sign_in_first", lang()))
        st.stop()
    if user.must_change_password:
        st.warning(t("accounts.must_change", lang()))
        st.stop()
    if not access.can(user.role, action):
        st.error(t("access.denied", lang(), role=user.role))
        st.stop()
    return user


def download(
    label: str, build, *, file_name: str, mime: str, key: str, action: str = "export", object: str, **button_options
) -> None:
    """A download button whose file is built only when clicked, for a session still signed in with a role that
    may perform ``action``; each download is recorded in the audit log (``object`` names what, never content).

    The one way to offer a file: ``build()`` returns its bytes. The check runs in Streamlit's worker when the
    browser asks for the file (planning.store.access.session_user, read afresh), not when the page was drawn; the file
    itself is then served to the session cookie's holder only, and briefly (server.py).
    """
    token = st.session_state.get(SESSION_KEY)
    store = access_store()

    def deferred() -> bytes:
        user = access.session_user(store, token)
        access.require(user.role, action)
        data = build()
        access.record(store, user=user.username, action="download", object=f"{file_name} ({object})")
        return data

    st.download_button(label, deferred, file_name=file_name, mime=mime, key=key, on_click="ignore", **button_options)


def incident_level() -> str | None:
    """'settlement', 'district' or None: the finest level of incident figures this user may see."""
    user = current_user()
    return access.incident_level(user.role) if user else None


def incidents_for(region: Region) -> Region:
    """The region with the counts uploaded for it (planning.store.intake.IncidentStore) in place of its folder's
    incidents, when any were uploaded; else the region itself. Per session: get_region keeps it in session_state."""
    from planning.store.intake import IncidentStore, with_stored_incidents

    return with_stored_incidents(region, IncidentStore())


def populations_for(region: Region) -> Region:
    """The region with the populations uploaded for it (planning.store.population.PopulationStore) in place of its
    folder's, and each settlement's ``population_source`` ("upload", "file" or "unknown")."""
    from dataclasses import replace

    from planning.intake.population import with_populations
    from planning.store.population import PopulationStore

    stored = PopulationStore().populations(region.region_id)
    return replace(region, settlements=with_populations(region.settlements, stored))


DERIVED_KEYS = ("_scen_results", "suggest_result", "_report_files", RELEASE_KEY)
"""st.session_state keys of results computed from the region's figures (the Scenarios and Compare pages' coverage
per scenario version, the Suggest page's result, the Reports page's prepared files): dropped by reload_region."""


def reload_region() -> None:
    """Make the next get_region() read the region, its stored incident counts and populations again (after an
    upload); results computed with the old figures are dropped, so no page shows them as current."""
    for key in ("_region", *DERIVED_KEYS):
        st.session_state.pop(key, None)


# --- a selectbox that keeps its choice by value ------------------------------------------------------------------
def _sticky(key: str) -> str:
    return f"_sticky_{key}"


def _sticky_generation(key: str) -> str:
    return f"_sticky_generation_{key}"


def sticky_value(key: str):
    """The value :func:`sticky_selectbox` ``key`` last kept (None before it was first shown)."""
    return st.session_state.get(_sticky(key))


def set_sticky(key: str, value) -> None:
    """Make :func:`sticky_selectbox` ``key`` show ``value`` from its next run on (e.g. a scenario just created).

    The selectbox is then drawn under a new widget key: a browser that has not yet seen this run still shows
    (and sends back) the old choice, and under the old key that stale choice would read as the user's pick.
    """
    st.session_state[_sticky(key)] = value
    st.session_state[_sticky_generation(key)] = st.session_state.get(_sticky_generation(key), 0) + 1


def sticky_widget_key(key: str) -> str:
    """The widget key :func:`sticky_selectbox` ``key`` is drawn under now (``key`` until :func:`set_sticky`)."""
    generation = st.session_state.get(_sticky_generation(key), 0)
    return key if generation == 0 else f"{key}~{generation}"


def sticky_selectbox(label: str, options, *, key: str, format_func=str, **kwargs):
    """A selectbox whose choice is kept by value (an id), not by its label, across reruns and page changes.

    A plain selectbox is sent back by the browser as the label it shows; when the label changes (a scenario's
    version, a site renamed) or the page is left (Streamlit forgets the widget's state), the choice falls back to
    the first option without a word. Here the chosen value lives in its own session key and is put back into the
    widget on every run; the browser's choice is taken only when it is one of the options. Labels that come out
    the same for two options get the option appended, so every label stays unique. A choice the server makes
    (:func:`set_sticky`) moves the widget to a new key, so that a browser still showing the old choice cannot
    send it back as a pick.

    Returns
    -------
    The chosen option (None when ``options`` is empty).
    """
    options = list(options)
    if not options:
        return None
    chosen = st.session_state.get(_sticky(key))
    if chosen not in options:
        chosen = options[0]
    texts = [str(format_func(option)) for option in options]
    labels = {option: text if texts.count(text) == 1 else f"{text} [{option}]" for option, text in zip(options, texts)}
    widget_key = sticky_widget_key(key)

    def keep() -> None:
        picked = st.session_state.get(widget_key)
        if picked in labels:
            st.session_state[_sticky(key)] = picked

    st.session_state[_sticky(key)] = chosen
    st.session_state[widget_key] = chosen
    st.selectbox(label, options, key=widget_key, format_func=labels.__getitem__, on_change=keep, **kwargs)
    return st.session_state[_sticky(key)]


def scenario_name_problem(exc: ScenarioNameError) -> str:
    """A :class:`planning.scenarios.ScenarioNameError` in the reader's language."""
    if exc.reason == "taken":
        return t(
            "scen_safety.name_taken_archived" if exc.other.archived else "scen_safety.name_taken",
            lang(),
            other=markdown_text(exc.other.name),
        )
    if exc.reason == "empty":
        return t("scen.name_needed", lang())
    return t("scen_safety.name_too_long", lang(), count=MAX_SCENARIO_NAME_CHARS)


# --- Streamlit's own English, in the reader's language ------------------------------------------------------------
STREAMLIT_TEXT_KEYS = (
    "Upload",
    "Drag and drop a file here",
    "Drag and drop files here",
    "Choose an option",
    "Choose options",
    "No results",
    "Search",
    "Close Search",
    "Next Result",
    "Previous Result",
    "Download as CSV",
    "Fullscreen",
    "Close fullscreen",
    "Show/hide columns",
    "Clear all",
    "Running...",
    "Stop",
)
"""Texts that Streamlit 1.67's widgets draw in English with no parameter to change them (file uploader button
and drop text, selectbox/multiselect empty states, the table toolbar's tooltips and aria-labels, the running
indicator); catalog keys ``streamlit.<text>``."""

_TEXTS_SCRIPT = """<div hidden data-qorgau-texts="%s"></div><script>
(() => {
  if (window.__qorgauTexts) { window.__qorgauTexts.refresh(); return; }
  const q = window.__qorgauTexts = {touched: new Map(), raw: null, spec: null};
  const sizes = /^(\\d+(?:\\.\\d+)?)\\s?(B|KB|MB|GB)( per file)?$/;
  const translate = (english) => {
    const spec = q.spec;
    if (Object.prototype.hasOwnProperty.call(spec.texts, english)) return spec.texts[english];
    const m = sizes.exec(english);
    if (!m) return null;
    const size = m[1].replace(".", spec.decimal) + "\\u00a0" + spec.units[m[2]];
    return m[3] ? spec.perFile.replace("{size}", size) : size;
  };
  const fix = (node, attr) => {
    const slot = attr || "#text";
    const now = attr ? node.getAttribute(attr) : node.data;
    const before = (q.touched.get(node) || {})[slot];
    const english = before !== undefined && now === before.shown ? before.english : now && now.trim();
    const text = english ? translate(english) : null;
    if (text === null || text === now) return;
    const record = q.touched.get(node) || {};
    record[slot] = {english, shown: text};
    q.touched.set(node, record);
    if (attr) node.setAttribute(attr, text); else node.data = text;
  };
  const walk = (root) => {
    if (root.nodeType === 3) { fix(root); return; }
    if (root.nodeType !== 1 || root.tagName === "SCRIPT" || root.tagName === "STYLE") return;
    for (const attr of ["aria-label", "placeholder", "title"]) if (root.hasAttribute(attr)) fix(root, attr);
    for (const child of root.childNodes) walk(child);
  };
  q.refresh = () => {  /* the language of the newest run: rewrite again what was rewritten before */
    const holder = document.querySelector("[data-qorgau-texts]");
    if (!holder || holder.dataset.qorgauTexts === q.raw) return;
    q.raw = holder.dataset.qorgauTexts;
    q.spec = JSON.parse(q.raw);
    for (const [node, record] of q.touched) {
      for (const [slot, r] of Object.entries(record)) {
        const text = translate(r.english);
        if (text === null) continue;
        if (slot === "#text") node.data = text; else node.setAttribute(slot, text);
        r.shown = text;
      }
    }
    walk(document.body);
  };
  new MutationObserver((changes) => {
    q.refresh();
    for (const c of changes) {
      if (c.type === "characterData") fix(c.target);
      else if (c.type === "attributes") c.attributeName === "data-qorgau-texts" ? null : fix(c.target, c.attributeName);
      else c.addedNodes.forEach(walk);
    }
  }).observe(document.body, {subtree: true, childList: true, characterData: true, attributes: true,
                             attributeFilter: ["aria-label", "placeholder", "title", "data-qorgau-texts"]});
  q.refresh();
})();
</script>"""


def streamlit_texts_tag(language: str) -> str | None:
    """A script (for ``st.html(..., unsafe_allow_javascript=True)``, drawn once by app.py) that rewrites
    Streamlit's own English texts (:data:`STREAMLIT_TEXT_KEYS`, and "25MB per file"-style sizes) into ``language``
    as the browser draws them, and back when the language changes; None for English.

    The texts come from the catalog (``streamlit.*``), so translators see them with every other message."""
    import html
    import json

    if language == "en":
        return None
    spec = {
        "texts": {text: t(f"streamlit.{text}", language) for text in STREAMLIT_TEXT_KEYS},
        "units": {unit: t(f"streamlit.unit.{unit}", language) for unit in ("B", "KB", "MB", "GB")},
        "perFile": t("streamlit.per_file", language, size="{size}"),
        "decimal": t_decimal(language),
    }
    return _TEXTS_SCRIPT % html.escape(json.dumps(spec, ensure_ascii=False), quote=True)


def t_decimal(language: str) -> str:
    """The decimal sign of ``language`` (CLDR)."""
    from babel.numbers import get_decimal_symbol

    return get_decimal_symbol(language)


def choose_placeholder(*, many: bool = False) -> str:
    """``placeholder=`` for a selectbox (or, ``many``, a multiselect) that may show no choice yet."""
    return t("streamlit.Choose options" if many else "streamlit.Choose an option", lang())


def show_table(data, **kwargs):
    """``st.dataframe`` with missing values drawn as "—" (Streamlit draws "None") in every language."""
    return st.dataframe(data, placeholder="—", **kwargs)


MAP_FRAME_SELECTOR = "iframe[title='streamlit_folium.st_folium']"
MAP_MIN_HEIGHT_PX = 460
MAP_SCREEN_MARGIN_PX = 130
"""Without the script below (or before it ran), a map is as tall as the browser window less this margin (pixels),
at least :data:`MAP_MIN_HEIGHT_PX`; the map inside follows its frame (``planning.render.webmap.MAP_CSS``)."""
MAP_BOTTOM_GAP_PX = 16
"""Space left under a map that ends in the first screen, pixels."""
MAP_FIRST_SCREEN_MIN_PX = 360
"""A map that starts in the first screen ends at its bottom when that leaves it at least this tall (pixels); else it
is as tall as the screen less :data:`MAP_SCREEN_MARGIN_PX`."""
PAGE_TOP_PADDING_REM = 2.5
"""Space above the title of a page with a map (Streamlit's default is 6 rem): the map starts higher."""
MAP_FRAME_CSS = (
    f"<style>{MAP_FRAME_SELECTOR} {{height: var(--qorgau-map-height, "
    f"max({MAP_MIN_HEIGHT_PX}px, calc(100vh - {MAP_SCREEN_MARGIN_PX}px))) !important;}}"
    f"[data-testid=stMainBlockContainer] {{padding-top: {PAGE_TOP_PADDING_REM}rem;}}</style>"
)
_MAP_HEIGHT_SCRIPT = """<script>
(() => {
  if (window.__qorgauMapHeight) { window.__qorgauMapHeight(); return; }
  let pending = false;
  const fit = () => {
    pending = false;
    const frame = document.querySelector("FRAME");
    const main = document.querySelector("[data-testid=stMain]");
    if (!frame || !main) return;
    const screen = main.clientHeight || window.innerHeight;
    const top = frame.getBoundingClientRect().top - main.getBoundingClientRect().top + main.scrollTop;
    const fits = screen - top - GAP;
    const height = fits >= FIRST ? fits : Math.max(MIN, screen - MARGIN);
    const value = Math.round(height) + "px";
    if (document.documentElement.style.getPropertyValue("--qorgau-map-height") !== value) {
      document.documentElement.style.setProperty("--qorgau-map-height", value);
    }
  };
  const later = () => { if (!pending) { pending = true; window.requestAnimationFrame(fit); } };
  window.__qorgauMapHeight = later;
  window.addEventListener("resize", later);
  new MutationObserver(later).observe(document.body, {subtree: true, childList: true});
  later();
})();
</script>"""
"""Sets the maps' height (the CSS variable ``--qorgau-map-height``): a map that starts in the first screen ends at
its bottom (it is seen whole without scrolling); one that starts lower is as tall as the screen less the margin."""


def show_map(fmap, *, key: str, returned_objects=()):
    """Show a folium map the width of its column, as tall as fits in the screen (see ``_MAP_HEIGHT_SCRIPT``);
    returns st_folium's value. A map that returns only clicks tells the page of a click at once, not a quarter of a
    second later (:class:`planning.render.clicks.ImmediateClick`). The map is emptied once sent (:func:`_release_map`):
    draw everything on it before."""
    from streamlit_folium import st_folium

    from planning.render.clicks import ImmediateClick, sends_clicks_at_once

    if sends_clicks_at_once(returned_objects):
        fmap.add_child(ImmediateClick(returned_objects), name="qorgau_immediate_click")
    fitted = getattr(fmap, "qorgau_bounds", None)  # west, south, east, north: what the map is fitted to
    if fitted is not None and "bounds" not in returned_objects:
        # st_folium reads the map's bounds for its "bounds" value only, which this page does not ask for; folium
        # would walk every vertex of every layer for it (tens of milliseconds on each run)
        west, south, east, north = fitted
        fmap.get_bounds = lambda: [[south, west], [north, east]]

    st.html(  # one element (each adds a gap above the map): the frame's style and the script that sets its height
        MAP_FRAME_CSS
        + _MAP_HEIGHT_SCRIPT.replace("FRAME", MAP_FRAME_SELECTOR)
        .replace("GAP", str(MAP_BOTTOM_GAP_PX))
        .replace("FIRST", str(MAP_FIRST_SCREEN_MIN_PX))
        .replace("MIN", str(MAP_MIN_HEIGHT_PX))
        .replace("MARGIN", str(MAP_SCREEN_MARGIN_PX)),
        unsafe_allow_javascript=True,
    )
    # render=False: st_folium renders the map once (its default renders the whole figure a second time, for nothing
    # but a repeated setIcon call per label marker; tests/test_map_render_once.py)
    value = st_folium(
        fmap, height=MAP_MIN_HEIGHT_PX, width=None, returned_objects=list(returned_objects), key=key, render=False
    )
    _release_map(fmap)
    return value


def _release_map(fmap) -> None:
    """Empty ``fmap`` once it was sent: a page's fragments keep the page's variables (the map among them) alive
    between runs, and a rendered map of the bundled region holds some 3.5 MB of layers and script text per session
    (issue 24). The map must not be used after :func:`show_map`."""
    root = fmap.get_root()
    for part in (getattr(root, "header", None), getattr(root, "html", None), getattr(root, "script", None)):
        if part is not None:
            part._children.clear()
    fmap._children.clear()
