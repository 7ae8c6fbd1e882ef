"""Small-count suppression for incident figures that reach a page, a table or an export."""

from __future__ import annotations

from geo.settings import SMALL_COUNT_K


def suppress_count(n: int, k: int = SMALL_COUNT_K) -> str:
    """An incident count as it may be shown: ``"<k"`` for 1..k-1, the number otherwise.

    Parameters
    ----------
    n : int
        Non-negative count.
    k : int
        Counts from 1 to ``k - 1`` are hidden; ``k`` must be at least 1.

    Returns
    -------
    str
        ``"0"`` for zero, ``"<5"`` for 1..4 with ``k=5``, else ``str(n)``.
    """
    if n < 0 or int(n) != n:
        raise ValueError(f"`n` must be a non-negative whole count; got {n!r}.")
    if k < 1:
        raise ValueError(f"`k` must be at least 1; got {k!r}.")
    return f"<{k}" if 0 < n < k else str(int(n))
