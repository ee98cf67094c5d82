"""A merge reads what its batch touches, not the table's history: checked through Delta's own MERGE
metrics (target files before and after partition pruning and data skipping), on tables laid out one
file per day as daily runs leave them."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from common import tables
from common.cdc import merge_cdc, prepare_batch
from schemas import CDC_PRICE, DAILY_PRODUCTION_TREND
from tests.delta_metrics import last_merge_scan

DAYS = 60  # 2025-08-01 … 2025-09-29: two months, so two ts_month partitions
FIRST = datetime(2025, 8, 1, tzinfo=timezone.utc)


def write_one_file_per_day(df: DataFrame, config, spec, rows_per_day: int, order: list[str]) -> None:
    """Append `df` (sorted) so that every day's rows land in a file of their own."""
    tables.ensure_table(df.sparkSession, config, spec)
    (
        df.coalesce(1)
        .sortWithinPartitions(*spec.partition_by, *order)
        .write.format("delta")
        .mode("append")
        .option("maxRecordsPerFile", rows_per_day)
        .save(tables.spec_path(config, spec))
    )


def staged_prices(spark, hours: range, price: float, fetched_at: datetime) -> DataFrame:
    return spark.range(hours.start, hours.stop).select(
        F.lit("DE-LU").alias("bidding_zone"),
        (F.lit(FIRST) + F.make_interval(hours=F.col("id").cast("int"))).alias("ts_utc"),
        F.lit(price).alias("price_eur_mwh"),
        F.lit("EUR / MWh").alias("unit"),
        F.lit(60).alias("interval_minutes"),
        F.lit(fetched_at).cast("timestamp").alias("fetched_at"),
        F.lit("run").alias("run_id"),
        F.trunc(F.to_date(F.lit(FIRST) + F.make_interval(hours=F.col("id").cast("int"))), "month").alias(
            "ts_month"
        ),
    )


@pytest.mark.parametrize(
    ("hours", "files_read"),
    [
        (range(40 * 24, 41 * 24), 1),  # one day, 2025-09-10
        (range(31 * 24 - 3, 31 * 24 + 3), 2),  # 2025-08-31 21:00 … 2025-09-01 02:00, across the months
    ],
)
def test_a_cdc_merge_reads_only_the_files_of_the_hours_it_brings(spark, lakehouse, hours, files_read):
    first_fetch = datetime(2025, 10, 1, tzinfo=timezone.utc)
    history = prepare_batch(staged_prices(spark, range(DAYS * 24), 50.0, first_fetch), CDC_PRICE, first_fetch)
    write_one_file_per_day(history, lakehouse, CDC_PRICE, 24, ["ts_utc"])

    revised_at = datetime(2025, 10, 2, tzinfo=timezone.utc)
    batch = prepare_batch(staged_prices(spark, hours, 80.0, revised_at), CDC_PRICE, revised_at)
    metrics = merge_cdc(spark, lakehouse, CDC_PRICE, batch)

    assert metrics["num_updated_rows"] == len(hours)
    scan = last_merge_scan(spark)
    assert (scan["files_before_skipping"], scan["files_after_skipping"]) == (DAYS, files_read)
    # The files read are rewritten whole: the rows of their hours outside the batch are copied.
    assert scan["rows_copied"] == files_read * 24 - len(hours)
    prices = tables.read_table(spark, lakehouse, CDC_PRICE).groupBy("price_eur_mwh").count().collect()
    assert sorted(map(tuple, prices)) == [(50.0, DAYS * 24 - len(hours)), (80.0, len(hours))]


def test_a_gold_upsert_reads_only_the_files_of_its_scope_and_days(spark, lakehouse):
    computed_at = datetime(2025, 10, 1, tzinfo=timezone.utc)

    def trend_rows(countries: list[str], days: range, energy: float) -> DataFrame:
        return (
            spark.range(days.start, days.stop)
            .crossJoin(spark.createDataFrame([(c,) for c in countries], "country string"))
            .select(
                "country",
                F.date_add(F.lit(date(2025, 8, 1)), F.col("id").cast("int")).alias("date"),
                F.lit("Solar").alias("production_type"),
                F.lit(0.25).alias("interval_h"),
                F.lit(energy).alias("energy_mwh"),
                *(F.lit(None).cast("double").alias(c) for c in ("avg_mw", "min_mw", "max_mw")),
                F.lit(96).alias("intervals_reported"),
                F.lit(96).alias("intervals_expected"),
                F.lit(1.0).alias("completeness"),
                F.lit(None).cast("double").alias("energy_mwh_7d_avg"),
                F.lit("run").alias("run_id"),
                F.lit(computed_at).cast("timestamp").alias("computed_at"),
            )
        )

    write_one_file_per_day(
        trend_rows(["de", "fr"], range(DAYS), 1.0), lakehouse, DAILY_PRODUCTION_TREND, 1, ["date"]
    )

    metrics = tables.upsert(spark, lakehouse, DAILY_PRODUCTION_TREND, trend_rows(["de"], range(40, 41), 2.0))

    assert metrics["num_updated_rows"] == 1
    scan = last_merge_scan(spark)
    assert (scan["files_before_skipping"], scan["files_after_skipping"]) == (2 * DAYS, 1)
    energies = tables.read_table(spark, lakehouse, DAILY_PRODUCTION_TREND).where("energy_mwh = 2.0")
    assert [tuple(r) for r in energies.select("country", "date").collect()] == [("de", date(2025, 9, 10))]
