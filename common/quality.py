"""Data-quality suites and their runner: one declarative suite per table in
`conf/suites/<layer>/<table>.yaml`, evaluated by Great Expectations on the job's own SparkSession,
with rows failing an error-level row expectation split off into quarantine in Spark. A row expectation
the split's predicate finds no row for is recorded as passed without asking GX (see `check`).

A suite file::

    table: staging/price                 # must be the spec's full_name
    derive:                              # optional: columns computed (Spark SQL) for the checks only
      ts_utc_offset_s: CASE WHEN interval_minutes > 0 THEN unix_seconds(ts_utc) % (interval_minutes * 60) END
    completeness: CASE WHEN price_eur_mwh IS NULL THEN 0.0 ELSE 1.0 END   # optional, per row, in [0, 1]
    expectations:
      - name: ts_utc_on_interval_grid    # unique in the suite; what results and `reason` call it
        type: expect_column_values_to_be_in_set      # a GX 1.x expectation type (snake case)
        kwargs: {column: ts_utc_offset_s, value_set: [0]}   # its GX kwargs
        severity: error                  # error | warning
        level: row                       # row | table

- `kwargs.row_condition`, if given, is a Spark SQL predicate: only rows where it holds are checked.
- `level: row` is allowed for the types in `ROW_CONDITIONS`; the predicate that marks a failing row is
  derived from the type and kwargs, the same test GX applies, so GX's counts and the quarantine agree.
  Like GX, every type except the null checks skips rows whose column is null. `mostly` is refused on
  error-level row expectations (a row either flows on or is held back).
- `level: table` is any other check of the whole batch: unique keys (`expect_compound_columns_to_be_unique`)
  or an `unexpected_rows_expectation` whose `unexpected_rows_query` selects offending rows from `{batch}`.
- The suites live in conf/suites (`quality.suites_dir` in config, relative to conf/, overrides it).
- `completeness`, if given, is averaged over the rows that flow on into the batch's profile
  (quality/batches), with its row count and quarantined rows.
- Jobs call `gate(run, df, spec)`: schema check, the suite, its evidence written, errors raised, the
  passing rows returned.
- Severity: a row failing an error-level row expectation is quarantined (`reason` names every one it
  failed) and does not flow on; a failed error-level table expectation, or any error-level expectation
  GX could not evaluate, fails the run through `QualityOutcome.raise_on_errors`. Warnings are recorded
  in quality/results and never block.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pyspark.sql import Column, DataFrame, Row, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import (
    DateType,
    NumericType,
    StringType,
    StructType,
    TimestampNTZType,
    TimestampType,
)

from common import tables
from common.config import Config, ConfigError, conf_dir, read_yaml
from common.validate import ValidationError, check_keys_not_null, check_schema, null_key_counts
from schemas.quality import QUALITY_BATCHES, QUALITY_RESULTS, quarantine_spec
from schemas.spec import TableSpec

if TYPE_CHECKING:
    from common.runs import JobRun

SEVERITIES = ("error", "warning")
LEVELS = ("row", "table")
SAMPLE_SIZE = 5
REASON_SEPARATOR = "; "
_REASON = "__quality_reason"  # working column; becomes `reason` in the quarantine


class SuiteError(ConfigError):
    """A quality suite file is missing or malformed."""


class QualityError(ValidationError):
    """A batch failed an error-level table expectation of its suite; nothing has been written downstream."""


def _not_null(column: Column, kwargs: Mapping[str, Any]) -> Column:
    return column.isNull()


def _null(column: Column, kwargs: Mapping[str, Any]) -> Column:
    return column.isNotNull()


def _between(column: Column, kwargs: Mapping[str, Any]) -> Column:
    low, high = kwargs.get("min_value"), kwargs.get("max_value")
    within = F.lit(True)
    if low is not None:
        within = within & (column > F.lit(low) if kwargs.get("strict_min") else column >= F.lit(low))
    if high is not None:
        within = within & (column < F.lit(high) if kwargs.get("strict_max") else column <= F.lit(high))
    return column.isNotNull() & ~within


def _in_set(column: Column, kwargs: Mapping[str, Any]) -> Column:
    return column.isNotNull() & ~column.isin(list(kwargs["value_set"]))


def _not_in_set(column: Column, kwargs: Mapping[str, Any]) -> Column:
    return column.isNotNull() & column.isin(list(kwargs["value_set"]))


def _match_regex(column: Column, kwargs: Mapping[str, Any]) -> Column:
    return column.isNotNull() & ~column.rlike(kwargs["regex"])


def _not_match_regex(column: Column, kwargs: Mapping[str, Any]) -> Column:
    return column.isNotNull() & column.rlike(kwargs["regex"])


# GX type -> (required kwargs, predicate marking a failing row). Mirrors GX's Spark conditions.
ROW_CONDITIONS: dict[str, tuple[tuple[str, ...], Callable[[Column, Mapping[str, Any]], Column]]] = {
    "expect_column_values_to_not_be_null": ((), _not_null),
    "expect_column_values_to_be_null": ((), _null),
    "expect_column_values_to_be_between": ((), _between),
    "expect_column_values_to_be_in_set": (("value_set",), _in_set),
    "expect_column_values_to_not_be_in_set": (("value_set",), _not_in_set),
    "expect_column_values_to_match_regex": (("regex",), _match_regex),
    "expect_column_values_to_not_match_regex": (("regex",), _not_match_regex),
}


@dataclass(frozen=True)
class SuiteExpectation:
    name: str
    type: str
    kwargs: Mapping[str, Any]
    severity: str
    level: str

    @property
    def quarantines(self) -> bool:
        return self.severity == "error" and self.level == "row"

    @property
    def is_query(self) -> bool:
        return "unexpected_rows_query" in self.kwargs

    def failing_rows(self) -> Column:
        """True for a row that fails this row-level expectation (never null)."""
        _, predicate = ROW_CONDITIONS[self.type]
        failing = predicate(F.col(self.kwargs["column"]), self.kwargs)
        if self.kwargs.get("row_condition"):
            failing = F.coalesce(F.expr(self.kwargs["row_condition"]), F.lit(False)) & failing
        return F.coalesce(failing, F.lit(False))

    def describe(self) -> str:
        return f"expectation '{self.name}' ({self.type})"


@dataclass(frozen=True)
class Suite:
    table: str
    expectations: tuple[SuiteExpectation, ...]
    derive: tuple[tuple[str, str], ...] = ()
    completeness: str | None = None  # Spark SQL: how complete a row is, in [0, 1]; averaged per batch
    source: str = "<inline>"


def suites_dir(config: Config) -> Path:
    """`quality.suites_dir` (relative to conf/), default conf/suites."""
    return conf_dir() / str(config.get("quality.suites_dir", "suites"))


def load_suite(config: Config, spec: TableSpec) -> Suite:
    """The suite of a table: `<suites_dir>/<layer>/<name>.yaml`, checked against the spec."""
    path = suites_dir(config) / spec.layer / f"{spec.name}.yaml"
    if not path.is_file():
        raise SuiteError(f"{spec.full_name}: no quality suite at {path}")
    # Parsing checks every expectation with GX (about 0.3 s a suite): once per file content and spec.
    key = (str(path), path.read_bytes(), spec.full_name, tuple(spec.column_names))
    if key not in _PARSED_SUITES:
        _PARSED_SUITES[key] = parse_suite(read_yaml(path), spec, source=str(path))
    return _PARSED_SUITES[key]


_PARSED_SUITES: dict[tuple, Suite] = {}  # Suite is immutable: shared by every check of the process


def parse_suite(data: Mapping[str, Any], spec: TableSpec, source: str = "<inline>") -> Suite:
    """A suite from its YAML mapping; raises `SuiteError` naming the file and the problem."""

    def fail(problem: str) -> SuiteError:
        return SuiteError(f"{source}: {problem}")

    if not isinstance(data, Mapping) or data.get("table") != spec.full_name:
        raise fail(f"expected 'table: {spec.full_name}'")
    derive = tuple((str(k), str(v)) for k, v in (data.get("derive") or {}).items())
    clashes = [name for name, _ in derive if name in spec.column_names]
    if clashes:
        raise fail(f"derived columns {clashes} clash with columns of {spec.full_name}")
    known_columns = {*spec.column_names, *(name for name, _ in derive)}
    expectations = []
    for index, entry in enumerate(data.get("expectations") or []):
        expectation = _parse_expectation(entry, index, known_columns, fail)
        if any(e.name == expectation.name for e in expectations):
            raise fail(f"expectation name '{expectation.name}' is used twice")
        expectations.append(expectation)
    if not expectations:
        raise fail("no expectations")
    completeness = data.get("completeness")
    suite = Suite(
        spec.full_name, tuple(expectations), derive, str(completeness) if completeness else None, source
    )
    try:
        _gx_suite(suite.table, suite.expectations)  # GX checks every type and its kwargs now, not mid-run
    except Exception as exc:
        raise fail(f"not a valid Great Expectations suite: {exc}") from exc
    return suite


def _parse_expectation(
    entry: Any, index: int, known_columns: set[str], fail: Callable[[str], SuiteError]
) -> SuiteExpectation:
    if not isinstance(entry, Mapping) or not entry.get("type"):
        raise fail(f"expectation #{index + 1} needs a 'type'")
    kwargs = dict(entry.get("kwargs") or {})
    columns = [kwargs["column"]] if "column" in kwargs else list(kwargs.get("column_list") or [])
    name = str(entry.get("name") or f"{entry['type']}({', '.join(columns)})")
    expectation = SuiteExpectation(
        name, str(entry["type"]), kwargs, entry.get("severity"), entry.get("level")
    )
    where = f"expectation '{name}'"
    if expectation.severity not in SEVERITIES:
        raise fail(f"{where}: severity must be one of {SEVERITIES}")
    if expectation.level not in LEVELS:
        raise fail(f"{where}: level must be one of {LEVELS}")
    unknown = [c for c in columns if c not in known_columns]
    if unknown:
        raise fail(f"{where}: unknown column(s) {unknown}")
    if expectation.level == "row":
        if expectation.type not in ROW_CONDITIONS or "column" not in kwargs:
            raise fail(f"{where}: level row supports {sorted(ROW_CONDITIONS)} on one column")
        missing = [k for k in ROW_CONDITIONS[expectation.type][0] if k not in kwargs]
        if missing:
            raise fail(f"{where}: missing kwargs {missing}")
        if expectation.quarantines and kwargs.get("mostly", 1) != 1:
            raise fail(f"{where}: 'mostly' cannot decide which rows to quarantine")
    return expectation


@dataclass
class QualityOutcome:
    """The suite's verdict on one batch. `passed_df` and `quarantined_df` are lazy: nothing is
    collected, the split runs when they are written."""

    table: str
    suite: Suite
    passed_df: DataFrame
    quarantined_df: DataFrame
    results: list[dict[str, Any]]  # rows for quality/results, in suite order
    batch: dict[str, Any]  # the row for quality/batches
    errors: list[str] = field(default_factory=list)  # why the run must fail; empty if it may go on
    passed_null_keys: dict[str, int] = field(default_factory=dict)  # key column -> nulls in passed_df

    @property
    def quarantined_rows(self) -> int:
        return int(self.batch["quarantined_rows"])

    def raise_on_errors(self) -> None:
        if self.errors:
            raise QualityError(f"{self.table}: quality suite failed: " + "; ".join(self.errors))


def check(
    df: DataFrame,
    spec: TableSpec,
    *,
    run_id: str,
    job: str,
    now: datetime,
    config: Config,
    suite: Suite | None = None,
) -> QualityOutcome:
    """Evaluate the table's suite (default: `load_suite`) on a batch and split it.

    One Spark pass profiles the batch and counts, with the predicates that decide the quarantine, the rows
    each row expectation finds. Great Expectations then evaluates, on the DataFrame's session, every table
    expectation and every row expectation that found rows (its counts, samples and verdict are the
    record, and must equal the predicate's count); a row expectation that found none is recorded as
    passed over the rows it checked, without asking GX again what the pass already counted. GX computes
    its metrics in several Spark jobs: cache the batch first. The split is only defined here:
    `passed_df` and `quarantined_df` are filters on a reason column derived from the suite, evaluated
    when the caller writes them."""
    suite = suite or load_suite(config, spec)
    checked_df = df.withColumns({name: F.expr(sql) for name, sql in suite.derive}) if suite.derive else df
    counted = [e for e in suite.expectations if e.level == "row" and _countable(e, checked_df.schema)]
    # Each predicate is built once (a Column costs the JVM a call per node) and used by every pass.
    predicates = {e.name: e.failing_rows() for e in suite.expectations if e.level == "row"}
    reason = _reason([e for e in counted if e.quarantines], predicates)
    profile = _profile(checked_df, spec, suite, reason, [(e, predicates[e.name]) for e in counted])
    found = {e.name: int(profile[f"_found_{i}"]) for i, e in enumerate(counted)}
    checked = {e.name: int(profile[f"_checked_{i}"]) for i, e in enumerate(counted)}
    asked = [e for e in suite.expectations if e.name not in found]
    validation = _validate(checked_df, suite.table, asked, samples=0) if asked else {}
    # Samples cost GX a Spark job per expectation: they are asked for only where rows failed.
    failed = [e for e in counted if found[e.name]]
    failed += [e for e in asked if _has_unexpected(e, validation[e.name])]
    if failed:
        validation.update(_validate(checked_df, suite.table, failed, samples=SAMPLE_SIZE))
    results, errors = [], []
    for expectation in suite.expectations:
        if expectation.name in validation:
            result, error = _result(checked_df, expectation, validation[expectation.name])
            error = error or _disagreement(expectation, result, found.get(expectation.name))
        else:
            result, error = _row(expectation, True, checked[expectation.name], 0, []), None
        results.append({"run_id": run_id, "job": job, "table": spec.full_name, **result, "evaluated_at": now})
        if error:
            errors.append(error)
    # A check GX could not evaluate cannot be evaluated in the split either; it fails the run instead.
    quarantining = [
        e
        for e, r in zip(suite.expectations, results, strict=True)
        if e.quarantines and r["unexpected_count"] is not None
    ]
    if quarantining != [e for e in counted if e.quarantines]:
        reason = _reason(quarantining, predicates)
        profile = _profile(checked_df, spec, suite, reason, [])
    flagged_df = checked_df.withColumn(_REASON, reason)
    passed_df = flagged_df.filter(F.col(_REASON) == "").select(*df.columns)
    # The quarantine's own extra columns (e.g. the raw input line) are unknown to the suite: null.
    extra = [f.name for f in spec.quarantine_columns if f.name not in df.columns]
    held_back_df = flagged_df.filter(F.col(_REASON) != "")
    for name in extra:
        held_back_df = held_back_df.withColumn(name, F.lit(None))
    quarantined_df = tables.conform(
        held_back_df.withColumn("reason", F.col(_REASON))
        .withColumn("run_id", F.lit(run_id))
        .withColumn("quarantined_at", F.lit(now).cast("timestamp")),
        quarantine_spec(spec),
    )
    batch = {
        "run_id": run_id,
        "job": job,
        "table": spec.full_name,
        **{name: profile[name] for name in ("rows", "quarantined_rows", "completeness")},
        "passed": not errors,
        "evaluated_at": now,
    }
    passed_null_keys = {key: int(profile[f"_null_{key}"]) for key in spec.keys}
    return QualityOutcome(
        spec.full_name, suite, passed_df, quarantined_df, results, batch, errors, passed_null_keys
    )


def _profile(
    checked_df: DataFrame,
    spec: TableSpec,
    suite: Suite,
    reason: Column,
    counted: Sequence[tuple[SuiteExpectation, Column]],
) -> Row:
    """One pass over the batch: its rows, the rows held back (a non-empty `reason`), the completeness
    and the null keys of the rest (checked by `gate`), and per counted expectation (with its predicate)
    the rows it checks (`_checked_<i>`, those its row_condition selects) and finds (`_found_<i>`)."""
    passing = F.length(reason) == 0  # (not `reason == ""`: Spark warns when the suite quarantines nothing)
    completeness = (
        F.avg(F.when(passing, F.expr(suite.completeness).cast("double")))
        if suite.completeness
        else F.lit(None)
    )
    per_expectation = []
    for i, (e, failing) in enumerate(counted):
        condition = e.kwargs.get("row_condition")
        per_expectation.append(
            F.count(F.when(F.expr(condition), 1)).alias(f"_checked_{i}")
            if condition
            else F.count(F.lit(1)).alias(f"_checked_{i}")
        )
        per_expectation.append(F.count(F.when(failing, 1)).alias(f"_found_{i}"))
    return checked_df.agg(
        F.count(F.lit(1)).alias("rows"),
        F.count(F.when(~passing, 1)).alias("quarantined_rows"),
        completeness.cast("double").alias("completeness"),
        *null_key_counts(spec, passing, prefix="_null_"),
        *per_expectation,
    ).first()


# GX refuses these column types for these checks; such an expectation is left to GX, which says why.
def _countable(expectation: SuiteExpectation, schema: StructType) -> bool:
    """Whether the predicate's count of a row expectation is what GX would count on this schema."""
    kind = schema[expectation.kwargs["column"]].dataType
    if expectation.type == "expect_column_values_to_be_between":
        low, high = expectation.kwargs.get("min_value"), expectation.kwargs.get("max_value")
        bounds = (low is not None or high is not None) and (low is None or high is None or low <= high)
        return bounds and isinstance(kind, (NumericType, DateType, TimestampType, TimestampNTZType))
    if "regex" in expectation.kwargs:
        return isinstance(kind, StringType)
    return True


def _disagreement(expectation: SuiteExpectation, result: Mapping[str, Any], found: int | None) -> str | None:
    """The run-failing message when GX and the quarantine predicate count a row expectation differently."""
    counted = result["unexpected_count"]
    if found is None or counted is None or counted == found:
        return None
    return (
        f"{expectation.describe()}: Great Expectations counted {counted} unexpected row(s), "
        f"the quarantine predicate {found}"
    )


def write_outcome(
    spark: SparkSession,
    config: Config,
    spec: TableSpec,
    outcome: QualityOutcome,
    txn: tuple[str, int] | None = None,
) -> None:
    """Append the results to quality/results, the batch's profile to quality/batches and the
    quarantined rows, if any, to the table's quarantine (one commit each). All are logs keyed by run:
    call once per table and run, before `raise_on_errors`, so a failing run leaves its evidence.
    `txn` makes the appends idempotent (see `tables.append_rows`), for batches that may be replayed."""
    tables.append_rows(spark, config, QUALITY_RESULTS, outcome.results, txn)
    tables.append_rows(spark, config, QUALITY_BATCHES, [outcome.batch], txn)
    if outcome.quarantined_rows:
        tables.append(spark, config, quarantine_spec(spec), outcome.quarantined_df, txn)


def gate(run: JobRun, df: DataFrame, spec: TableSpec, txn: tuple[str, int] | None = None) -> DataFrame:
    """The validate step of a job for one batch of `spec`, before anything is written downstream:
    the schema must match, the table's suite runs, its evidence is written (`write_outcome`), an
    error-level failure raises `QualityError`, and the rows that may flow on are returned (cached;
    the batch itself when nothing was quarantined). Their keys are checked not null last, so a suite
    that forgot a key cannot let a null key through. `txn` makes the evidence's appends idempotent
    (`tables.append`), for streaming micro-batches that may be replayed."""
    check_schema(df, spec)
    batch_df = df if df.is_cached else df.cache()
    outcome = check(batch_df, spec, run_id=run.run_id, job=run.job, now=run.started_at, config=run.config)
    write_outcome(run.spark, run.config, spec, outcome, txn)
    run.metrics.setdefault("quarantined_rows", {})[spec.full_name] = outcome.quarantined_rows
    outcome.raise_on_errors()
    passed_df = outcome.passed_df.cache() if outcome.quarantined_rows else batch_df
    check_keys_not_null(passed_df, spec, outcome.passed_null_keys)
    return passed_df


def _reason(expectations: Sequence[SuiteExpectation], predicates: Mapping[str, Column]) -> Column:
    """'; '-joined names of the error-level row expectations a row fails ('' if none): concat_ws skips
    the nulls `when` leaves for the expectations the row passes."""
    failed = [F.when(predicates[e.name], F.lit(e.name)) for e in expectations if e.quarantines]
    return F.concat_ws(REASON_SEPARATOR, *failed) if failed else F.lit("")


def _result(
    checked_df: DataFrame, expectation: SuiteExpectation, gx_result: Any
) -> tuple[dict[str, Any], str | None]:
    """The quality/results fields of one GX result, and the run-failing message if it is one."""
    failure = _exception_message(gx_result.exception_info)
    result = dict(gx_result.result or {})
    if failure is not None:
        row = _row(expectation, False, None, None, {"error": failure})
        blocking = f"{expectation.describe()} could not be evaluated: {failure}"
        return row, blocking if expectation.severity == "error" else None
    if expectation.is_query:
        count = int(result.get("observed_value") or 0)
        sample = _query_sample(checked_df, expectation) if count else []
        row = _row(expectation, bool(gx_result.success), None, count, sample)
        found = f"its query found {count} row(s)"
    else:
        element_count, count = result.get("element_count"), result.get("unexpected_count")
        sample = list(result.get("partial_unexpected_list") or [])[:SAMPLE_SIZE]
        row = _row(expectation, bool(gx_result.success), element_count, count, sample)
        found = f"{count} of {element_count} row(s) unexpected"
    if gx_result.success or expectation.severity != "error" or expectation.level != "table":
        return row, None
    return row, f"{expectation.describe()} failed: {found}, e.g. {row['unexpected_sample']}"


def _row(
    expectation: SuiteExpectation, success: bool, element_count: Any, unexpected_count: Any, sample: Any
) -> dict[str, Any]:
    return {
        "expectation": expectation.name,
        "severity": expectation.severity,
        "success": success,
        "element_count": None if element_count is None else int(element_count),
        "unexpected_count": None if unexpected_count is None else int(unexpected_count),
        "unexpected_sample": json.dumps(sample, default=str, ensure_ascii=False),
    }


def _exception_message(info: Any) -> str | None:
    """GX reports exceptions flat ({raised_exception, exception_message}) or per metric."""
    if not info:
        return None
    entries = [info] if "raised_exception" in info else list(info.values())
    messages = [str(e.get("exception_message")) for e in entries if e.get("raised_exception")]
    return " | ".join(m.splitlines()[0] for m in messages) if messages else None


def _query_sample(checked_df: DataFrame, expectation: SuiteExpectation) -> list[dict[str, Any]]:
    """A few rows of a failed query check (GX keeps them out of non-COMPLETE results)."""
    view = f"quality_sample_{uuid.uuid4().hex}"
    checked_df.createOrReplaceTempView(view)
    try:
        query = expectation.kwargs["unexpected_rows_query"].format(batch=view)
        return [row.asDict() for row in checked_df.sparkSession.sql(query).limit(SAMPLE_SIZE).collect()]
    finally:
        checked_df.sparkSession.catalog.dropTempView(view)


def _quiet_gx() -> None:
    """No usage statistics leave the job (progress bars are switched off in the context's config)."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")


def _has_unexpected(expectation: SuiteExpectation, gx_result: Any) -> bool:
    """A column check that found unexpected rows (a query check takes its sample itself)."""
    return not expectation.is_query and bool((gx_result.result or {}).get("unexpected_count"))


def _gx_suite(name: str, suite_expectations: Sequence[SuiteExpectation]) -> Any:
    _quiet_gx()
    from great_expectations import ExpectationSuite
    from great_expectations.expectations.metadata_types import FailureSeverity
    from great_expectations.expectations.registry import get_expectation_impl
    from great_expectations.expectations.row_conditions import PassThroughCondition

    expectations = []
    for e in suite_expectations:
        kwargs = dict(e.kwargs)
        if kwargs.get("row_condition"):
            # A Spark SQL predicate handed to DataFrame.filter as it is (GX's legacy "spark" parser).
            kwargs["row_condition"] = PassThroughCondition(pass_through_filter=kwargs["row_condition"])
        severity = FailureSeverity.CRITICAL if e.severity == "error" else FailureSeverity.WARNING
        impl = get_expectation_impl(e.type)
        expectations.append(impl(**kwargs, severity=severity, meta={"name": e.name, "level": e.level}))
    return ExpectationSuite(name=name, expectations=expectations)


def _validate(
    checked_df: DataFrame, table: str, expectations: Sequence[SuiteExpectation], samples: int
) -> dict[str, Any]:
    """One GX validation of a suite's expectations on the DataFrame, in an in-memory context on the
    running session (the Spark data source gets no spark_config, so GX reuses the session instead of
    restarting it), with up to `samples` unexpected values per expectation: GX's result by name."""
    _quiet_gx()
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    context = gx.get_context(
        mode="ephemeral",
        project_config=DataContextConfig(
            store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
            analytics_enabled=False,
            progress_bars=ProgressBarsConfig(globally=False),
        ),
    )
    # persist=False: the caller decides what is cached; GX would otherwise cache the batch for good.
    batch = (
        context.data_sources.add_spark(name="lakehouse", persist=False)
        .add_dataframe_asset(name=table)
        .add_batch_definition_whole_dataframe("batch")
        .get_batch(batch_parameters={"dataframe": checked_df})
    )
    result_format = {"result_format": "BASIC", "partial_unexpected_count": samples}
    validation = batch.validate(_gx_suite(table, expectations), result_format=result_format)
    return {r.expectation_config.meta["name"]: r for r in validation.results}
