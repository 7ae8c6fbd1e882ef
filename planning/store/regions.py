"""Which regions of the deployment each user may see: one deployment, several region folders, users scoped to theirs.

A deployment serves the region folders :func:`geo.settings.deployment_region_dirs` lists (``QORGAU_REGIONS``, else
the one ``QORGAU_REGION`` names). A user belongs to one or more of them by the folders' region ids (table
``user_regions``), or to the whole deployment (:data:`WHOLE_DEPLOYMENT`, e.g. the ministry's admin). An admin sets
it on the Users page or with ``python -m planning user-regions``; every change is an audited account change, and the
table is sealed by the audit chain like the users and roles (:data:`planning.store.chain.COVERED`).

A user without any assignment (every user from before this module) gets :func:`scope_of`'s upgrade rule: while the
deployment serves one region, the whole deployment (nothing changes on upgrade); once it serves several, an admin
keeps the whole deployment (they managed it before) and anyone else sees no region until an admin assigns one.

:func:`scope_of` gives a user's :class:`Scope`; pages, exports and the command line ask it (:meth:`Scope.allows`,
:func:`require_region`) before they read a region's data, and :func:`visible_entries` filters the audit log to the
entries of the viewer's regions (:func:`entry_regions`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from planning.store import access
from planning.store.access import AccessDenied, AccessStore, AuditEntry, User, UserError

WHOLE_DEPLOYMENT = "*"
"""The region id that stands for every region of the deployment in ``user_regions``."""
AUDIT_BATCH_ROWS = 1000
"""Audit entries read per query while filtering the log to a viewer's regions, in rows."""

SCHEMA = """
CREATE TABLE IF NOT EXISTS user_regions (
    username    TEXT NOT NULL,
    region_id   TEXT NOT NULL,
    assigned_at TEXT NOT NULL,
    assigned_by TEXT NOT NULL,
    PRIMARY KEY (username, region_id)
);
"""
"""A user's regions: one row per (user, region id); ``*`` is the whole deployment. Rows older than the user's own
``created_at`` (left by a deleted user of the same name) are not read."""


class RegionDenied(AccessDenied):
    """The signed-in user does not belong to the region asked for (the message names it and the fix)."""

    def __init__(self, username: str, region_id: str):
        super().__init__(
            f"user {username} does not belong to region {region_id!r}. Fix: open one of the user's regions, or ask "
            "an admin to assign this region to the user (Users page, or python -m planning user-regions)."
        )
        self.username, self.region_id = username, region_id

    def message(self, lang: str) -> str:
        """The message in ``lang``."""
        from planning.i18n import t

        return t("scope.denied", lang, user=self.username, region=self.region_id)


class RegionScopeStore(AccessStore):
    """The users' region assignments beside the users, sessions and audit log of the deployment's database."""

    schema = AccessStore.schema + SCHEMA


@dataclass(frozen=True)
class Scope:
    """The regions a user may see.

    Attributes
    ----------
    username : str
    whole : bool
        The whole deployment: every region (and any region folder the pages may open).
    region_ids : frozenset of str
        The regions assigned when not ``whole`` (may be empty: the user sees no region).
    """

    username: str
    whole: bool
    region_ids: frozenset[str] = field(default_factory=frozenset)

    def allows(self, region_id: str) -> bool:
        """Whether the user may read region ``region_id``'s data."""
        return self.whole or str(region_id) in self.region_ids

    def within(self, deployment_ids: Sequence[str]) -> list[str]:
        """The deployment's region ids this user may see, in the deployment's order."""
        return [region_id for region_id in deployment_ids if self.allows(region_id)]

    def covers(self, other: Scope) -> bool:
        """Whether every region of ``other`` is one of this scope's (what a region admin may manage)."""
        return self.whole or (not other.whole and other.region_ids <= self.region_ids)


def require_region(scope: Scope, region_id: str) -> None:
    """Raise :class:`RegionDenied` unless ``scope`` allows region ``region_id``."""
    if not scope.allows(region_id):
        raise RegionDenied(scope.username, region_id)


def assigned(store: RegionScopeStore, username: str) -> frozenset[str]:
    """The region ids assigned to ``username`` (``*`` for the whole deployment); empty when none is."""
    with store.transaction(write=False) as db:
        row = db.execute("SELECT username, created_at FROM users WHERE username = ?", (username,)).fetchone()
        if row is None:
            return frozenset()
        rows = db.execute(
            "SELECT region_id FROM user_regions WHERE username = ? AND assigned_at >= ?", (row[0], row[1])
        ).fetchall()
    return frozenset(str(r[0]) for r in rows)


def scope_of(store: RegionScopeStore, user: User, deployment_ids: Sequence[str]) -> Scope:
    """The regions ``user`` may see in a deployment serving ``deployment_ids``.

    The assignment when there is one; without any (a user from before regions were assigned): the whole deployment
    while it serves one region, else the whole deployment for an admin and no region for anyone else.
    """
    ids = assigned(store, user.username)
    if WHOLE_DEPLOYMENT in ids:
        return Scope(user.username, True)
    if ids:
        return Scope(user.username, False, ids)
    return Scope(user.username, len(deployment_ids) <= 1 or user.role == "admin")


def set_regions(
    store: RegionScopeStore,
    username: str,
    region_ids: Iterable[str],
    *,
    by: str,
    by_scope: Scope | None,
    deployment_ids: Sequence[str],
) -> frozenset[str]:
    """Assign ``username`` to ``region_ids`` (replacing their regions; ``*`` for the whole deployment), with an audit
    entry "set regions" in the same transaction.

    Parameters
    ----------
    by : str
        Who assigns (the audit entry's user).
    by_scope : Scope or None
        The assigning admin's scope (None: the machine's owner at the command line, who may assign anything). An
        admin of some regions may only assign those regions, and only to a user none of whose regions is outside
        them; only an admin of the whole deployment may assign ``*``.
    deployment_ids : sequence of str
        The deployment's region ids: any other id is refused (a typo would lock a user out without a word).

    Raises
    ------
    UserError
        ``no_user`` for an unknown user, ``unknown_region`` for an id the deployment does not serve,
        ``region_not_yours`` when ``by_scope`` may not assign it or may not manage this user.
    """
    wanted = sorted({str(r).strip() for r in region_ids if str(r).strip()})
    unknown = [r for r in wanted if r != WHOLE_DEPLOYMENT and r not in deployment_ids]
    if unknown:
        listed = ", ".join(deployment_ids)
        raise UserError(
            f"region {unknown[0]!r} is not one of this deployment's ({listed}). Fix: choose one of them, or add its "
            "folder to QORGAU_REGIONS.",
            key="unknown_region",
            region=unknown[0],
            regions=listed,
        )
    name = access.normalise_username(username)
    with store.transaction(write=False) as db:
        row = db.execute("SELECT username, role FROM users WHERE username = ?", (name,)).fetchone()
    if row is None:
        raise UserError(f"no user named {name}. Fix: check the name on the users page.", key="no_user", name=name)
    if by_scope is not None:
        target = scope_of(store, User(row[0], row[1], None), deployment_ids)
        new = Scope(row[0], WHOLE_DEPLOYMENT in wanted, frozenset(wanted) - {WHOLE_DEPLOYMENT})
        if not (by_scope.covers(target) and by_scope.covers(new)):
            raise UserError(
                f"{by} may not assign these regions to {row[0]}: an admin of some regions assigns only those, to "
                "users of those. Fix: ask an admin of the whole deployment.",
                key="region_not_yours",
                user=row[0],
            )
    now = datetime.now(UTC).isoformat(timespec="seconds")
    with store.transaction() as db:
        db.execute("DELETE FROM user_regions WHERE username = ?", (row[0],))
        db.executemany(
            "INSERT INTO user_regions (username, region_id, assigned_at, assigned_by) VALUES (?, ?, ?, ?)",
            [(row[0], region_id, now, by) for region_id in wanted],
        )
        access.write_audit(db, user=by, action="set regions", object=f"user {row[0]} regions: {', '.join(wanted)}")
    return frozenset(wanted)


def forget_user(store: RegionScopeStore, username: str) -> None:
    """Remove a deleted user's assignments (a later user of the same name starts with none)."""
    with store.transaction() as db:
        db.execute("DELETE FROM user_regions WHERE username = ?", (username,))


def deployment_scopes(store: RegionScopeStore, deployment_ids: Sequence[str]) -> dict[str, Scope]:
    """Every user's scope, by user name."""
    return {user.username: scope_of(store, user, deployment_ids) for user in access.list_users(store)}


# --------------------------------------------------------------------------------------------------------------
# the audit log, per region
# --------------------------------------------------------------------------------------------------------------
def _scenario_regions(store: AccessStore) -> dict[str, str]:
    """Scenario id (as text) -> its region id."""
    from planning.store.scenarios import ScenarioStore

    with ScenarioStore(store.path).transaction(write=False) as db:
        return {str(r[0]): str(r[1]) for r in db.execute("SELECT scenario_id, region_id FROM scenarios")}


def entry_regions(
    entry: AuditEntry, *, scenario_regions: Mapping[str, str], scopes: Mapping[str, Scope]
) -> tuple[frozenset[str], bool]:
    """The regions an audit entry concerns, and whether it concerns the whole deployment.

    An entry whose object names a region (an upload, a region setting, a report, an export) or a scenario concerns
    that region; a download concerns what it holds. Any other entry (a sign-in, an account change) concerns the
    regions of the users it names (who acted, and the user acted upon): the whole deployment when one of them belongs
    to it, or when no user of the log is named (a chain migration).
    """
    shapes = access._OBJECT_SHAPES  # the one list of the shapes in which the app writes audit objects
    text = entry.object
    for _ in range(3):  # a download names its content in brackets: look inside (never deeper than the app writes)
        for pattern, key in shapes:
            match = pattern.fullmatch(text)
            if match is None:
                continue
            groups = match.groupdict()
            if "inner" in groups:
                text = groups["inner"]
                break
            if "region" in groups:
                return frozenset({groups["region"]}), False
            if key.startswith("audit.obj.scenario"):
                found = scenario_regions.get(groups["id"])
                return (frozenset({found}), False) if found else (frozenset(), True)
            return _users_regions([entry.user, groups.get("user") or ""], scopes)
        else:
            break
    return _users_regions([entry.user], scopes)


def _users_regions(names: Iterable[str], scopes: Mapping[str, Scope]) -> tuple[frozenset[str], bool]:
    known = [scopes[n] for n in names if n in scopes]
    if not known or any(s.whole for s in known):
        return frozenset(), True
    return frozenset().union(*(s.region_ids for s in known)), False


def visible_entries(
    store: RegionScopeStore,
    viewer: Scope | None,
    deployment_ids: Sequence[str],
    *,
    user: str | None = None,
    limit: int = 200,
) -> list[AuditEntry]:
    """The newest audit entries first (optionally of one user) that ``viewer`` may read: all for the whole
    deployment (or None, the machine's owner), else only those concerning their regions (:func:`entry_regions`)."""
    if viewer is None or viewer.whole:
        return access.entries(store, user=user, limit=limit)
    scopes = deployment_scopes(store, deployment_ids)
    scenario_regions = _scenario_regions(store)
    shown: list[AuditEntry] = []
    before: int | None = None
    while len(shown) < limit:
        where = ["1 = 1"]
        values: list[object] = []
        if user is not None:
            where.append("user = ?")
            values.append(user)
        if before is not None:
            where.append("entry_id < ?")
            values.append(before)
        sql = (
            "SELECT entry_id, at, user, action, object FROM audit_log WHERE "
            + " AND ".join(where)
            + " ORDER BY entry_id DESC LIMIT ?"
        )
        with store.transaction(write=False) as db:
            batch = [AuditEntry(*r) for r in db.execute(sql, (*values, AUDIT_BATCH_ROWS)).fetchall()]
        if not batch:
            break
        for entry in batch:
            regions, whole = entry_regions(entry, scenario_regions=scenario_regions, scopes=scopes)
            if not whole and regions & viewer.region_ids:
                shown.append(entry)
        before = batch[-1].entry_id
    return shown[:limit]


def database_store(path: str | Path | None = None) -> RegionScopeStore:
    """The region assignments of the database ``path`` (default: the deployment's)."""
    return RegionScopeStore(path)
