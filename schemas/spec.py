"""`TableSpec`: a table's schema (with column comments), keys, partitioning and properties,
declared once and used by readers, writers, validation, tests and the README catalogue."""

from __future__ import annotations

from dataclasses import dataclass, field

from pyspark.sql.types import DataType, StructField, StructType


def column(name: str, data_type: DataType, comment: str, nullable: bool = True) -> StructField:
    return StructField(name, data_type, nullable, metadata={"comment": comment})


@dataclass(frozen=True)
class TableSpec:
    layer: str
    name: str
    schema: StructType
    keys: tuple[str, ...]
    comment: str
    partition_by: tuple[str, ...] = ()
    change_data_feed: bool = False
    # cdc tables: the nullable measurement a null must never overwrite, and the columns that travel
    # with it (compared through record_hash).
    value_column: str | None = None
    payload_columns: tuple[str, ...] = field(default=())
    # cdc tables: what orders the candidate rows of a key, newest first, after "has a value". The
    # first column is stored (the time the value was received or fetched); the rest break ties.
    order_by: tuple[str, ...] = ("fetched_at", "run_id")
    # Columns the table's quarantine carries besides the table's own (e.g. the raw input line).
    quarantine_columns: tuple[StructField, ...] = field(default=())
    # What the quarantine's `reason` holds, if not the names of failed suite expectations.
    quarantine_reason: str | None = None
    # The quarantine's Change Data Feed, for a gold job that consumes its changes incrementally.
    quarantine_change_data_feed: bool = False

    @property
    def full_name(self) -> str:
        return f"{self.layer}/{self.name}"

    @property
    def sql_name(self) -> str:
        """The table's one name in SQL: the view `make sql` registers locally and the Unity Catalog
        table name (`<catalog>.<schema>.<sql_name>`). Gold tables keep their own name, the others
        are prefixed by their layer (`cdc_price`, `quality_results`), so one schema holds them all."""
        return self.name if self.layer == "gold" else f"{self.layer}_{self.name}"

    @property
    def column_names(self) -> list[str]:
        return self.schema.fieldNames()

    @property
    def properties(self) -> dict[str, str]:
        return {"delta.enableChangeDataFeed": "true"} if self.change_data_feed else {}

    def comment_of(self, column_name: str) -> str:
        return self.schema[column_name].metadata.get("comment", "")
