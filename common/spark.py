"""The one place a SparkSession is built: Delta extension and catalog, UTC session time zone, local
defaults from config, ADLS Gen2 access (common/azure.py), and the Delta (and hadoop-azure) jars when
the JVM is started from plain python."""

from __future__ import annotations

import os
from importlib import metadata

from pyspark.sql import SparkSession

from common import azure
from common.config import Config, load_config
from common.log import get_logger

SCALA_VERSION = "2.13"
LOOPBACK = "127.0.0.1"

DELTA_CONF = {
    "spark.sql.extensions": "io.delta.sql.DeltaSparkSessionExtension",
    "spark.sql.catalog.spark_catalog": "org.apache.spark.sql.delta.catalog.DeltaCatalog",
}


def is_databricks() -> bool:
    return azure.on_databricks(os.environ)


def jvm_already_launched() -> bool:
    """True under spark-submit (or pyspark shell): the JVM runs and its jars were fixed at launch."""
    return "PYSPARK_GATEWAY_PORT" in os.environ


def delta_package() -> str:
    """The Maven coordinate of the Delta jar matching the installed pyspark and delta-spark, the same
    name `configure_spark_with_delta_pip` asks for (e.g. io.delta:delta-spark_4.1_2.13:4.4.0)."""
    spark_line = ".".join(metadata.version("pyspark").split(".")[:2])
    return f"io.delta:delta-spark_{spark_line}_{SCALA_VERSION}:{metadata.version('delta-spark')}"


def launch_packages(config: Config | None = None) -> list[str]:
    """Maven coordinates to give spark-submit with --packages for this config ($LAKEHOUSE_ENV by
    default): Delta, plus hadoop-azure when the lakehouse root is on ADLS."""
    config = config or load_config()
    return [delta_package(), *azure.required_packages(config)]


def build_spark(app_name: str, config: Config) -> SparkSession:
    """Get or create the session for a job.

    On Databricks the cluster's session is used as it is (Delta is built in). Under spark-submit the
    Delta jars must have been given with --packages at launch; from plain python (tests, notebooks)
    they are added here and fetched once into the Ivy cache. For an ADLS root the hadoop-azure package
    and the `fs.azure.*` credentials of common/azure.py are added the same way.
    """
    if is_databricks():
        spark = SparkSession.builder.getOrCreate()
        spark.conf.set("spark.sql.session.timeZone", "UTC")
        return spark

    storage = azure.storage_settings(config)
    builder = SparkSession.builder.appName(app_name)
    if not jvm_already_launched():
        master = str(config.get("spark.master", "local[2]"))
        builder = builder.master(master)
        if master.startswith("local"):
            # The JVM started here binds its UI to SPARK_LOCAL_IP (0.0.0.0 without it) and its driver to
            # the host name's address: nothing of a local session listens beyond loopback.
            os.environ.setdefault("SPARK_LOCAL_IP", LOOPBACK)
    for key, value in {**DELTA_CONF, **(config.get("spark.conf") or {}), **storage.spark_conf()}.items():
        builder = builder.config(key, str(value))
    if not jvm_already_launched():
        from delta import configure_spark_with_delta_pip

        builder = configure_spark_with_delta_pip(builder, extra_packages=list(storage.packages))
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("WARN")
    if jvm_already_launched():
        _warn_missing_packages(spark, storage.packages)
    return spark


def _warn_missing_packages(spark: SparkSession, packages: tuple[str, ...]) -> None:
    """spark-submit resolves --packages into spark.jars (…/<group>_<artifact>-<version>.jar)."""
    conf = spark.sparkContext.getConf()
    launched_with = f"{conf.get('spark.jars.packages', '')},{conf.get('spark.jars', '')}"
    missing = [p for p in packages if "-".join(p.split(":")[1:]) + ".jar" not in launched_with]
    if missing:
        get_logger("spark").warning(
            "the lakehouse root needs %s, which spark-submit was not given with --packages "
            "(make run adds it); abfss:// paths fail unless the jar is on the classpath otherwise",
            ",".join(missing),
        )
