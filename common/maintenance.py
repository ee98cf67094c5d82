"""Table maintenance for jobs/maintenance/optimize.py: retention properties from config, OPTIMIZE and
VACUUM of one Delta table, each step's numbers for the run record."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from delta.tables import DeltaTable
from pyspark.sql import SparkSession

from common.config import Config, ConfigError
from common.tables import spec_path
from schemas.spec import TableSpec


def retention_properties(config: Config) -> dict[str, str]:
    """The Delta retention properties every table gets, checked to outlast the longest gold gap."""
    gap = int(config.require("maintenance.max_gold_gap_days"))
    log_days = int(config.require("maintenance.log_retention_days"))
    file_days = int(config.require("maintenance.deleted_file_retention_days"))
    too_short = {
        name: days
        for name, days in (("log_retention_days", log_days), ("deleted_file_retention_days", file_days))
        if days <= gap
    }
    if too_short:
        raise ConfigError(
            f"config '{config.env}': maintenance.{' and maintenance.'.join(too_short)} must be longer than "
            f"maintenance.max_gold_gap_days ({gap}), or a gold job after a long gap loses its change feed"
        )
    return {
        "delta.logRetentionDuration": f"interval {log_days} days",
        "delta.deletedFileRetentionDuration": f"interval {file_days} days",
    }


@dataclass
class Maintained:
    """What maintenance did to one table."""

    table: str
    existed: bool
    properties_set: list[str] = field(default_factory=list)
    files_removed: int = 0
    files_added: int = 0

    def as_metrics(self) -> dict[str, Any]:
        return {
            "properties_set": self.properties_set,
            "files_removed": self.files_removed,
            "files_added": self.files_added,
        }


def maintain_table(
    spark: SparkSession, config: Config, spec: TableSpec, properties: dict[str, str]
) -> Maintained:
    """Set missing or different retention properties, OPTIMIZE, then VACUUM with the table's deleted-file
    retention. A table that does not exist yet is left alone (not created)."""
    path = spec_path(config, spec)
    if not DeltaTable.isDeltaTable(spark, path):
        return Maintained(spec.full_name, existed=False)
    table = DeltaTable.forPath(spark, path)
    current = table.detail().select("properties").first()["properties"] or {}
    changed = {key: value for key, value in properties.items() if current.get(key) != value}
    if changed:
        settings = ", ".join(f"'{key}' = '{value}'" for key, value in sorted(changed.items()))
        spark.sql(f"ALTER TABLE delta.`{path}` SET TBLPROPERTIES ({settings})")
    metrics = table.optimize().executeCompaction().select("metrics").first()["metrics"]
    # No argument: VACUUM uses the table's delta.deletedFileRetentionDuration just set.
    table.vacuum()
    return Maintained(
        spec.full_name,
        existed=True,
        properties_set=sorted(changed),
        files_removed=int(metrics["numFilesRemoved"]),
        files_added=int(metrics["numFilesAdded"]),
    )
