"""The README says what each role can do, and it says what planning/store/access.py enforces (issue 12 item 8)."""

from __future__ import annotations

import re

from conftest import PROJECT

from planning.store.access import ACTIONS, PERMISSIONS, ROLES


def test_the_readme_roles_table_is_the_permission_table():
    text = (PROJECT / "README.md").read_text(encoding="utf-8")
    header = re.search(r"^\| action \| (.+?) \| what it opens \|$", text, re.M)
    assert header, "the README has no roles table"
    roles = [r.strip() for r in header.group(1).split("|")]
    assert sorted(roles) == sorted(ROLES)
    table = {}
    for match in re.finditer(r"^\| `([a-z_]+)` \| (.+?) \|[^|]*\|$", text, re.M):  # actions, lower case
        cells = [c.strip() for c in match.group(2).split("|")]
        table[match.group(1)] = {role for role, cell in zip(roles, cells) if cell == "yes"}
    assert sorted(table) == sorted(ACTIONS)
    for action, allowed in table.items():
        assert allowed == {role for role in ROLES if action in PERMISSIONS[role]}, action


def test_the_readme_names_the_port_option_the_makefile_has():
    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    makefile = (PROJECT / "Makefile").read_text(encoding="utf-8")
    assert "make run PORT=" in readme
    assert re.search(r"^PORT \?= 8501$", makefile, re.M) and "--server.port $(PORT)" in makefile
