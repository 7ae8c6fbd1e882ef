"""A region whose names are attack strings: HTML that runs script, JavaScript that closes a template literal or the
script element, Markdown that makes the browser call out, spreadsheet formulas. Built in a temporary folder from
the tiny hand-made region; used by the unit tests (tests/test_markup.py) and the browser test.

Every script payload sets ``window.__xss`` or opens a dialog; every request payload asks TEST-NET-3
(203.0.113.0/24, never routed): a test sees the first in the page and the second in the request log.
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

TINY = Path(__file__).resolve().parent / "data" / "tiny"

OUTSIDE = "203.0.113.7"
"""Where the payloads would call (a documentation address: a request to it is the proof, it never connects)."""
SCRIPT_MARKER = "__xss"
"""Every script payload mentions it: in a rendered page it may only ever stand inside a string literal."""
HTML_ATTACK = f'<img src=x onerror=window.{SCRIPT_MARKER}=1><img src="http://{OUTSIDE}/html.png">'
SVG_ATTACK = f"<svg onload=alert('{SCRIPT_MARKER}')>"
TEMPLATE_ATTACK = f"`${{window.{SCRIPT_MARKER}=2}}`"
SCRIPT_END_ATTACK = f"</script><script>window.{SCRIPT_MARKER}=3</script>"
MARKDOWN_ATTACK = f"![x](http://{OUTSIDE}/md.png)"
MARKUP_ATTACK = f"{HTML_ATTACK} {TEMPLATE_ATTACK} {SCRIPT_END_ATTACK} {SVG_ATTACK} {MARKDOWN_ATTACK}"
"""One name carrying every markup payload."""

LINK_ATTACKS = {
    "url": f"http://{OUTSIDE}/u",
    "https": f"HTTPS://{OUTSIDE}/s",
    "www": "www.evil-akimat.kz",
    "bare_domain": "evil-akimat.kz/login",
    "email": "victim.help@mail.kz",
    "mailto": "mailto:help@mail.kz",
    "javascript": "javascript:alert(document.domain)",
    "data_uri": "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "markdown_link": f"[click](http://{OUTSIDE}/l)",
    "markdown_image": f"![i](http://{OUTSIDE}/i.png)",
    "html_link": f'<a href="http://{OUTSIDE}/a">a</a>',
    "angle_autolink": f"<http://{OUTSIDE}/b>",
    "angle_email": "<help@mail.kz>",
}
"""Each kind of text a renderer could make a link, an image or a request of (Markdown autolinks and links, HTML,
e-mail addresses, ``javascript:`` and ``data:`` URIs): in a name, each must show as plain text."""
LINK_ATTACK = " ".join(LINK_ATTACKS.values())
"""Every link attack in one name."""

FORMULAS = (
    f'=HYPERLINK("http://{OUTSIDE}/x","click")',
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
)
"""Cell texts a spreadsheet would run as formulas (the OWASP list: ``= + - @``, tab, carriage return)."""


def attack_region(target: Path, *, base: Path = TINY) -> Path:
    """Copy the tiny region to ``target`` with attack strings as the region's, the districts', the settlements'
    and the service's names and in the sources of ``region.json``; returns ``target``.

    Settlements: s1 carries :data:`MARKUP_ATTACK` and :data:`LINK_ATTACK` (in every language), s2..s4 start with
    formulas. Districts: W carries the markup attack, E a formula. The region and the service carry the markup and
    the link attacks. Ids stay as they are (the
    incident counts name them).
    """
    shutil.copytree(base, target)
    meta = json.loads((target / "region.json").read_text(encoding="utf-8"))
    meta["name"] = {lang: f"Регион {MARKUP_ATTACK} {LINK_ATTACK}" for lang in ("ru", "kk", "en")}
    meta["sources"] = [
        {
            "files": [f"*{MARKDOWN_ATTACK}"],
            "name": f"source {MARKUP_ATTACK}",
            "licence": f"licence {MARKDOWN_ATTACK}",
            "attribution": f"by {MARKDOWN_ATTACK}",
        }
    ]
    (target / "region.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")

    names = {"s1": f"Альфа {MARKUP_ATTACK} {LINK_ATTACK}", "s2": FORMULAS[0], "s3": FORMULAS[1], "s4": FORMULAS[3]}
    with open(target / "settlements.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        for column in ("name", "name:ru", "name:kk"):
            row[column] = names[row["id"]]
    _write_csv(target / "settlements.csv", rows)

    with open(target / "services.csv", encoding="utf-8", newline="") as handle:
        services = list(csv.DictReader(handle))
    services[0]["name"] = f"Служба {MARKUP_ATTACK} {LINK_ATTACK}"
    _write_csv(target / "services.csv", services)

    districts = json.loads((target / "districts.geojson").read_text(encoding="utf-8"))
    for feature, name in zip(districts["features"], (f"Западный {MARKUP_ATTACK}", FORMULAS[2])):
        for lang in ("ru", "kk", "en"):
            feature["properties"][f"name_{lang}"] = name
    (target / "districts.geojson").write_text(json.dumps(districts, ensure_ascii=False), encoding="utf-8")
    return target


def _write_csv(path: Path, rows: list[dict]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
