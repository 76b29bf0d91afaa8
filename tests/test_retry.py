"""The one backoff the feed, the print queue and the scale polling share."""

from __future__ import annotations

from picker.app.print_worker import backoff as print_backoff
from picker.domain.feed import backoff as feed_backoff
from picker.domain.retry import backoff


def test_no_wait_before_the_first_failure_then_doubling_up_to_the_cap() -> None:
    assert [backoff(n) for n in range(9)] == [0, 1, 2, 4, 8, 16, 32, 60, 60]
    assert [backoff(n, 2.0, 60.0) for n in range(1, 8)] == [2, 4, 8, 16, 32, 60, 60]
    assert [backoff(n, 0.25, 1.0) for n in range(1, 5)] == [0.25, 0.5, 1.0, 1.0]


def test_the_feed_and_the_print_queue_wait_by_it() -> None:
    assert feed_backoff is backoff
    assert [print_backoff(n).total_seconds() for n in (0, 1, 2, 6, 7)] == [2, 2, 4, 60, 60]
