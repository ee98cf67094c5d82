"""The one place a SparkSession is built: Delta extension and catalog, UTC session time zone, local
defaults from config, and the Delta jars when the JVM is started from plain python."""

from __future__ import annotations

import os
from importlib import metadata

from pyspark.sql import SparkSession

from common.config import Config

SCALA_VERSION = "2.13"

DELTA_CONF = {
    "spark.sql.extensions": "io.delta.sql.DeltaSparkSessionExtension",
    "spark.sql.catalog.spark_catalog": "org.apache.spark.sql.delta.catalog.DeltaCatalog",
}


def is_databricks() -> bool:
    return "DATABRICKS_RUNTIME_VERSION" in os.environ


def jvm_already_launched() -> bool:
    """True under spark-submit (or pyspark shell): the JVM runs and its jars were fixed at launch."""
    return "PYSPARK_GATEWAY_PORT" in os.environ


def delta_package() -> str:
    """The Maven coordinate of the Delta jar matching the installed pyspark and delta-spark, the same
    name `configure_spark_with_delta_pip` asks for (e.g. io.delta:delta-spark_4.1_2.13:4.4.0)."""
    spark_line = ".".join(metadata.version("pyspark").split(".")[:2])
    return f"io.delta:delta-spark_{spark_line}_{SCALA_VERSION}:{metadata.version('delta-spark')}"


def build_spark(app_name: str, config: Config, extra_packages: list[str] | None = None) -> SparkSession:
    """Get or create the session for a job.

    On Databricks the cluster's session is used as it is (Delta is built in). Under spark-submit the
    Delta jars must have been given with --packages at launch; from plain python (tests, notebooks)
    they are added here and fetched once into the Ivy cache.
    """
    if is_databricks():
        spark = SparkSession.builder.getOrCreate()
        spark.conf.set("spark.sql.session.timeZone", "UTC")
        return spark

    builder = SparkSession.builder.appName(app_name)
    if not jvm_already_launched():
        builder = builder.master(str(config.get("spark.master", "local[2]")))
    for key, value in {**DELTA_CONF, **(config.get("spark.conf") or {})}.items():
        builder = builder.config(key, str(value))
    if not jvm_already_launched():
        from delta import configure_spark_with_delta_pip

        builder = configure_spark_with_delta_pip(builder, extra_packages=extra_packages)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("WARN")
    return spark
