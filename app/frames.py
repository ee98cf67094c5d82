"""Pure pandas shaping shared by the pages and the report: local days and slots, the latest failed
expectations, quarantine counts by reason, the catalogue listing. No I/O here."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd

from schemas import TableSpec
from schemas.catalog import unit_of


def with_local_time(df: pd.DataFrame, column: str, tz: str, name: str = "local_time") -> pd.DataFrame:
    """`df` plus `name`: the UTC timestamp column `column` in time zone `tz` (stored timestamps are UTC,
    naive ones are read as UTC)."""
    ts = pd.to_datetime(df[column])
    ts = ts.dt.tz_localize("UTC") if ts.dt.tz is None else ts
    return df.assign(**{name: ts.dt.tz_convert(tz)})


def slot_label(slot: int) -> str:
    """`slot_local` (local hour × 2 + minute / 30) as the local clock time it starts at, e.g. 13 -> 06:30."""
    return f"{slot // 2:02d}:{(slot % 2) * 30:02d}"


def latest_failed_expectations(results: pd.DataFrame) -> pd.DataFrame:
    """Failed expectations of each table's latest evaluated run (quality/results rows), newest first."""
    if results.empty:
        return results
    latest = results.loc[results.groupby("table")["evaluated_at"].transform("max") == results["evaluated_at"]]
    failed = latest.loc[~latest["success"].astype(bool)]
    columns = [
        "table",
        "expectation",
        "severity",
        "unexpected_count",
        "element_count",
        "evaluated_at",
        "job",
        "run_id",
        "unexpected_sample",
    ]
    return failed[columns].sort_values(
        ["evaluated_at", "table", "expectation"], ascending=[False, True, True]
    )


def quarantine_reason_counts(quarantines: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Rows held back per quarantine table and reason (a row failing several expectations counts once
    under each): columns table, reason, rows."""
    parts = []
    for table, rows in quarantines.items():
        reasons = rows["reason"].fillna("").str.split(";").explode().str.strip()
        counts = reasons.loc[reasons != ""].value_counts()
        parts.append(pd.DataFrame({"table": table, "reason": counts.index, "rows": counts.to_numpy()}))
    if not parts:
        return pd.DataFrame({"table": [], "reason": [], "rows": []})
    return pd.concat(parts, ignore_index=True).sort_values(["rows", "table"], ascending=[False, True])


def catalogue_tables(specs: Iterable[TableSpec], versions: Mapping[str, int | None]) -> pd.DataFrame:
    """One row per declared table: name, layer, key, partitioning, description and its Delta version
    in this lakehouse (None = not loaded yet)."""
    return pd.DataFrame(
        [
            {
                "table": spec.full_name,
                "layer": spec.layer,
                "key": ", ".join(spec.keys),
                "partitioned by": ", ".join(spec.partition_by),
                "change data feed": spec.change_data_feed,
                "description": spec.comment,
                "version": versions.get(spec.full_name),
            }
            for spec in specs
        ]
    )


def catalogue_columns(spec: TableSpec) -> pd.DataFrame:
    """The columns of one table: name, type, unit (from its name), nullability, key membership,
    description."""
    return pd.DataFrame(
        [
            {
                "column": f.name,
                "type": f.dataType.simpleString(),
                "unit": unit_of(f.name) or "",
                "nullable": f.nullable,
                "key": f.name in spec.keys,
                "description": f.metadata.get("comment", ""),
            }
            for f in spec.schema.fields
        ]
    )
