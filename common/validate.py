"""The table contract every batch meets before it is written: its schema and non-null keys. Raises an
error naming the table, the column(s) and sample offending values. `common.quality.gate` calls these
around the table's quality suite, which holds every other check (unique keys among them)."""

from __future__ import annotations

from collections.abc import Mapping

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from schemas.spec import TableSpec

SAMPLE_SIZE = 5


class ValidationError(ValueError):
    """A batch breaks its table's contract; nothing has been written."""


def check_schema(df: DataFrame, spec: TableSpec) -> None:
    actual = {f.name: f.dataType for f in df.schema.fields}
    expected = {f.name: f.dataType for f in spec.schema.fields}
    problems = [f"missing column '{n}'" for n in expected if n not in actual]
    problems += [f"unexpected column '{n}'" for n in actual if n not in expected]
    problems += [
        f"column '{n}' is {actual[n].simpleString()}, expected {t.simpleString()}"
        for n, t in expected.items()
        if n in actual and actual[n] != t
    ]
    if problems:
        raise ValidationError(f"{spec.full_name}: schema mismatch: {'; '.join(problems)}")


def null_key_counts(spec: TableSpec, rows: Column | None = None, prefix: str = "") -> list[Column]:
    """Aggregates counting the nulls of each key column (among `rows`, a condition, if given), named
    prefix + key: for one pass that also computes other figures (`common.quality.check`)."""
    nulls = {k: F.col(k).isNull() if rows is None else rows & F.col(k).isNull() for k in spec.keys}
    return [F.count(F.when(null, 1)).alias(prefix + k) for k, null in nulls.items()]


def check_keys_not_null(df: DataFrame, spec: TableSpec, counts: Mapping[str, int] | None = None) -> None:
    """Raise if a key column is null; `counts` (key -> nulls, from `null_key_counts`) if already known.
    One pass counts the nulls of every key column; samples are read only when something is wrong."""
    if counts is None:
        counts = df.agg(*null_key_counts(spec)).first().asDict()
    for key in spec.keys:
        if counts[key]:
            sample = df.filter(F.col(key).isNull()).limit(SAMPLE_SIZE).collect()
            raise ValidationError(
                f"{spec.full_name}: key column '{key}' is null in {counts[key]} row(s), e.g. "
                + "; ".join(_describe(row.asDict(), spec.keys) for row in sample)
            )


def _describe(row: dict, columns: tuple[str, ...]) -> str:
    return "(" + ", ".join(f"{c}={row.get(c)!s}" for c in columns) + ")"
