"""When a failed delivery is tried again (pure).

The wait doubles with each failed attempt, from ``base`` after the first, and never exceeds
``cap``: a mail server down for a day is tried about once an hour (the default cap), not
thousands of times, and a short outage costs the first mails seconds, not hours. No jitter:
there is one sender at a time, so there is no herd to spread, and a schedule that is a function
of the attempt count alone can be read back from the outbox (``attempts``, ``next_attempt_at``).
"""

from __future__ import annotations

from datetime import timedelta


def retry_delay(attempts: int, *, base: float, cap: float) -> timedelta:
    """The wait after the ``attempts``-th failed attempt (1 for the first): ``base``,
    ``2 * base``, ``4 * base``, ... up to ``cap`` seconds."""
    if attempts < 1:
        raise ValueError("a delay follows a failed attempt: attempts >= 1")
    if base <= 0 or cap < base:
        raise ValueError("the first wait is positive and the cap is not below it")
    # 2**64 is far beyond any cap: stop doubling before the float overflows
    exponent = min(attempts - 1, 64)
    return timedelta(seconds=min(cap, base * 2.0**exponent))
