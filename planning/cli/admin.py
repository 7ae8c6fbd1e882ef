"""Administration commands: ``create-admin`` (first start), ``audit`` (and ``audit --verify``), ``user-regions``
(a user's regions in a deployment of several), ``import-incidents`` and ``migrate-store`` (a SQLite deployment into
PostgreSQL)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from planning.cli import (
    Subparsers,
    UsageError,
    check_region,
    command_parser,
    db_argument,
    existing_file,
    region_argument,
)
from planning.i18n import t


def register(subparsers: Subparsers, lang: str) -> None:
    admin = command_parser(subparsers, "create-admin", lang)
    db_argument(admin, lang)
    admin.add_argument("--username", required=True)
    admin.add_argument("--password-stdin", action="store_true", help=t("cli.arg.password_stdin", lang))
    admin.set_defaults(handler=_create_admin)

    audit = command_parser(subparsers, "audit", lang)
    db_argument(audit, lang)
    audit.add_argument("--limit", type=int, default=50, help=t("cli.arg.limit", lang))
    audit.add_argument("--user", help=t("cli.arg.audit_user", lang))
    audit.add_argument("--verify", action="store_true", help=t("cli.arg.verify", lang))
    audit.add_argument("--migrate", action="store_true", help=t("cli.arg.migrate_chain", lang))
    audit.add_argument("--force", action="store_true", help=t("cli.arg.migrate_force", lang))
    audit.set_defaults(handler=_audit)

    scoped = command_parser(subparsers, "user-regions", lang)
    db_argument(scoped, lang)
    scoped.add_argument("username", metavar="NAME", help=t("cli.arg.regions_user", lang))
    scoped.add_argument("--set", metavar="ID[,ID...]", default=None, help=t("cli.arg.regions_set", lang))
    scoped.add_argument("--whole", action="store_true", help=t("cli.arg.regions_whole", lang))
    scoped.set_defaults(handler=_user_regions)

    upload = command_parser(subparsers, "import-incidents", lang)
    db_argument(upload, lang)
    region_argument(upload, lang)
    upload.add_argument("--user", required=True, help=t("cli.arg.import_user", lang))
    upload.add_argument("--mode", choices=("replace", "append"), default="replace", help=t("cli.arg.mode", lang))
    upload.add_argument("file", type=existing_file(lang), metavar="FILE", help=t("cli.arg.incident_file", lang))
    upload.set_defaults(handler=_import_incidents)

    move = command_parser(subparsers, "migrate-store", lang)
    db_argument(move, lang)
    move.add_argument("--to", required=True, metavar="postgresql://…", help=t("cli.arg.migrate_to", lang))
    move.add_argument("--owner-url", metavar="postgresql://…", help=t("cli.arg.owner_url", lang))
    move.set_defaults(handler=_migrate_store)


def _read_password(from_stdin: bool, lang: str) -> str:
    import getpass

    if from_stdin or not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass(t("cli.admin.password", lang))
    if getpass.getpass(t("cli.admin.repeat", lang)) != first:
        raise UsageError(t("cli.admin.differ", lang))
    return first


def _create_admin(args: argparse.Namespace) -> int:
    from planning.store.access import AccessStore, create_first_admin

    store = AccessStore(args.db)
    user = create_first_admin(store, args.username, _read_password(args.password_stdin, args.lang))
    print(t("cli.admin.created", args.lang, user=user.username, path=str(store.path)))
    return 0


def _audit(args: argparse.Namespace) -> int:
    from planning.cli import deployment_region_ids
    from planning.store.access import default_db_path
    from planning.store.regions import RegionScopeStore, visible_entries

    scope = getattr(args, "scope", None)
    if (args.verify or args.migrate) and scope is not None:  # the chain's checks are the machine owner's
        raise UsageError(t("cli.as_user.owner_only", args.lang, command="audit --verify/--migrate"))
    if args.verify:
        return _verify(args.db or default_db_path(), args.lang)
    if args.migrate:
        return _migrate(args.db or default_db_path(), args.lang, force=args.force)
    shown = visible_entries(RegionScopeStore(args.db), scope, deployment_region_ids(), user=args.user, limit=args.limit)
    for entry in reversed(shown):  # with --as-user: the entries of the user's regions only
        print(f"{entry.at}  {entry.user:20}  {entry.action:28}  {entry.object}")
    return 0


def _user_regions(args: argparse.Namespace) -> int:
    """Show a user's regions, or set them (``--set ID,ID``, ``--whole``); audited as the Users page does it."""
    import getpass

    from planning.cli import deployment_region_ids
    from planning.store import access
    from planning.store.regions import WHOLE_DEPLOYMENT, RegionScopeStore, scope_of, set_regions

    store = RegionScopeStore(args.db)
    served = deployment_region_ids()
    scope = getattr(args, "scope", None)
    if args.set is not None or args.whole:
        wanted = [WHOLE_DEPLOYMENT] if args.whole else [r for r in args.set.split(",") if r.strip()]
        by = scope.username if scope is not None else f"cli ({getpass.getuser()})"
        try:
            set_regions(store, args.username, wanted, by=by, by_scope=scope, deployment_ids=served)
        except access.UserError as exc:
            raise UsageError(exc.message(args.lang)) from None
    found = {u.username.casefold(): u for u in access.list_users(store)}.get(
        access.normalise_username(args.username).casefold()
    )
    if found is None:
        raise UsageError(t("user_error.no_user", args.lang, name=args.username))
    shown = scope_of(store, found, served)
    if scope is not None and not scope.covers(shown):
        raise UsageError(t("user_error.region_not_yours", args.lang, user=found.username))
    regions = t("scope.whole", args.lang) if shown.whole else ", ".join(sorted(shown.region_ids)) or "—"
    print(t("cli.user_regions.shown", args.lang, user=found.username, regions=regions, served=", ".join(served)))
    return 0


def _verify(path: Path, lang: str) -> int:
    """Print one line per chain; a break goes to stderr and makes the exit code 1."""
    from planning.store import chain

    if not Path(path).is_file():
        raise UsageError(t("cli.no_db", lang, path=str(path)))
    broken = 0
    try:
        reports = chain.verify_file(path)
    except chain.AuditKeyError as exc:
        raise UsageError(str(exc)) from None
    for report in reports:
        for note in report.notes:
            print(t("cli.note", lang, message=note), file=sys.stderr)
        if not report.chained:
            print(t("cli.audit.unchained", lang, what=report.spec.what, rows=str(report.rows)))
        elif report.intact:
            head = (
                t(
                    "cli.audit.head",
                    lang,
                    column=report.spec.order_column,
                    position=str(report.head_position),
                    hash=report.head_hash,
                )
                if report.head_hash
                else ""
            )
            print(t("cli.audit.intact", lang, what=report.spec.what, rows=str(report.rows), head=head))
        else:
            broken += 1
            print(
                t(
                    "cli.audit.broken",
                    lang,
                    message=report.first_break.message if report.first_break else "",
                    rows=str(report.rows),
                    table=report.spec.table,
                    path=str(path),
                ),
                file=sys.stderr,
            )
    return 1 if broken else 0


def _migrate(path: Path, lang: str, *, force: bool) -> int:
    """Seal a database from before the keyed chain with the audit key (explicit, audited; see
    :func:`planning.store.chain.migrate`)."""
    import getpass

    from planning.store import chain
    from planning.store.access import AccessStore

    if not Path(path).is_file():
        raise UsageError(t("cli.no_db", lang, path=str(path)))
    store = AccessStore(path)
    try:
        with store.transaction() as db:
            done = chain.migrate(db, user=f"audit --migrate ({getpass.getuser()})", force=force)
    except (ValueError, chain.AuditKeyError) as exc:
        raise UsageError(t("cli.audit.migrate_refused", lang, reason=str(exc))) from None
    rows = ", ".join(f"{name} {n}" for name, n in done.sealed.items())
    print(t("cli.audit.migrated", lang, rows=rows, keyfile=str(chain.key_path(path))))
    return 0


def _import_incidents(args: argparse.Namespace) -> int:
    from geo.errors import ValidationError
    from geo.region import load_region
    from planning.store.intake import IncidentStore, ingest_incidents

    lang = args.lang
    region = load_region(args.region)
    check_region(args, region.region_id)  # --as-user: only a region of the user's
    result = ingest_incidents(
        args.file.read_bytes(),
        filename=args.file.name,
        region=region,
        store=IncidentStore(args.db),
        user=args.user,
        mode=args.mode,
    )
    if not result.accepted:
        raise ValidationError(list(result.problems))
    for message in result.messages(lang):
        print(t("cli.warning", lang, message=message), file=sys.stderr)
    print(
        t(
            "cli.import.stored",
            lang,
            n=result.counts_stored,
            layout=result.layout,
            rows=result.rows,
            periods=", ".join(result.periods),
            batch=str(result.batch_id),
        )
    )
    return 0


def _migrate_store(args: argparse.Namespace) -> int:
    """Copy the SQLite deployment (``--db`` or the app's) into the empty PostgreSQL database ``--to``, verified
    (:func:`planning.store.migrate.migrate_store`); exit 1 when the copy does not verify."""
    from geo.settings import env_value
    from planning.store import chain, dialect
    from planning.store.db import default_sqlite_path
    from planning.store.migrate import MigrateStoreError, migrate_store

    source = Path(args.db) if args.db is not None else default_sqlite_path()
    if not source.is_file() or dialect.is_store_file(source):
        raise UsageError(t("cli.no_db", args.lang, path=str(source)))
    owner = args.owner_url or env_value(dialect.OWNER_URL_ENV_VAR) or None
    try:
        done = migrate_store(source, args.to, owner_url=owner)
    except (MigrateStoreError, chain.AuditKeyError) as exc:
        raise UsageError(str(exc)) from None
    rows = ", ".join(f"{table} {count}" for table, count in done.rows.items() if count)
    print(t("cli.migrate_store.done", args.lang, url=dialect.without_password(args.to), rows=rows or "0"))
    print(t("cli.migrate_store.next", args.lang, file=str(done.store_file), var=dialect.URL_ENV_VAR))
    return _verify(done.store_file, args.lang)
