"""``python -m planning COMMAND``: every figure a page shows can be reproduced from the shell.

Exit codes: 0 success, 2 invalid input (one message on stderr naming the argument or file and the fix, no
traceback), 1 any other failure.

Each topic registers its own subcommands through a ``register(subparsers, lang)`` function; :data:`COMMANDS` says
which module holds which command. ``--help`` and the parser of one command import no heavy module (geopandas,
osmnx, matplotlib, streamlit): those modules import them inside their handlers, so the list of commands answers
at once and running one command imports only what it needs.

Language: ``--lang ru|kk|en`` (before or after the command); default from the locale (:func:`locale_language`).
It applies to every message printed and to the reports and maps written.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import sys
import types
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias

from geo.errors import QorgauError, ValidationError
from geo.settings import env_value
from planning.i18n import LANGUAGES, t

if TYPE_CHECKING:
    from planning.lookup import NotFoundError
    from planning.store.regions import Scope

Subparsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"
"""What ``register(subparsers, lang)`` of each command module adds its commands to."""

COMMANDS = {
    "info": "planning.cli.region",
    "build-default": "planning.cli.region",
    "create-admin": "planning.cli.admin",
    "audit": "planning.cli.admin",
    "import-incidents": "planning.cli.admin",
    "migrate-store": "planning.cli.admin",
    "travel-times": "planning.cli.travel",
    "isochrones": "planning.cli.travel",
    "download-osm": "planning.cli.download",
    "import-roads": "planning.cli.roads",
    "report": "planning.cli.report",
    "map": "planning.cli.report",
    "export": "planning.cli.report",
    "coverage": "planning.cli.coverage",
    "compare": "planning.cli.coverage",
    "suggest": "planning.cli.suggest",
    "circuits": "planning.cli.circuits",
    "need-rate": "planning.cli.need",
    "user-regions": "planning.cli.admin",
}
"""Command name → the module that registers it (its one-line help is ``cli.cmd.<name>`` in the catalog)."""
COMMAND_MODULES = list(dict.fromkeys(COMMANDS.values()))
COMMAND_ACTIONS: dict[str, str | None] = {
    "info": "view_map",
    "build-default": None,
    "create-admin": None,
    "audit": "view_audit",
    "import-incidents": "upload_incidents",
    "travel-times": "view_map",
    "isochrones": "view_map",
    "download-osm": "edit_scenarios",
    "import-roads": "edit_scenarios",
    "report": "export",
    "map": "export",
    "export": "export",
    "coverage": "view_scenarios",
    "compare": "view_scenarios",
    "suggest": "view_scenarios",
    "circuits": "view_scenarios",
    "need-rate": "view_map",
    "user-regions": "manage_users",
    "migrate-store": None,
}
"""With ``--as-user NAME``: the action (planning.store.access.ACTIONS) the user's role needs for each command, as on
the pages; None for the machine owner's commands (they refuse ``--as-user``). A test keeps it equal to
:data:`COMMANDS`."""
AUTHOR_COMMANDS = ("import-incidents", "need-rate", "import-roads", "download-osm")
"""Commands whose ``--user`` only names the author for the audit log: with ``--as-user`` it is the signed-in user."""
PASSWORD_ENV = "QORGAU_PASSWORD"
"""Environment variable holding the password of ``--as-user`` (else the command asks for it)."""
CLI_CLIENT = "command line"
"""The client the sign-in limits count a command line's failed sign-ins under."""
LOCALE_ENV_VARS = ("LC_ALL", "LC_MESSAGES", "LANG")
"""Where the default language comes from, in POSIX order: the first one set decides."""
LOCALE_FALLBACK_LANGUAGE = "en"
"""The language of a locale that is none of ours (``C``, ``POSIX``, ``de_DE``, unset): scripts and servers."""


ARGPARSE_MESSAGES = {
    "usage: ": "cli.ap.usage",
    "options": "cli.ap.options",
    "positional arguments": "cli.ap.positional",
    "show this help message and exit": "cli.ap.help",
    "the following arguments are required: %s": "cli.ap.required",
    "invalid choice: %(value)r (choose from %(choices)s)": "cli.ap.choice",
    "argument %(argument_name)s: %(message)s": "cli.ap.argument",
    "invalid %(type)s value: %(value)r": "cli.ap.type",
    "unrecognized arguments: %s": "cli.ap.unrecognized",
    "expected one argument": "cli.ap.one",
    "one of the arguments %s is required": "cli.ap.one_of",
    "not allowed with argument %s": "cli.ap.not_allowed",
    "ambiguous option: %(option)s could match %(matches)s": "cli.ap.ambiguous",
}
"""argparse's own texts (its gettext messages) -> catalog keys, so that usage lines and its errors speak ``--lang``."""


class UsageError(QorgauError, ValueError):
    """Invalid input on the command line; the message (already in the user's language) names the argument or
    file and the fix. Exit code 2."""


class CommandRefused(QorgauError, PermissionError):
    """The ``--as-user`` user may not run this command as asked; the message (in the user's language) says why. Exit
    code 1."""


def locale_language(environ: Mapping[str, str] | None = None) -> str:
    """The CLI's default language from the locale: ``ru_*`` -> ru, ``kk_*`` -> kk, ``en_*`` -> en, anything else
    (``C.UTF-8``, ``POSIX``, another language, unset) -> :data:`LOCALE_FALLBACK_LANGUAGE`.

    The first of :data:`LOCALE_ENV_VARS` that is set decides, as for any POSIX program.
    """
    environ = os.environ if environ is None else environ
    for name in LOCALE_ENV_VARS:
        value = environ.get(name, "").strip()
        if value:
            code = value.split(".")[0].split("@")[0].split("_")[0].lower()
            return code if code in LANGUAGES else LOCALE_FALLBACK_LANGUAGE
    return LOCALE_FALLBACK_LANGUAGE


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line in the user's language (exit code 2)."""

    def __init__(self, *args, lang: str = LOCALE_FALLBACK_LANGUAGE, **kwargs):
        self.lang = lang
        super().__init__(*args, **kwargs)

    def error(self, message: str):
        self.exit(2, t("cli.argument_error", self.lang, prog=self.prog, message=message) + "\n")


@contextmanager
def argparse_speaking(lang: str) -> Iterator[None]:
    """While inside, argparse's own texts ("usage:", "the following arguments are required") are in ``lang``.

    argparse looks its texts up through its module's ``_`` (gettext) when it builds a parser and when it prints;
    it is swapped for the catalog here and put back afterwards, so no other user of argparse is affected."""
    original = argparse._  # type: ignore[attr-defined]  # argparse's private gettext hook

    def translated(text: str) -> str:
        key = ARGPARSE_MESSAGES.get(text)
        return t(key, lang) if key else original(text)

    argparse._ = translated  # type: ignore[attr-defined]
    try:
        yield
    finally:
        argparse._ = original  # type: ignore[attr-defined]


def _lang_in(argv: list[str]) -> str | None:
    """The value of ``--lang`` in ``argv`` when it is one of :data:`LANGUAGES` (else argparse complains later)."""
    for i, word in enumerate(argv):
        value = (
            argv[i + 1]
            if word == "--lang" and i + 1 < len(argv)
            else word.partition("=")[2]
            if word.startswith("--lang=")
            else None
        )
        if value in LANGUAGES:
            return value
    return None


def _command_in(argv: list[str]) -> str | None:
    """The command word of ``argv`` (the first word that is not an option or the value of ``--lang``)."""
    skip = False
    for word in argv:
        if skip:
            skip = False
        elif word == "--lang":
            skip = True
        elif not word.startswith("-"):
            return word
    return None


def build_parser(command: str | None = None, *, lang: str | None = None) -> argparse.ArgumentParser:
    """The argument parser in ``lang`` (default :func:`locale_language`). With a known ``command`` its options are
    defined (importing its module, which imports nothing heavy); otherwise only the list of commands."""
    lang = lang or locale_language()
    parser = _Parser(prog="python -m planning", description=t("cli.description", lang), lang=lang)
    parser.add_argument("--lang", choices=LANGUAGES, default=lang, help=t("cli.arg.lang", lang))
    subparsers = parser.add_subparsers(
        dest="command",
        required=True,
        metavar="COMMAND",
        parser_class=functools.partial(_Parser, lang=lang),  # type: ignore[call-overload]  # a partial of the class
    )
    if command in COMMANDS:
        importlib_module(COMMANDS[command]).register(subparsers, lang)
    else:
        for name in COMMANDS:
            subparsers.add_parser(name, help=t(f"cli.cmd.{name}", lang))
    return parser


def importlib_module(name: str) -> types.ModuleType:
    import importlib

    return importlib.import_module(name)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    lang = _lang_in(argv) or locale_language()
    with argparse_speaking(lang):
        args = build_parser(_command_in(argv), lang=lang).parse_args(argv)
    lang = args.lang
    if not hasattr(args, "handler"):  # a command word that is not in COMMANDS: argparse said so already
        return 2
    try:
        args.scope = sign_in(args, lang) if getattr(args, "as_user", None) else None
        return int(args.handler(args) or 0)
    except UsageError as exc:
        print(t("cli.error", lang, message=str(exc)), file=sys.stderr)
        return 2
    except ValidationError as exc:
        from planning.i18n import format_problem

        lines = [format_problem(problem, lang) for problem in exc.problems]
        if len(lines) == 1:  # one problem, one line
            print(f"{t('cli.invalid_input', lang)} {lines[0]}", file=sys.stderr)
        else:
            print("\n".join([t("cli.invalid_input", lang), *lines]), file=sys.stderr)
        return 2
    except LookupError as exc:  # planning.lookup.NotFoundError: a district or scenario that is not there
        from planning.lookup import NotFoundError

        if not isinstance(exc, NotFoundError):
            return _failure(exc, lang)
        print(t("cli.error", lang, message=not_found_message(exc, lang)), file=sys.stderr)
        return 2
    except (QorgauError, OSError) as exc:
        message = exc.message(lang) if hasattr(exc, "message") and callable(exc.message) else str(exc)
        print(t("cli.error", lang, message=message), file=sys.stderr)
        return 1
    except Exception as exc:  # the CLI promises no traceback; say what failed and how to see more
        return _failure(exc, lang)


def sign_in(args: argparse.Namespace, lang: str) -> Scope:
    """``--as-user NAME``: the user signed in with the password of ``QORGAU_PASSWORD`` (else asked for), whose role
    must allow the command (:data:`COMMAND_ACTIONS`); their regions (a :class:`planning.store.regions.Scope`) scope
    every region the command reads. Without ``--as-user`` a command is the machine owner's tool: no scope.

    Raises
    ------
    UsageError
        The command is the machine owner's, the name or password is wrong, the password is a temporary one, or
        ``--user`` names someone else.
    CommandRefused
        The user's role may not do what the command does (or the incident level asked for).
    """
    import getpass

    from planning.store import access, regions

    action = COMMAND_ACTIONS.get(args.command)
    if action is None:
        raise UsageError(t("cli.as_user.owner_only", lang, command=args.command))
    password = env_value(PASSWORD_ENV) or getpass.getpass(t("cli.as_user.password", lang, user=args.as_user))
    store = regions.RegionScopeStore(getattr(args, "db", None))
    user = access.authenticate(store, args.as_user, password, client=CLI_CLIENT)
    if user is None:
        raise UsageError(t("cli.as_user.wrong", lang, user=args.as_user))
    if user.must_change_password:
        raise UsageError(t("cli.as_user.temporary", lang, user=user.username))
    for needed in (
        action,
        "view_settlement_incidents" if getattr(args, "incident_level", None) == "settlement" else "",
    ):
        if needed and not access.can(user.role, needed):
            role = t(f"role.{user.role}", lang)
            raise CommandRefused(t("cli.as_user.denied", lang, user=user.username, role=role, command=args.command))
    if args.command in AUTHOR_COMMANDS:
        if getattr(args, "user", None) not in (None, "cli", user.username):
            raise UsageError(t("cli.as_user.other_author", lang, user=user.username))
        args.user = user.username
    return regions.scope_of(store, user, deployment_region_ids())


def deployment_region_ids() -> list[str]:
    """The region ids of the deployment's folders (geo.settings.deployment_region_dirs; a folder without a readable
    region.json under its folder name)."""
    from geo.errors import RegionError
    from geo.region import region_heading
    from geo.settings import deployment_region_dirs

    ids = []
    for folder in deployment_region_dirs():
        try:
            ids.append(region_heading(folder).region_id)
        except RegionError:
            ids.append(folder.name)
    return ids


def check_region(args: argparse.Namespace, region_id: str) -> None:
    """Refuse (:class:`planning.store.regions.RegionDenied`) a region the ``--as-user`` user does not belong to; no
    check without ``--as-user``."""
    scope = getattr(args, "scope", None)
    if scope is not None:
        from planning.store.regions import require_region

        require_region(scope, region_id)


def _failure(exc: Exception, lang: str) -> int:
    print(t("cli.failure", lang, kind=type(exc).__name__, message=str(exc)), file=sys.stderr)
    if env_value("QORGAU_DEBUG") == "1":
        raise exc
    return 1


def not_found_message(exc: NotFoundError, lang: str) -> str:
    """A :class:`planning.lookup.NotFoundError` as one line in ``lang``: what was given, what there is, the fix."""
    listed = "; ".join(exc.choices) if exc.choices else t("cli.none", lang)
    return t(f"cli.unknown_{exc.what}", lang, given=exc.given, choices=listed)


def print_json(value: object) -> None:
    """Print a JSON document the same way for every command (UTF-8, sorted keys, NaN as null)."""
    print(json.dumps(_jsonable(value), ensure_ascii=False, indent=2, sort_keys=True))


def _jsonable(value: object) -> object:
    import math

    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    return value


# --------------------------------------------------------------------------------------------------------
# options several commands share (no heavy import here: these run for --help)
# --------------------------------------------------------------------------------------------------------
def command_parser(subparsers: Subparsers, name: str, lang: str) -> argparse.ArgumentParser:
    """The parser of command ``name`` with its help from the catalog and ``--lang`` (also accepted after it)."""
    parser = subparsers.add_parser(name, help=t(f"cli.cmd.{name}", lang), description=t(f"cli.cmd.{name}", lang))
    parser.add_argument("--lang", choices=LANGUAGES, default=argparse.SUPPRESS, help=t("cli.arg.lang", lang))
    parser.add_argument("--as-user", metavar="NAME", default=None, help=t("cli.arg.as_user", lang))
    return parser


def region_argument(parser: argparse.ArgumentParser, lang: str) -> None:
    parser.add_argument("--region", required=True, type=Path, metavar="DIR", help=t("cli.arg.region", lang))


def region_command(subparsers: Subparsers, name: str, lang: str) -> argparse.ArgumentParser:
    """:func:`command_parser` of a command that reads a region folder (``--region DIR``, required)."""
    parser = command_parser(subparsers, name, lang)
    region_argument(parser, lang)
    return parser


def speeds_argument(parser: argparse.ArgumentParser, lang: str) -> None:
    """``--speeds FILE``: class speeds that override the region folder's ``speeds.csv`` (see geo/speeds.py)."""
    parser.add_argument("--speeds", type=Path, metavar="FILE", help=t("cli.arg.speeds", lang))


def db_argument(parser: argparse.ArgumentParser, lang: str) -> None:
    """``--db FILE``: the database the app uses (planning.store.db.default_db_path) unless given."""
    parser.add_argument("--db", type=Path, default=None, metavar="FILE", help=t("cli.arg.db", lang))


def scenario_argument(parser: argparse.ArgumentParser, lang: str) -> None:
    """``--scenario NAME|ID|FILE.csv``: a saved scenario of the database, or a sites CSV (see planning.cli.data)."""
    parser.add_argument("--scenario", metavar="NAME|ID|FILE.csv", help=t("cli.arg.scenario", lang))
    db_argument(parser, lang)


def existing_file(lang: str) -> Callable[[str], Path]:
    """An argparse type: a path to a file that exists (else exit 2 naming the argument and the path)."""

    def check(text: str) -> Path:
        path = Path(text)
        if not path.is_file():
            raise argparse.ArgumentTypeError(t("cli.no_file", lang, path=text))
        return path

    return check


def minutes_type(lang: str) -> Callable[[str], tuple[float, ...]]:
    """An argparse type: ``"30,60"`` -> ``(30.0, 60.0)``, positive minutes (else exit 2 with an example)."""

    def parse(text: str) -> tuple[float, ...]:
        try:
            values = tuple(float(part) for part in str(text).split(",") if part.strip())
        except ValueError:
            values = ()
        if not values or any(not 0 < v < float("inf") for v in values):
            raise argparse.ArgumentTypeError(t("cli.bad_minutes", lang, got=text))
        return values

    return parse
