"""Delta's own SQL metrics of the last MERGE the session ran, read from Spark's SQL status store (filled
with the UI off too): how many target files the merge had before and after partition pruning and data
skipping. The MERGE's history entry (`operationMetrics`) has row counts but no files-scanned figure."""

from __future__ import annotations

from pyspark.sql import SparkSession

MERGE_SCAN_METRICS = {
    "number of target files before skipping": "files_before_skipping",
    "number of target files after skipping": "files_after_skipping",
    "number of target rows rewritten unmodified": "rows_copied",
}


def last_merge_scan(spark: SparkSession) -> dict[str, int]:
    """The MERGE_SCAN_METRICS of the newest SQL execution that has them (the merge command's own)."""
    to_java = spark._jvm.scala.jdk.javaapi.CollectionConverters.asJava
    store = spark._jsparkSession.sharedState().statusStore()
    for execution in reversed(list(to_java(store.executionsList()))):
        names = {m.accumulatorId(): m.name() for m in to_java(execution.metrics())}
        if not set(MERGE_SCAN_METRICS) <= set(names.values()):
            continue
        values = to_java(store.executionMetrics(execution.executionId()))
        return {
            MERGE_SCAN_METRICS[names[accumulator]]: int(str(values.get(accumulator)).replace(",", ""))
            for accumulator in values.keySet()
            if names.get(accumulator) in MERGE_SCAN_METRICS
        }
    raise AssertionError("no MERGE in this session's SQL executions")
