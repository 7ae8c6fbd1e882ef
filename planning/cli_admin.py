"""Administration commands: ``create-admin`` (first start), ``audit`` (and ``audit --verify``) and
``import-incidents``."""

from __future__ import annotations

import getpass
import sys
from pathlib import Path

from geo.errors import Problem, ValidationError
from geo.region import load_region
from planning import chain
from planning.access import AccessStore, UserError, create_first_admin, default_db_path, entries
from planning.cli import region_argument


def register(subparsers) -> None:
    admin = subparsers.add_parser("create-admin", help="create the first admin of a new installation "
                                                       "(refused once an admin exists)")
    _db_argument(admin)
    admin.add_argument("--username", required=True)
    admin.add_argument("--password-stdin", action="store_true",
                       help="read the password from the first line of standard input instead of prompting")
    admin.set_defaults(handler=_create_admin)

    audit = subparsers.add_parser("audit", help="print the newest audit log entries, or check that the audit log "
                                                "and the scenario versions were not changed (--verify)")
    _db_argument(audit)
    audit.add_argument("--limit", type=int, default=50)
    audit.add_argument("--user")
    audit.add_argument("--verify", action="store_true",
                       help="recompute the hash chains of the audit log and of the scenario versions (the database "
                            "is only read); exit 0 with the counts when intact, 1 with the first broken row")
    audit.set_defaults(handler=_audit)

    upload = subparsers.add_parser("import-incidents", help="store incident counts from a CSV, XLSX or GeoJSON file "
                                                            "(points are aggregated; only counts are kept)")
    _db_argument(upload)
    region_argument(upload)
    upload.add_argument("--user", required=True, help="who imports, for the audit log")
    upload.add_argument("--mode", choices=("replace", "append"), default="replace")
    upload.add_argument("file", type=Path)
    upload.set_defaults(handler=_import_incidents)


def _db_argument(parser) -> None:
    parser.add_argument("--db", type=Path, default=None,
                        help="SQLite database (default: the scenario database, QORGAU_SCENARIO_DB)")


def _read_password(from_stdin: bool) -> str:
    if from_stdin or not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password for the new admin: ")
    if getpass.getpass("Repeat it: ") != first:
        raise UserError("the two passwords differ. Fix: run the command again.")
    return first


def _create_admin(args) -> int:
    store = AccessStore(args.db)
    user = create_first_admin(store, args.username, _read_password(args.password_stdin))
    print(f"created admin {user.username} in {store.path}")
    return 0


def _audit(args) -> int:
    if args.verify:
        return _verify(args.db or default_db_path())
    for entry in reversed(entries(AccessStore(args.db), user=args.user, limit=args.limit)):
        print(f"{entry.at}  {entry.user:20}  {entry.action:28}  {entry.object}")
    return 0


def _verify(path: Path) -> int:
    """Print one line per chain; a break goes to stderr and makes the exit code 1."""
    if not Path(path).is_file():
        raise ValidationError([Problem(str(path), "there is no database file here.",
                                       "give the deployment's database with --db or QORGAU_SCENARIO_DB.")])
    broken = 0
    for report in chain.verify_file(path):
        for note in report.notes:
            print(f"note: {note}", file=sys.stderr)
        if not report.chained:
            print(f"{report.spec.what}: {report.rows} rows, not chained yet (the app chains them when it next opens "
                  "the database)")
        elif report.intact:
            head = (f"; head {report.spec.order_column} {report.head_position} {report.head_hash}"
                    if report.head_hash else "")
            print(f"{report.spec.what}: {report.rows} rows, chain intact{head}")
        else:
            broken += 1
            print(f"error: {report.first_break.message} (first break of {report.rows} rows; "
                  f"{report.spec.table} in {path})", file=sys.stderr)
    return 1 if broken else 0


def _import_incidents(args) -> int:
    from planning.intake import IncidentStore, ingest_incidents

    region = load_region(args.region)
    result = ingest_incidents(args.file.read_bytes(), filename=args.file.name, region=region,
                              store=IncidentStore(args.db), user=args.user, mode=args.mode)
    if not result.accepted:
        raise ValidationError(list(result.problems))
    for message in result.messages():
        print(f"warning: {message}", file=sys.stderr)
    print(f"stored {result.counts_stored} counts ({result.layout}, {result.rows} rows) for "
          f"{', '.join(result.periods)} as batch {result.batch_id}")
    return 0
