"""Read the lakehouse's Delta tables into pandas with delta-rs (`deltalake`): no JVM, no Spark
session. Table paths follow the one storage rule (`common.tables.table_path`) from the TableSpecs in
schemas/; a table that has not been written yet raises `TableNotLoaded`, which pages turn into a
"not loaded yet" panel."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from deltalake import DeltaTable
from deltalake.exceptions import TableNotFoundError

from common.azure import delta_rs_storage_options
from common.config import Config
from common.tables import storage_root, table_path
from schemas import ALL_TABLES, TableSpec

# A delta-rs filter: conjunction of (column, op, value), op one of = != < <= > >= in "not in".
Filters = Sequence[tuple[str, str, Any]]

SPECS: dict[str, TableSpec] = {spec.full_name: spec for spec in ALL_TABLES}


class TableNotLoaded(LookupError):
    """The table has no Delta log at its path yet (its job has not run in this lakehouse)."""

    def __init__(self, full_name: str, path: str):
        super().__init__(f"{full_name} is not loaded yet: no Delta table at {path}")
        self.full_name, self.path = full_name, path


@dataclass(frozen=True)
class Lakehouse:
    """The tables under one lakehouse root, read with delta-rs."""

    root: str
    storage_options: Mapping[str, str] = field(default_factory=dict, repr=False)

    @classmethod
    def from_config(cls, config: Config) -> Lakehouse:
        root = storage_root(config.lakehouse_root)
        return cls(root, delta_rs_storage_options(config))

    def path(self, full_name: str) -> str:
        """`{root}/{layer}/{table}` of a table named `layer/table` (declared in schemas/ or, for a
        table another change is still adding, by the same storage rule)."""
        spec = SPECS.get(full_name)
        layer, name = (spec.layer, spec.name) if spec else full_name.split("/", 1)
        return table_path(self.root, layer, name)

    def _table(self, full_name: str) -> DeltaTable:
        path = self.path(full_name)
        try:
            return DeltaTable(path, storage_options=dict(self.storage_options) or None)
        except TableNotFoundError as error:
            raise TableNotLoaded(full_name, path) from error

    def version(self, full_name: str) -> int | None:
        """The table's current Delta version, None when it is not loaded yet."""
        try:
            return self._table(full_name).version()
        except TableNotLoaded:
            return None

    def read(
        self, full_name: str, filters: Filters | None = None, columns: Sequence[str] | None = None
    ) -> pd.DataFrame:
        """The table's rows matching every filter (partition filters prune files), as pandas."""
        table = self._table(full_name)
        return table.to_pandas(
            filters=list(filters) if filters else None, columns=list(columns) if columns else None
        )
