"""Administration commands: ``create-admin`` (first start), ``audit`` and ``import-incidents``."""

from __future__ import annotations

import getpass
import sys
from pathlib import Path

from geo.errors import ValidationError
from geo.region import load_region
from planning.access import AccessStore, UserError, create_first_admin, entries
from planning.cli import region_argument


def register(subparsers) -> None:
    admin = subparsers.add_parser("create-admin", help="create the first admin of a new installation "
                                                       "(refused once an admin exists)")
    _db_argument(admin)
    admin.add_argument("--username", required=True)
    admin.add_argument("--password-stdin", action="store_true",
                       help="read the password from the first line of standard input instead of prompting")
    admin.set_defaults(handler=_create_admin)

    audit = subparsers.add_parser("audit", help="print the newest audit log entries")
    _db_argument(audit)
    audit.add_argument("--limit", type=int, default=50)
    audit.add_argument("--user")
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
    for entry in reversed(entries(AccessStore(args.db), user=args.user, limit=args.limit)):
        print(f"{entry.at}  {entry.user:20}  {entry.action:28}  {entry.object}")
    return 0


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
