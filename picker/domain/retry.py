"""How long to wait before trying again after failures in a row. Pure.

The feed's pulls, the print queue and a terminal's scale polling all wait so: something that
is down is not hammered, and something that comes back is noticed soon.
"""

from __future__ import annotations


def backoff(attempt: int, base: float = 1.0, cap: float = 60.0) -> float:
    """Seconds to wait before try `attempt + 1` after `attempt` failures: base, 2·base, 4·base
    … at most `cap`; 0 before the first failure."""
    if attempt <= 0:
        return 0.0
    return min(cap, base * 2 ** (attempt - 1))
