"""The Streamlit configuration keeps the dashboard closed: loopback, XSRF, no telemetry, no error details,
an upload cap no larger than what the intake accepts."""

from __future__ import annotations

import ipaddress
import tomllib
from pathlib import Path

import pytest

from planning.intake.uploads import MAX_UPLOAD_BYTES

CONFIG = Path(__file__).resolve().parent.parent / ".streamlit" / "config.toml"
MAX_UPLOAD_MB = 25
LAN_OPT_IN_MARKER = "qorgau: serve beyond loopback"
"""A comment that must stand in config.toml when server.address is not a loopback address: binding to a network
is then a documented decision, not an accident."""


@pytest.fixture(scope="module")
def config() -> dict:
    assert CONFIG.is_file(), f"{CONFIG} is missing; the dashboard would run with Streamlit's open defaults."
    return tomllib.loads(CONFIG.read_text(encoding="utf-8"))


def test_xsrf_protection_is_on(config):
    assert config.get("server", {}).get("enableXsrfProtection", True) is True


def test_usage_statistics_are_off(config):
    assert config.get("browser", {}).get("gatherUsageStats") is False  # Streamlit's default is on


def test_upload_cap(config):
    cap = config.get("server", {}).get("maxUploadSize")
    assert cap is not None, "server.maxUploadSize must be set (Streamlit's default is 200 MB)"
    assert 0 < cap <= MAX_UPLOAD_MB
    assert cap * 1024 * 1024 <= MAX_UPLOAD_BYTES


def test_error_details_stay_on_the_server(config):
    value = config.get("client", {}).get("showErrorDetails")
    assert value in ("none", False), "client.showErrorDetails must be 'none' (or false)"


def _is_loopback(address: str) -> bool:
    if address == "localhost":
        return True
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def test_binds_to_loopback_unless_documented(config):
    address = config.get("server", {}).get("address")
    assert address is not None, "server.address must be set; Streamlit otherwise listens on every interface"
    if not _is_loopback(str(address)):
        assert LAN_OPT_IN_MARKER in CONFIG.read_text(encoding="utf-8"), (
            f"server.address = {address!r} serves beyond this machine; add a comment '# {LAN_OPT_IN_MARKER}: "
            "<who decided, behind which proxy with TLS>' to make it an explicit decision"
        )


@pytest.mark.parametrize(
    "address, ok",
    [("127.0.0.1", True), ("::1", True), ("localhost", True), ("0.0.0.0", False), ("192.168.1.5", False), ("", False)],
)
def test_loopback_rule(address, ok):
    assert _is_loopback(address) is ok
