"""Data-quality tables: the outcome of every expectation a job evaluated (quality/results) and, per
checked table, the rows an error-level row expectation held back (quality/quarantine_<layer>_<name>)."""

from __future__ import annotations

from dataclasses import replace

from pyspark.sql.types import (
    BooleanType,
    DoubleType,
    LongType,
    StringType,
    StructField,
    StructType,
    TimestampType,
)

from schemas.energy_charts import STAGING_INSTALLED_POWER, STAGING_PRICE, STAGING_PUBLIC_POWER
from schemas.gold import (
    DAILY_PRICE_WIND,
    DAILY_PRODUCTION_TREND,
    DATA_QUALITY_DAILY,
    UNDERPERFORMANCE_FEATURES,
)
from schemas.iot import STAGING_IOT_TELEMETRY
from schemas.solar import SOLAR_SITE_DAILY
from schemas.spec import TableSpec, column

QUALITY_RESULTS = TableSpec(
    layer="quality",
    name="results",
    comment="One row per expectation of a quality suite evaluated on a batch by a job run "
    "(conf/suites/<layer>/<table>.yaml).",
    schema=StructType(
        [
            column("run_id", StringType(), "Run that evaluated the suite", nullable=False),
            column(
                "job", StringType(), "Job that evaluated the suite, e.g. staging.public_power", nullable=False
            ),
            column("table", StringType(), "Checked table, e.g. staging/public_power", nullable=False),
            column("expectation", StringType(), "Name of the expectation in the suite", nullable=False),
            column(
                "severity",
                StringType(),
                "error (quarantines rows or fails the run) or warning (recorded only)",
                nullable=False,
            ),
            column("success", BooleanType(), "Whether the batch met the expectation", nullable=False),
            column(
                "element_count",
                LongType(),
                "Rows the expectation looked at (after its row condition); null for query checks",
            ),
            column(
                "unexpected_count",
                LongType(),
                "Rows that failed it (query checks: rows the query returned); null if not evaluated",
            ),
            column(
                "unexpected_sample",
                StringType(),
                "A few failing values or rows as JSON, or the error if it could not be evaluated",
            ),
            column("evaluated_at", TimestampType(), "The run's clock when the suite ran", nullable=False),
        ]
    ),
    keys=("run_id", "table", "expectation"),
)

QUALITY_BATCHES = TableSpec(
    layer="quality",
    name="batches",
    comment="One row per batch a job checked with its table's quality suite: its size, how many rows "
    "were quarantined and how complete it was.",
    schema=StructType(
        [
            column("run_id", StringType(), "Run that evaluated the suite", nullable=False),
            column("job", StringType(), "Job that evaluated the suite", nullable=False),
            column("table", StringType(), "Checked table, e.g. staging/public_power", nullable=False),
            column("rows", LongType(), "Rows in the batch", nullable=False),
            column(
                "quarantined_rows",
                LongType(),
                "Rows held back in the table's quarantine (failed an error-level row expectation)",
                nullable=False,
            ),
            column(
                "completeness",
                DoubleType(),
                "Mean over the rows that flow on (not quarantined) of the suite's `completeness` "
                "expression (0–1); null if the suite has none or no row flows on",
            ),
            column(
                "passed",
                BooleanType(),
                "False when an error-level table expectation failed: the run stopped, nothing flowed on",
                nullable=False,
            ),
            column("evaluated_at", TimestampType(), "The run's clock when the suite ran", nullable=False),
        ]
    ),
    keys=("run_id", "table"),
)

QUARANTINE_LAYER = "quality"


def quarantine_spec(spec: TableSpec) -> TableSpec:
    """quality/quarantine_<layer>_<name>: the table's columns, all nullable (a null key can be the
    reason), then the spec's `quarantine_columns`, `reason`, `run_id` and `quarantined_at`. A table
    that has a run_id of its own (staging, gold) keeps it in place: the run that checks a batch is the
    run that produced it.

    Append-only log of a few rows: partitioned by the table's first partition column only (its
    scope, e.g. country) so a scope's quarantine reads cheaply without small partitions per month.
    """
    extra_names = [f.name for f in spec.quarantine_columns]
    clashes = [n for n in ("reason", "quarantined_at", *extra_names) if n in spec.column_names]
    if clashes:
        raise ValueError(f"{spec.full_name}: columns {clashes} clash with the quarantine's own columns")
    fields = [StructField(f.name, f.dataType, True, metadata=f.metadata) for f in spec.schema.fields]
    run_id = column("run_id", StringType(), "Run that quarantined the row", nullable=False)
    if "run_id" in spec.column_names:
        fields = [run_id if f.name == "run_id" else f for f in fields]
    fields.extend(spec.quarantine_columns)
    fields.append(
        column(
            "reason",
            StringType(),
            spec.quarantine_reason
            or "Names of the error-level expectations the row failed, '; '-separated, in suite order",
            nullable=False,
        )
    )
    if "run_id" not in spec.column_names:
        fields.append(run_id)
    fields.append(
        column(
            "quarantined_at", TimestampType(), "The run's clock when the row was held back", nullable=False
        )
    )
    return replace(
        spec,
        layer=QUARANTINE_LAYER,
        name=f"quarantine_{spec.layer}_{spec.name}",
        comment=f"Rows of {spec.full_name} that failed an error-level row expectation of its quality suite "
        "and did not flow on.",
        schema=StructType(fields),
        keys=("run_id", *(k for k in spec.keys if k != "run_id")),
        partition_by=spec.partition_by[:1],
        change_data_feed=spec.quarantine_change_data_feed,
        value_column=None,
        payload_columns=(),
        quarantine_columns=(),
        quarantine_reason=None,
        quarantine_change_data_feed=False,
    )


# The tables whose suites hold error-level row expectations, so rows can be quarantined
# (tests/test_quality.py keeps this list and the suites in step).
QUARANTINE_TABLES: tuple[TableSpec, ...] = tuple(
    quarantine_spec(spec)
    for spec in (
        STAGING_PUBLIC_POWER,
        STAGING_PRICE,
        STAGING_INSTALLED_POWER,
        DAILY_PRODUCTION_TREND,
        DAILY_PRICE_WIND,
        UNDERPERFORMANCE_FEATURES,
        DATA_QUALITY_DAILY,
        SOLAR_SITE_DAILY,
        STAGING_IOT_TELEMETRY,
    )
)
QUARANTINE_STAGING_PUBLIC_POWER = QUARANTINE_TABLES[0]
QUARANTINE_STAGING_IOT_TELEMETRY = QUARANTINE_TABLES[-1]
