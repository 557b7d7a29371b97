"""Reading ahead gives the same items in the same order, raises the producer's error where it happened, and
stops the producer when the consumer stops early (an import that fails must not leave a thread reading)."""

import threading

import pytest

from jingzhun.core.readahead import read_ahead


def test_items_arrive_in_order_and_complete():
    assert list(read_ahead(iter(range(1000)), depth=3)) == list(range(1000))


def test_an_error_in_the_producer_is_raised_after_the_items_before_it():
    def items():
        yield 1
        yield 2
        raise ValueError("第 3 批读不出来")

    seen = []
    with pytest.raises(ValueError, match="第 3 批"):
        for item in read_ahead(items()):
            seen.append(item)
    assert seen == [1, 2]


def test_stopping_early_stops_the_producer():
    produced = []

    def items():
        for i in range(1_000_000):
            produced.append(i)
            yield i

    ahead = read_ahead(items(), depth=2)
    assert [next(ahead) for _ in range(3)] == [0, 1, 2]
    ahead.close()
    assert not any(t.name == "read-ahead" for t in threading.enumerate())
    assert len(produced) <= 3 + 2 + 1  # it never ran far ahead of the consumer
