"""gold/data_quality_daily from the quality logs: per checked table and UTC day of evaluation, how
much was checked, how much was held back, how complete it was and how many expectations failed."""

from __future__ import annotations

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

# quality_score = Σ weight × term; every term is a share in [0, 1] where 1 is perfect.
SCORE_WEIGHTS = {"rows_passed": 0.5, "expectations_passed": 0.3, "completeness": 0.2}


def _share_passed(failed: str, total: str) -> Column:
    """1 − failed / total; 1 when nothing was counted (try_divide gives null for a zero total)."""
    return F.coalesce(F.lit(1.0) - F.try_divide(F.col(failed).cast("double"), F.col(total)), F.lit(1.0))


def quality_score() -> Column:
    """0.5 × (1 − quarantined_rows / rows) + 0.3 × (1 − expectations_failed / expectations_evaluated)
    + 0.2 × completeness, with a term counted as 1 when its denominator is 0 or completeness is null."""
    terms = {
        "rows_passed": _share_passed("quarantined_rows", "rows"),
        "expectations_passed": _share_passed("expectations_failed", "expectations_evaluated"),
        "completeness": F.coalesce(F.col("completeness"), F.lit(1.0)),
    }
    return sum((F.lit(weight) * terms[name] for name, weight in SCORE_WEIGHTS.items()), F.lit(0.0))


def data_quality_daily(results_df: DataFrame, batches_df: DataFrame) -> DataFrame:
    """One row per (table, date) with a quality/batches or quality/results row that UTC day."""
    day = F.to_date("evaluated_at").alias("date")
    expectations = results_df.groupBy("table", day).agg(
        F.count(F.lit(1)).alias("expectations_evaluated"),
        F.count(F.when(~F.col("success"), 1)).alias("expectations_failed"),
    )
    # Weighted by the rows that flowed on, the rows each batch's completeness was measured on.
    weighted_rows = F.when(F.col("completeness").isNotNull(), F.col("rows") - F.col("quarantined_rows"))
    completeness = F.try_divide(F.sum(weighted_rows * F.col("completeness")), F.sum(weighted_rows))
    batches = batches_df.groupBy("table", day).agg(
        F.count_distinct("run_id").alias("runs"),
        F.sum("rows").alias("rows"),
        F.sum("quarantined_rows").alias("quarantined_rows"),
        completeness.alias("completeness"),
    )
    counts = ["runs", "rows", "quarantined_rows", "expectations_evaluated", "expectations_failed"]
    return (
        batches.join(expectations, ["table", "date"], "full")
        .fillna(0, subset=counts)
        .withColumn("quality_score", quality_score())
    )
