"""`tables.retry_conflicts`: a write that conflicts with another run's Delta commit is re-run, a bounded
number of times, and then fails with one line naming the table; any other error is not retried."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from delta.exceptions.captured import ConcurrentAppendException

from common import tables
from common.config import Config

CONFIG = Config("test", {"delta": {"conflict_attempts": 3, "conflict_backoff_s": 0.2}})
TABLE = "ops/job_runs"


class FlakyWrite:
    """A write that raises `errors` in turn, then returns 'written'; counts its calls."""

    def __init__(self, *errors: Exception):
        self.errors = list(errors)
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "written"


def conflict() -> ConcurrentAppendException:
    # The class PySpark raises for Delta's io.delta.exceptions.ConcurrentAppendException (it needs the
    # JVM of a running session, hence the `spark` fixture in the tests below).
    return ConcurrentAppendException(
        "[DELTA_CONCURRENT_APPEND] ConcurrentAppendException: Files were added to the root of the table "
        "by a concurrent update. Please try the operation again.",
        "io.delta.exceptions.ConcurrentAppendException: …",
    )


@pytest.fixture
def warnings() -> Iterator[list[str]]:
    """The messages the retry logs while the test runs."""
    messages: list[str] = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = lambda record: messages.append(record.getMessage())  # type: ignore[method-assign]
    tables.log.addHandler(handler)
    yield messages
    tables.log.removeHandler(handler)


def test_a_write_that_conflicts_twice_is_rerun_and_succeeds(spark, warnings):
    write, waits = FlakyWrite(conflict(), conflict()), []

    assert tables.retry_conflicts(CONFIG, TABLE, write, sleep=waits.append) == "written"

    assert write.calls == 3
    # Jittered (×0.5 … ×1.5) and doubling from conflict_backoff_s: 0.2 s, then 0.4 s.
    assert len(waits) == 2 and 0.1 <= waits[0] <= 0.3 and 0.2 <= waits[1] <= 0.6
    assert len(warnings) == 2
    assert all(TABLE in m and "ConcurrentAppendException" in m for m in warnings)
    assert "attempt 1 of 3" in warnings[0] and "attempt 2 of 3" in warnings[1]


def test_a_write_that_always_conflicts_fails_after_the_configured_attempts(spark):
    write, waits = FlakyWrite(*(conflict() for _ in range(5))), []

    with pytest.raises(tables.WriteConflictError) as raised:
        tables.retry_conflicts(CONFIG, TABLE, write, sleep=waits.append)

    assert write.calls == 3 and len(waits) == 2
    message = str(raised.value)
    assert message == (
        "another run is writing ops/job_runs: all 3 attempts of this write conflicted with it "
        "(ConcurrentAppendException); re-run this job once that run has finished"
    )
    assert isinstance(raised.value.__cause__, ConcurrentAppendException)


def test_an_error_that_is_no_conflict_is_not_retried(spark):
    write, waits = FlakyWrite(ValueError("bad predicate"), conflict()), []

    with pytest.raises(ValueError, match="bad predicate"):
        tables.retry_conflicts(CONFIG, TABLE, write, sleep=waits.append)

    assert write.calls == 1 and waits == []


def test_attempts_and_backoff_default_when_not_configured(spark):
    write, waits = FlakyWrite(*(conflict() for _ in range(9))), []

    with pytest.raises(tables.WriteConflictError, match="all 5 attempts"):
        tables.retry_conflicts(Config("test", {}), TABLE, write, sleep=waits.append)

    assert write.calls == 5 and len(waits) == 4
