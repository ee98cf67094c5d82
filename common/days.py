"""Local calendar days and the UTC instants that bound them, DST included, plus the DataFrame filter
that reads exactly a set of local days while pruning UTC-month partitions."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from common.columns import any_of


def local_midnight_utc(day: date, time_zone: str) -> datetime:
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(time_zone)).astimezone(timezone.utc)


def local_days_utc_range(start: date, end: date, time_zone: str) -> tuple[datetime, datetime]:
    """[first instant of local day `start`, first instant after local day `end`) in UTC."""
    return local_midnight_utc(start, time_zone), local_midnight_utc(end + timedelta(days=1), time_zone)


def expand_days(days: Iterable[date], before: int = 0, after: int = 0) -> set[date]:
    """Each day together with `before` days before it and `after` days after it."""
    return {d + timedelta(days=offset) for d in days for offset in range(-before, after + 1)}


def contiguous_ranges(days: Iterable[date]) -> list[tuple[date, date]]:
    """Sorted runs of consecutive days as (first, last) pairs."""
    ranges: list[tuple[date, date]] = []
    for day in sorted(set(days)):
        if ranges and day == ranges[-1][1] + timedelta(days=1):
            ranges[-1] = (ranges[-1][0], day)
        else:
            ranges.append((day, day))
    return ranges


def month_starts(start_utc: datetime, end_utc: datetime) -> list[date]:
    """First days of the UTC months that [start_utc, end_utc) touches."""
    last = (end_utc - timedelta(microseconds=1)).date()
    month = start_utc.date().replace(day=1)
    months = []
    while month <= last:
        months.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    return months


def filter_local_days(
    df: DataFrame,
    days: Iterable[date],
    time_zone: str,
    ts_column: str = "ts_utc",
    month_column: str | None = "ts_month",
) -> DataFrame:
    """Rows whose `ts_column` falls on one of the local `days`; also filters the UTC-month partition
    column (when there is one) so Delta reads only the partitions involved."""
    ranges = [local_days_utc_range(first, last, time_zone) for first, last in contiguous_ranges(days)]
    if not ranges:
        return df.limit(0)
    in_ranges = any_of((F.col(ts_column) >= F.lit(lo)) & (F.col(ts_column) < F.lit(hi)) for lo, hi in ranges)
    if month_column is not None:
        months = sorted({m for lo, hi in ranges for m in month_starts(lo, hi)})
        df = df.filter(F.col(month_column).isin(months))
    return df.filter(in_ranges)


def filter_utc_window(
    df: DataFrame,
    start_utc: datetime,
    end_utc: datetime,
    ts_column: str = "ts_utc",
    month_column: str = "ts_month",
) -> DataFrame:
    """Rows with start_utc <= ts < end_utc, pruned to the UTC-month partitions involved."""
    return df.filter(
        F.col(month_column).isin(month_starts(start_utc, end_utc))
        & (F.col(ts_column) >= F.lit(start_utc))
        & (F.col(ts_column) < F.lit(end_utc))
    )
