"""Structured Streaming for jobs that consume files exactly once: a file source over a landing folder
(Spark's own, or Databricks Auto Loader by config), run to the end of what has arrived
(`availableNow`), each micro-batch handed to the job with a Delta transaction id that makes its writes
idempotent when Spark replays the batch after a crash."""

from __future__ import annotations

import json
from collections.abc import Callable

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from common import tables
from common.config import Config, ConfigError
from schemas.spec import TableSpec

SOURCES = ("files", "cloudFiles")
# (application id, version) for Delta's txnAppId / txnVersion: the query's id and the batch id.
Txn = tuple[str, int]


def read_text_files(
    spark: SparkSession,
    path: str,
    *,
    source: str,
    glob: str,
    max_files_per_trigger: int,
    schema_location: str,
) -> DataFrame:
    """One row per new file (source_file, text): whole files, so lines can be numbered exactly."""
    if source not in SOURCES:
        raise ConfigError(f"unknown streaming source '{source}' (expected one of {SOURCES})")
    if source == "cloudFiles":
        reader = (
            spark.readStream.format("cloudFiles")
            .option("cloudFiles.format", "text")
            .option("cloudFiles.schemaLocation", schema_location)
            .option("cloudFiles.maxFilesPerTrigger", max_files_per_trigger)
        )
    else:
        reader = spark.readStream.format("text").option("maxFilesPerTrigger", max_files_per_trigger)
    files_df = reader.option("wholetext", "true").option("pathGlobFilter", glob).load(path)
    return files_df.select(F.col("_metadata.file_path").alias("source_file"), F.col("value").alias("text"))


def ensure_folder(spark: SparkSession, path: str) -> None:
    """Create a folder (local or abfss://) if missing: a file source refuses to start without it."""
    jvm = spark.sparkContext._jvm
    hadoop_path = jvm.org.apache.hadoop.fs.Path(path)
    hadoop_path.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration()).mkdirs(hadoop_path)


def query_id(spark: SparkSession, checkpoint: str) -> str:
    """The id Spark keeps in the checkpoint: stable across restarts, new for a new checkpoint (so a
    deleted checkpoint never makes Delta skip the reprocessed batches)."""
    text = "".join(row.value for row in spark.read.text(f"{checkpoint}/metadata").collect())
    return json.loads(text)["id"]


def run_available_now(df: DataFrame, checkpoint: str, process: Callable[[DataFrame, int, Txn], None]) -> None:
    """Process everything that has arrived, batch by batch, then return; `process(batch_df, batch_id,
    txn)` must write with `txn` so a replayed batch changes nothing twice."""
    spark = df.sparkSession
    app_id: list[str] = []

    def each_batch(batch_df: DataFrame, batch_id: int) -> None:
        if not app_id:
            app_id.append(query_id(spark, checkpoint))
        process(batch_df, batch_id, (app_id[0], batch_id))

    query = (
        df.writeStream.foreachBatch(each_batch)
        .option("checkpointLocation", checkpoint)
        .trigger(availableNow=True)
        .start()
    )
    query.awaitTermination()


def checkpoint_path(config: Config, name: str) -> str:
    """Checkpoints live under the lakehouse root: {root}/ops/checkpoints/<name>."""
    return tables.table_path(tables.storage_root(config.lakehouse_root), "ops", f"checkpoints/{name}")


def read_table_stream(spark: SparkSession, config: Config, spec: TableSpec) -> DataFrame:
    """The rows appended to a Delta table since the consuming query's checkpoint (append-only tables)."""
    tables.ensure_table(spark, config, spec)
    return spark.readStream.format("delta").load(tables.spec_path(config, spec))
