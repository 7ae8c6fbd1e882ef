"""The Map page states its demand basis and shows every headline figure with its range (issue 19)."""

from __future__ import annotations

import json
import re
import shutil

from conftest import DEFAULT_REGION, PROJECT, signed_in_app


def _map(monkeypatch, region, tmp_path):
    monkeypatch.setenv("QORGAU_REGION", str(region))
    monkeypatch.setenv("QORGAU_SCENARIO_DB", str(tmp_path / "qorgau.sqlite"))
    monkeypatch.chdir(PROJECT)
    at = signed_in_app(role="planner")
    at.switch_page("pages/map.py").run()
    assert not at.exception, at.exception
    return at


def test_the_map_page_shows_ranges_and_where_to_set_the_rate(monkeypatch, tmp_path):
    at = _map(monkeypatch, DEFAULT_REGION, tmp_path)
    metrics = {m.label: m.value for m in at.metric}
    share = metrics["Население в пределах 30 мин"]
    assert re.fullmatch(r"\d+ % \(\d+–\d+ %\)", share), share  # "84 % (75–88 %)"
    assert re.fullmatch(r"[\d\u00a0 ]+ \([\d\u00a0 ]+–[\d\u00a0 ]+\)", metrics["Населённых пунктов дальше 60 мин"])
    assert re.fullmatch(r"\d+ \(\d+–\d+\)", metrics["Жителей дальше 30 мин, тыс."])  # in thousands: it fits
    captions = " ".join(c.value for c in at.caption)
    assert "«Потребность»" in captions  # the bundled region sets no rate: the page says where to set one
    radio = next(r for r in at.radio if r.key == "map_demand_basis")
    # no rate: no expected need; a planner sees incidents and the bundled region has them
    assert radio.options == ["население (известное и оценённое)", "зарегистрированные обращения (защищённый выпуск)"]


def test_a_region_rate_offers_expected_need(monkeypatch, tmp_path):
    folder = tmp_path / "region"
    shutil.copytree(DEFAULT_REGION, folder)
    meta = json.loads((folder / "region.json").read_text(encoding="utf-8"))
    meta["need_rate"] = {"per_1000": 4.0, "low": 2.0, "high": 8.0, "source": "a test figure"}
    (folder / "region.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    at = _map(monkeypatch, folder, tmp_path)
    radio = next(r for r in at.radio if r.key == "map_demand_basis")
    radio.set_value("need").run()
    assert not at.exception, at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert "Ожидаемых случаев дальше 30 мин" in metrics
    assert "a test figure" in " ".join(c.value for c in at.caption)
