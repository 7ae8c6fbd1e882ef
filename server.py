"""Qorgau's web server: Streamlit's own (Starlette) server for ``app.py``, plus what a script cannot do itself.

Run with ``make run`` (``streamlit run server.py``). Two additions, both about who may receive what:

- ``/_qorgau/session`` (planning.store.access.SESSION_ROUTE): the browser exchanges the one-time ticket of a fresh
sign-in (``?ticket=``) for the session
  cookie, ``HttpOnly`` (page scripts never see it), ``SameSite=Strict``, ``Secure`` over HTTPS, expiring with the
  session (planning.store.access.SESSION_MAX_S). A reload (F5) then resumes the session instead of signing out.
  ``?end=<fingerprint>`` clears the cookie if it still holds that (ended) token.
- ``/media/…``: Streamlit serves every file a page shows or offers for download there, to whoever has the URL.
  Here a request must carry the cookie of a live session (planning.store.access.session_user, read afresh); a download
  (an export) needs a role that may ``export``, and is removed from the server's memory
  :data:`DOWNLOAD_GRACE_S` after it was first served.

Plain ``streamlit run app.py`` still works for development, without these two: a reload signs out, and
downloads are not guarded at the HTTP level.
"""

from __future__ import annotations

import asyncio
import time
from http.cookies import SimpleCookie

import streamlit as st
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from streamlit.runtime.pages_manager import PagesManager

from planning.store import access

MEDIA_PREFIX = "/media/"
DOWNLOAD_GRACE_S = 10.0
"""How long a download stays fetchable after it was first served whole, in seconds: Streamlit's frontend asks for
a deferred file twice (a check, then the download itself)."""
_PIXEL_GIF = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00,"
    b"\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)
"""A transparent 1×1 GIF: the answer to the page's invisible cookie image."""


def _base_path() -> str:
    base = (st.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{base}" if base else ""


def _https(request_scheme: str, headers) -> bool:
    return request_scheme == "https" or headers.get("x-forwarded-proto", "").lower() == "https"


async def session_cookie(request: Request) -> Response:
    """Set (``?ticket=``) or clear (``?end=``) the HttpOnly session cookie; answers with a transparent pixel."""
    store = access.AccessStore()
    response = Response(_PIXEL_GIF, media_type="image/gif", headers={"Cache-Control": "no-store"})
    cookie_path = _base_path() or "/"
    ticket = request.query_params.get("ticket")
    if ticket:
        token = await asyncio.to_thread(access.redeem_cookie_ticket, store, ticket)
        if token is None:
            return Response(status_code=403, headers={"Cache-Control": "no-store"})
        max_age = max(int((access.session_expires_s(token) or 0) - time.time()), 0)
        response.set_cookie(
            access.SESSION_COOKIE,
            token,
            max_age=max_age,
            path=cookie_path,
            httponly=True,
            samesite="strict",
            secure=_https(request.url.scheme, request.headers),
        )
        return response
    stale = request.query_params.get("end")
    if stale:
        # clear only the cookie the page saw go stale: a sign-in in the meantime may have set a fresh one
        if access.token_fingerprint(request.cookies.get(access.SESSION_COOKIE)) != stale:
            return response
        response.delete_cookie(
            access.SESSION_COOKIE,
            path=cookie_path,
            httponly=True,
            samesite="strict",
            secure=_https(request.url.scheme, request.headers),
        )
        return response
    return Response(status_code=400, headers={"Cache-Control": "no-store"})


def _cookie_token(scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == b"cookie":
            jar = SimpleCookie()
            try:
                jar.load(value.decode("latin-1"))
            except Exception:  # a malformed cookie header grants nothing
                return None
            if access.SESSION_COOKIE in jar:
                return jar[access.SESSION_COOKIE].value
    return None


def _live_user(token: str | None) -> access.User | None:
    if token is None:
        return None
    try:
        return access.session_user(access.AccessStore(), token, touch=False)
    except access.SessionEnded:
        return None


class GuardedMedia:
    """ASGI middleware: ``/media/`` only for a live session's cookie; downloads for ``export`` roles, then gone.

    Streamlit keeps a download (the result of a deferred ``st.download_button``) in memory until two later script
    runs have ended, under a URL made of a hash of its content; without this anyone holding the URL could fetch it
    meanwhile.
    """

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        prefix = _base_path() + MEDIA_PREFIX
        if scope["type"] != "http" or not scope["path"].startswith(prefix):
            await self.app(scope, receive, send)
            return
        user = await asyncio.to_thread(_live_user, _cookie_token(scope))
        if user is None:
            await _refuse(send, 403, b"Sign in first.")
            return
        name = scope["path"][len(prefix) :]
        manager, stored = _stored_file(name)
        if stored is None:
            await self.app(scope, receive, send)  # Streamlit answers 404
            return
        from streamlit.runtime.media_file_storage import MediaFileKind

        if stored.kind != MediaFileKind.DOWNLOADABLE:
            await self.app(scope, receive, send)
            return
        if not access.can(user.role, "export"):
            await _refuse(send, 403, b"This role may not download exports.")
            return
        status = {}

        async def watch(message):
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body") and status.get("code") == 200:
                asyncio.get_running_loop().call_later(DOWNLOAD_GRACE_S, _forget_download, manager, name)

        await self.app(scope, receive, watch)


def _stored_file(name: str):
    from streamlit.runtime import Runtime

    if not Runtime.exists():
        return None, None
    manager = Runtime.instance().media_file_mgr
    if not manager.can_read_files:
        return manager, None
    return manager, manager.read_file(name.rsplit(".", 1)[0])


def _forget_download(manager, name: str) -> None:
    """Remove a served download from Streamlit's memory unless a page still shows it (an eager download button)."""
    file_id = name.rsplit(".", 1)[0]
    with manager._lock:
        in_use = any(file_id in files.values() for files in manager._files_by_session_and_coord.values())
        if not in_use:
            manager._storage.delete_file(file_id)
            manager._file_metadata.pop(file_id, None)


async def _refuse(send, status: int, body: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"cache-control", b"no-store"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _middleware():
    from starlette.middleware import Middleware

    return [Middleware(GuardedMedia)]


# app.py's st.navigation is the one navigation. Streamlit would run a fresh server's first session in its legacy
# pages/-folder mode (our pages live in a folder of that name) and draw every file there as a link, "admin",
# "common", "compare"..., until app.py had run; the mode is decided once per server, so it is decided here.
PagesManager.uses_pages_directory = False

app = st.App(
    "app.py",
    routes=[Route(_base_path() + access.SESSION_ROUTE, session_cookie, methods=["GET"])],
    middleware=_middleware(),
)
