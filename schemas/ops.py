"""Operational tables: the run log and the change-feed positions incremental jobs consumed."""

from pyspark.sql.types import LongType, StringType, StructType, TimestampType

from schemas.spec import TableSpec, column

JOB_RUNS = TableSpec(
    layer="ops",
    name="job_runs",
    comment="One row per job run: written as 'running' at start and completed at the end.",
    schema=StructType(
        [
            column("run_id", StringType(), "Unique id of the run", nullable=False),
            column("job", StringType(), "Job name, e.g. cdc.public_power", nullable=False),
            column("started_at", TimestampType(), "UTC start", nullable=False),
            column("finished_at", TimestampType(), "UTC end; null while running or if killed"),
            column("status", StringType(), "running, succeeded or failed", nullable=False),
            column("params", StringType(), "Job arguments as JSON"),
            column("rows_in", LongType(), "Rows read or fetched"),
            column("rows_inserted", LongType(), "Rows inserted into the job's target table"),
            column("rows_updated", LongType(), "Rows updated in the job's target table"),
            column("metrics", StringType(), "Further metrics as JSON (e.g. Delta merge metrics)"),
            column("error", StringType(), "Error type and message of a failed run"),
        ]
    ),
    keys=("run_id", "job"),
)

CDF_OFFSETS = TableSpec(
    layer="ops",
    name="cdf_offsets",
    comment="Last Change Data Feed version of a source table an incremental job has consumed, per scope.",
    schema=StructType(
        [
            column(
                "consumer",
                StringType(),
                "Consuming job, e.g. transform.daily_production_trend",
                nullable=False,
            ),
            column("source_table", StringType(), "Source table, e.g. cdc/public_power", nullable=False),
            column(
                "scope", StringType(), "Slice the consumer processed, e.g. the country code", nullable=False
            ),
            column("version", LongType(), "Last source version consumed (inclusive)", nullable=False),
            column("run_id", StringType(), "Run that consumed it", nullable=False),
            column("updated_at", TimestampType(), "When it was recorded", nullable=False),
        ]
    ),
    keys=("consumer", "source_table", "scope"),
)
