"""planning.i18n.fmt_number writes every figure exactly as Babel's format_decimal would (issue 24 made it faster:
the locale's signs are looked up once, not per figure)."""

from __future__ import annotations

import decimal
import random

import numpy as np
import pytest
from babel.numbers import format_decimal

from planning.i18n import LANGUAGES, fmt_number

EDGES = [0, 1, 7, -0.0, -0.04, 0.05, 0.5, 1.5, 2.5, 3.5, 2.675, -3.25, 12.5, 12300, 1e9, 1e16, 1e-7, 10**12]
EDGES += [np.float64(1234.5), np.int64(-98765), np.float32(0.1), decimal.Decimal("12.345")]
EDGES += [float("inf"), -float("inf")]


def _random_values() -> list:
    draw = random.Random(24)
    return (
        [draw.uniform(-1e7, 1e7) for _ in range(300)]
        + [draw.randint(-(10**9), 10**9) for _ in range(100)]
        + [round(draw.uniform(0, 100), 2) for _ in range(100)]
    )


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("decimals", [0, 1, 2, 3])
def test_fmt_number_writes_what_babel_writes(lang, decimals):
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    for value in EDGES + _random_values():
        assert fmt_number(value, lang, decimals=decimals) == format_decimal(value, format=pattern, locale=lang), value


def test_missing_is_a_dash():
    assert fmt_number(None, "ru") == fmt_number(float("nan"), "kk") == "—"
