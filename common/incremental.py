"""The skeleton every incremental gold job runs: plan from the Change Data Feeds of its sources which
units of recompute (e.g. local days) changed since the versions it last consumed, read only the units
its windows need, transform, check with the quality gate, write (merge, or one `replaceWhere` commit
for a full rebuild) and record the consumed versions in `ops/cdf_offsets`.

A gold job declares a `GoldJob`: its target, its scope, its `Source`s (each with its unit and its
reach) and its transform; `refresh` does the rest."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any, ClassVar

from py4j.protocol import Py4JJavaError
from pyspark.errors import PySparkException
from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from common import quality, tables
from common.columns import local_date, with_audit
from common.days import filter_local_days
from common.log import get_logger
from common.runs import JobRun
from schemas import CDF_OFFSETS
from schemas.spec import TableSpec

log = get_logger("incremental")

# What a Source's `changed_from` returns when its changes move no unit of the target.
NO_DAY = date.max


class Unit(ABC):
    """The unit of recompute of a source or a gold table: how a row maps onto it (`of`), how to keep
    the rows of some units (`filter`), and its `step` (a reach of n units spans n steps)."""

    step: ClassVar[timedelta]

    @abstractmethod
    def of(self) -> Column:
        """The unit each row belongs to."""

    @abstractmethod
    def filter(self, df: DataFrame, units: Collection[Any]) -> DataFrame:
        """The rows of `df` that belong to one of `units`."""

    def expand(self, units: Iterable[Any], before: int = 0, after: int = 0) -> set[Any]:
        """Each unit together with `before` units before it and `after` units after it."""
        return {u + self.step * k for u in units for k in range(-before, after + 1)}


@dataclass(frozen=True)
class LocalDays(Unit):
    """Local calendar days in `time_zone` of a UTC timestamp column; reads prune the UTC-month
    partition column when there is one."""

    time_zone: str
    ts_column: str = "ts_utc"
    month_column: str | None = "ts_month"
    step: ClassVar[timedelta] = timedelta(days=1)

    def of(self) -> Column:
        return local_date(self.ts_column, self.time_zone)

    def filter(self, df: DataFrame, units: Collection[date]) -> DataFrame:
        return filter_local_days(df, units, self.time_zone, self.ts_column, self.month_column)


@dataclass(frozen=True)
class Dates(Unit):
    """Rows that carry their day in a date column (e.g. gold `date`)."""

    column: str = "date"
    step: ClassVar[timedelta] = timedelta(days=1)

    def of(self) -> Column:
        return F.col(self.column)

    def filter(self, df: DataFrame, units: Collection[date]) -> DataFrame:
        return df.filter(F.col(self.column).isin(sorted(units)))


@dataclass(frozen=True)
class Source:
    """One cdc table a gold job consumes, sliced to one scope (a country, a bidding zone; no
    `scope_column` means the whole table).

    `unit` maps its changed rows onto units of recompute; `reach` is how many units after a changed
    unit the gold rows move (a trailing window over n units reaches n - 1 later ones), and so how many
    units before a written unit must be read. A `rebuild_on_change` source (e.g. installed capacity,
    which reaches every later month) rebuilds the scope when it changes and is always read whole; with
    `changed_from` it recomputes only from the first unit its changes can move onward."""

    spec: TableSpec
    scope_column: str | None
    scope: str | None
    unit: Unit | None = None
    reach: int = 0
    rebuild_on_change: bool = False
    # A job that runs the skeleton once per slice of its target (e.g. per site) while several slices
    # read the same scope (one bidding zone) records its offsets per slice: `slice` names it.
    slice: str | None = None
    # An update whose record_hash stayed (a re-fetch confirming a stored value: only fetched_at or
    # received_at moved) is no change for a consumer of the values; one that reads those audit
    # columns too (e.g. lateness by received_at) sets this False.
    value_changes_only: bool = True
    # For a rebuild_on_change source: `changed_from(changed_df, scope_df)` (its changed rows, its whole
    # scope) names the first unit of the target the changes can move, every later unit moving too;
    # NO_DAY when they move none (also when there is no changed row); None when they may move any unit
    # (the scope is rebuilt).
    changed_from: Callable[[DataFrame, DataFrame], Any] | None = None

    def __post_init__(self) -> None:
        if self.unit is None and not self.rebuild_on_change:
            raise ValueError(f"{self.spec.full_name}: an incremental source needs a unit of recompute")
        if self.changed_from is not None and not self.rebuild_on_change:
            raise ValueError(f"{self.spec.full_name}: changed_from is for a rebuild_on_change source")
        if self.reach < 0:
            raise ValueError(f"{self.spec.full_name}: reach must be 0 or more units, not {self.reach}")
        if (self.scope_column is None) != (self.scope is None):
            raise ValueError(f"{self.spec.full_name}: give both scope_column and scope, or neither")

    @property
    def name(self) -> str:
        return self.spec.full_name

    @property
    def offset_scope(self) -> str:
        """The scope as ops/cdf_offsets records it ('*': the whole table), '@slice' when given."""
        scope = self.scope if self.scope is not None else "*"
        return scope if self.slice is None else f"{scope}@{self.slice}"

    def in_scope(self, df: DataFrame) -> DataFrame:
        return df if self.scope_column is None else df.filter(F.col(self.scope_column) == self.scope)


@dataclass(frozen=True)
class RefreshPlan:
    """What a gold job must recompute: everything (`full`) or the units whose source rows changed,
    per source, up to the source versions in `versions`."""

    versions: dict[str, int]
    full: bool
    changed: dict[str, frozenset[Any]] = field(default_factory=dict)
    # Some source has commits since its offset (they may hold no value change): the offsets move on.
    advanced: bool = True
    # rebuild_on_change sources with `changed_from`: the first unit their changes move (every later one too).
    onward: dict[str, Any] = field(default_factory=dict)

    @property
    def is_empty(self) -> bool:
        return not self.full and not any(self.changed.values()) and not self.onward

    @property
    def onward_from(self) -> Any:
        """The first unit from which every unit is recomputed; None if there is none."""
        return min(self.onward.values(), default=None)

    def units(self, source: Source) -> frozenset[Any]:
        return self.changed.get(source.name, frozenset())


def read_offset(run: JobRun, source: Source) -> int | None:
    where = {"consumer": run.job, "source_table": source.name, "scope": source.offset_scope}
    rows = tables.read_rows(run.spark, run.config, CDF_OFFSETS, where)
    return rows[0]["version"] if rows else None


def save_offsets(run: JobRun, sources: Sequence[Source], plan: RefreshPlan) -> None:
    rows = [
        {
            "consumer": run.job,
            "source_table": s.name,
            "scope": s.offset_scope,
            "version": plan.versions[s.name],
            "run_id": run.run_id,
            "updated_at": run.started_at,
        }
        for s in sources
    ]
    tables.replace_rows(run.spark, run.config, CDF_OFFSETS, rows)


def changes(run: JobRun, source: Source, from_version: int, to_version: int) -> DataFrame:
    """Rows of the source's scope inserted or updated (post-images) in from_version … to_version;
    for a `value_changes_only` source of a table with a record_hash, only updates that changed it."""
    feed = source.in_scope(tables.read_changes(run.spark, run.config, source.spec, from_version, to_version))
    changed = feed.filter(F.col("_change_type") != "update_preimage")
    if not source.value_changes_only or "record_hash" not in source.spec.column_names:
        return changed
    # A pre-image and its post-image share the key and the commit version.
    pairing = [*source.spec.keys, "_commit_version"]
    before = feed.filter(F.col("_change_type") == "update_preimage").select(
        *pairing, F.col("record_hash").alias("_hash_before")
    )
    return (
        changed.join(before, pairing, "left")
        .filter(~F.col("_hash_before").eqNullSafe(F.col("record_hash")))
        .drop("_hash_before")
    )


def changed_units(run: JobRun, source: Source, from_version: int, to_version: int) -> frozenset[Any]:
    """The units (e.g. local days) of the rows inserted or updated in versions from_version … to_version."""
    assert source.unit is not None  # Source refuses an incremental source without one
    changed = changes(run, source, from_version, to_version)
    rows = changed.select(source.unit.of().alias("unit")).distinct().collect()
    return frozenset(row["unit"] for row in rows)


def plan_refresh(run: JobRun, sources: Sequence[Source], full_refresh: bool) -> RefreshPlan:
    """Plan from the Change Data Feeds; a consumer without a recorded version of some source, or
    whose rebuild-on-change source changed, rebuilds fully."""
    versions = {s.name: tables.current_version(run.spark, run.config, s.spec) for s in sources}
    offsets = {s.name: read_offset(run, s) for s in sources}
    full = full_refresh or any(offset is None for offset in offsets.values())
    units: dict[str, frozenset[Any]] = {}
    onward: dict[str, Any] = {}
    for source in sources if not full else ():
        name, last = source.name, offsets[source.name]
        if last >= versions[name]:
            continue
        try:
            if source.rebuild_on_change:
                changed_df = changes(run, source, last + 1, versions[name])
                if source.changed_from is None:
                    full = full or changed_df.limit(1).count() > 0
                    continue
                # The feed is read once, by changed_from (no changed rows: NO_DAY).
                start = source.changed_from(changed_df, source.in_scope(run.read(source.spec)))
                if start is None:
                    full = True
                elif start != NO_DAY:
                    onward[name] = start
            else:
                units[name] = changed_units(run, source, last + 1, versions[name])
        except (PySparkException, Py4JJavaError) as exc:
            # E.g. the change files since the last run were vacuumed away: rebuild rather than guess.
            log.warning("%s: cannot read the change feed of %s from v%s (%s); rebuilding fully",
                        run.job, name, last + 1, str(exc).splitlines()[0])  # fmt: skip
            full = True
    if full:
        log.info("%s: full rebuild of %s", run.job, ", ".join(f"{s.name}[{s.offset_scope}]" for s in sources))
        return RefreshPlan(versions=versions, full=True)
    moved = "".join(f"; {name} moves every unit from {start}" for name, start in onward.items())
    log.info("%s: changed units %s%s", run.job, {name: sorted(u) for name, u in units.items()}, moved)
    advanced = any(offsets[name] < version for name, version in versions.items())
    return RefreshPlan(versions=versions, full=False, changed=units, advanced=advanced, onward=onward)


@dataclass(frozen=True)
class GoldJob:
    """What an incremental gold job declares; `refresh` runs it.

    `transform` gets one DataFrame per source, in the order of `sources`, each already sliced to its
    scope and (on an incremental run) to the units it needs, and returns the gold rows without the
    audit columns. `rows_unit` maps those rows onto the units written. `scope` (column -> value) is
    the slice of the target a full rebuild replaces; empty means the whole table."""

    target: TableSpec
    scope: Mapping[str, str]
    sources: Sequence[Source]
    transform: Callable[..., DataFrame]
    rows_unit: Unit

    def write_units(self, plan: RefreshPlan) -> set[Any] | None:
        """The units to recompute: each changed unit and the `reach` units after it; None for all."""
        if plan.full:
            return None
        return {
            unit
            for s in self.sources
            if not s.rebuild_on_change
            for unit in s.unit.expand(plan.units(s), after=s.reach)  # type: ignore[union-attr]
        }

    def onward_units(self, run: JobRun, start: Any, units: Collection[Any]) -> set[Any]:
        """`start` and every unit after it, up to the last unit the target's scope or `units` hold (a
        unit after those has no source rows: they would have been changed units)."""
        scope_df = run.read(self.target)
        for column, value in self.scope.items():
            scope_df = scope_df.filter(F.col(column) == value)
        last = scope_df.select(F.max(self.rows_unit.of())).first()[0]
        end = max((u for u in (last, *units) if u is not None), default=None)
        if end is None or end < start:
            return set()
        return {start + self.rows_unit.step * k for k in range((end - start) // self.rows_unit.step + 1)}

    def read(self, run: JobRun, source: Source, write_units: set[Any] | None) -> DataFrame:
        """The source's scope; on an incremental run only the units the written ones need."""
        df = source.in_scope(run.read(source.spec))
        if write_units is None or source.rebuild_on_change:
            return df
        return source.unit.filter(df, source.unit.expand(write_units, before=source.reach))  # type: ignore[union-attr]


def refresh(run: JobRun, job: GoldJob, full_refresh: bool) -> None:
    """plan → read → transform → keep the written units → audit → quality gate → write → offsets."""
    plan = plan_refresh(run, job.sources, full_refresh)
    if plan.is_empty:
        log.info("%s: no changes in %s", run.job, ", ".join(s.name for s in job.sources))
        run.rows_in = 0
        if plan.advanced:
            # Commits without a value change (confirming re-fetches): not read again next time.
            save_offsets(run, job.sources, plan)
        return
    write_units = job.write_units(plan)
    if write_units is not None and plan.onward:
        write_units |= job.onward_units(run, plan.onward_from, write_units)
        if not write_units:
            log.info("%s: the changes of %s move no row", run.job, ", ".join(sorted(plan.onward)))
            run.rows_in = 0
            save_offsets(run, job.sources, plan)
            return
    gold_df = job.transform(*(job.read(run, s, write_units) for s in job.sources))
    if write_units is not None:
        gold_df = job.rows_unit.filter(gold_df, write_units)
    gold_df = gold_df.transform(with_audit, run.run_id, run.started_at).transform(tables.conform, job.target)
    gold_df = quality.gate(run, gold_df, job.target)
    write_refresh(run, job.target, gold_df, plan, job.scope, merge_predicate(job, write_units))
    save_offsets(run, job.sources, plan)


def write_refresh(
    run: JobRun,
    spec: TableSpec,
    gold_df: DataFrame,
    plan: RefreshPlan,
    scope: Mapping[str, str],
    time_predicate: str | None = None,
) -> None:
    """A full plan replaces the scope's rows in one commit; an incremental one merges by key (pruned
    by `time_predicate` on the target when given)."""
    if plan.full:
        predicate = " AND ".join(f"{c} = {tables.sql_literal(v)}" for c, v in sorted(scope.items())) or "true"
        tables.replace_where(run.spark, run.config, spec, gold_df, predicate)
        run.rows_inserted = gold_df.count()
    else:
        merged = tables.upsert(run.spark, run.config, spec, gold_df, time_predicate)
        run.record_merge(merged, rows_in=gold_df.count())
    run.metrics.update({"source_versions": plan.versions, "full_refresh": plan.full})


# --- UTC periods (minutes, hours) as units of recompute, and rows that appear without a change ---


def _as_utc(moment: datetime) -> datetime:
    """A timestamp PySpark collected (naive, in the process's time zone) as an aware UTC datetime."""
    return moment.astimezone(timezone.utc)


def period_ranges(
    units: Iterable[datetime], step: timedelta, max_ranges: int = 64
) -> list[tuple[datetime, datetime]]:
    """[start, end) UTC ranges covering `units` (period starts), adjacent periods joined; beyond
    `max_ranges` one range from the first to the last (a superset: reads and merge predicates only
    prune with it, the keys still decide)."""
    starts = sorted({_as_utc(u) for u in units})
    ranges: list[list[datetime]] = []
    for start in starts:
        if ranges and ranges[-1][1] == start:
            ranges[-1][1] = start + step
        else:
            ranges.append([start, start + step])
    if len(ranges) > max_ranges:
        ranges = [[ranges[0][0], ranges[-1][1]]]
    return [(lo, hi) for lo, hi in ranges]


def _utc_dates(lo: datetime, hi: datetime) -> list[date]:
    """The UTC dates [lo, hi) touches."""
    last = (hi - timedelta(microseconds=1)).date()
    return [lo.date() + timedelta(days=d) for d in range((last - lo.date()).days + 1)]


def _timestamp_literal(moment: datetime) -> str:
    # The session time zone is UTC (common/spark.py), so a zone-less literal is read as UTC.
    return f"TIMESTAMP'{moment.strftime('%Y-%m-%d %H:%M:%S.%f')}'"


@dataclass(frozen=True)
class UtcPeriods(Unit):
    """Fixed UTC periods (`trunc`: 'minute', 'hour') of a timestamp column: a row's unit is its
    period's start. Reads and merges prune by the timestamp ranges of the units and by the UTC-date
    partition column `date_column` (e.g. ts_date, date_utc)."""

    ts_column: str = "ts_utc"
    date_column: str | None = "ts_date"
    trunc: ClassVar[str]

    def of(self) -> Column:
        return F.date_trunc(self.trunc, self.ts_column)

    def expand(self, units: Iterable[Any], before: int = 0, after: int = 0) -> set[Any]:
        # A row without a timestamp (e.g. a quarantined line whose ts was unreadable) has no unit.
        return super().expand((u for u in units if u is not None), before, after)

    def predicate(self, units: Collection[datetime], alias: str | None = None) -> str:
        """SQL: the rows of `units` (date partitions, then time ranges); 'false' for none."""
        ranges = period_ranges(units, self.step)
        if not ranges:
            return "false"
        prefix = f"{alias}." if alias else ""
        ts = f"{prefix}{self.ts_column}"
        in_ranges = " OR ".join(
            f"({ts} >= {_timestamp_literal(lo)} AND {ts} < {_timestamp_literal(hi)})" for lo, hi in ranges
        )
        if self.date_column is None:
            return f"({in_ranges})"
        days = sorted({day for lo, hi in ranges for day in _utc_dates(lo, hi)})
        in_days = f"{prefix}{self.date_column} IN ({', '.join(tables.sql_literal(d) for d in days)})"
        return f"{in_days} AND ({in_ranges})"

    def filter(self, df: DataFrame, units: Collection[datetime]) -> DataFrame:
        return df.filter(F.expr(self.predicate(units)))


@dataclass(frozen=True)
class UtcMinutes(UtcPeriods):
    trunc: ClassVar[str] = "minute"
    step: ClassVar[timedelta] = timedelta(minutes=1)


@dataclass(frozen=True)
class UtcHours(UtcPeriods):
    trunc: ClassVar[str] = "hour"
    step: ClassVar[timedelta] = timedelta(hours=1)


@dataclass(frozen=True)
class CompletingGoldJob(GoldJob):
    """A GoldJob some of whose rows appear without a change in their own units: an hour of
    gold/sensor_quality_hourly becomes complete when its site's next hour begins, a silent hour gets
    its row then. `pending_units()` names the units whose rows are due but not in the target yet; an
    incremental run writes them beside the changed ones (a full run writes everything anyway)."""

    pending_units: Callable[[], Collection[Any]] = lambda: ()

    def write_units(self, plan: RefreshPlan) -> set[Any] | None:
        units = super().write_units(plan)
        return None if units is None else units | set(self.pending_units())


def merge_predicate(job: GoldJob, write_units: set[Any] | None) -> str | None:
    """The predicate on the target (alias t) that prunes an incremental merge to the time ranges and
    date partitions of the written units, when the rows' unit is a UTC period."""
    if write_units is None or not isinstance(job.rows_unit, UtcPeriods):
        return None
    return job.rows_unit.predicate(write_units, alias="t")
