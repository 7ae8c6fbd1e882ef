"""Every ``QORGAU_*`` setting is in one table (geo.settings.ENVIRONMENT), read in one place (geo.settings.env_value),
and the README's table is a copy of it (issue 22 item 4)."""

from __future__ import annotations

import ast
import re

import pytest
from conftest import PROJECT

from geo.settings import ENVIRONMENT, env_value

CODE = [PROJECT / "app.py", PROJECT / "server.py"] + [
    path for package in ("geo", "planning", "pages") for path in sorted((PROJECT / package).rglob("*.py"))
]
SETTING = re.compile(r"QORGAU_[A-Z_]+")


def _environment_reads(tree: ast.AST) -> list[int]:
    """Lines that read the process environment: ``os.environ`` in any form, or ``os.getenv``."""
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv"):
            lines.append(node.lineno)
        elif isinstance(node, ast.ImportFrom) and node.module == "os":
            lines += [node.lineno for alias in node.names if alias.name in ("environ", "getenv")]
    return lines


def test_every_setting_the_code_names_is_in_the_table():
    named = set()
    for path in CODE:
        named |= set(SETTING.findall(path.read_text(encoding="utf-8")))
    assert named - set(ENVIRONMENT) == set(), "add these to geo.settings.ENVIRONMENT with their meaning"
    assert set(ENVIRONMENT) - named == set(), "the table lists settings no code uses"


def test_only_geo_settings_reads_a_qorgau_variable():
    readers = {}
    for path in CODE:
        text = path.read_text(encoding="utf-8")
        for line in _environment_reads(ast.parse(text)):
            source = text.splitlines()[line - 1]
            if path.name != "settings.py" or path.parent.name != "geo":
                readers.setdefault(str(path.relative_to(PROJECT)), []).append(source.strip())
    # the CLI's locale (LANG, LC_ALL) is the operating system's, not a Qorgau setting; nothing else may read
    allowed = {"planning/cli/__init__.py"}
    assert set(readers) <= allowed, readers
    for source in readers.get("planning/cli/__init__.py", []):
        assert "QORGAU" not in source, source


def test_the_readme_table_is_the_settings_table():
    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    rows = {
        m.group(1): (m.group(2), m.group(3))
        for m in re.finditer(r"^\| `(QORGAU_\w+)` \| (.+?) \| (.+?) \|$", readme, re.M)
    }
    assert rows == ENVIRONMENT


def test_env_value_strips_and_refuses_an_unknown_name(monkeypatch):
    monkeypatch.setenv("QORGAU_IDLE_MINUTES", "  45 ")
    assert env_value("QORGAU_IDLE_MINUTES") == "45"
    monkeypatch.delenv("QORGAU_IDLE_MINUTES")
    assert env_value("QORGAU_IDLE_MINUTES") == ""
    with pytest.raises(KeyError, match="geo.settings.ENVIRONMENT"):
        env_value("QORGAU_NO_SUCH_SETTING")
