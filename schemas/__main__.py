"""The table catalogue as Markdown: README's "Tables" section is `catalogue_markdown()`, and
`make catalog` writes it, with a header, to docs/catalog.md, and the gold tables' ODCS data contracts
to docs/contracts/ (schemas/contracts.py).

python -m schemas [--contracts docs/contracts] [--out docs/catalog.md]
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from schemas import ALL_TABLES
from schemas.catalog import lineage, table_properties, unit_of
from schemas.spec import TableSpec

__all__ = ["CATALOG_HEADER", "catalogue_markdown", "lineage", "main", "properties_markdown"]

CATALOG_HEADER = """# Table catalogue

Generated from `schemas/` and the job registry (`jobs/registry.py`) by `make catalog`; do not edit.
Every table lives at `{lakehouse_root}/{layer}/{table}`. *SQL name* is the name `make sql` registers
(and the Unity Catalog table name); *written by* is the job whose run writes the table, from the tables
and API endpoints it reads.

"""


def properties_markdown(spec: TableSpec) -> str:
    """The table's catalogue properties as the Delta table carries them (`SHOW TBLPROPERTIES`)."""
    pairs = [f"`{k}` = {v or '(none)'}" for k, v in table_properties(spec).items()]
    return f"Delta table properties: {'; '.join(pairs)}."


def catalogue_markdown() -> str:
    lines = []
    for spec in ALL_TABLES:
        lines.append(f"#### `{spec.full_name}`")
        lines.append("")
        details = [f"key ({', '.join(spec.keys)})"]
        if spec.partition_by:
            details.append(f"partitioned by ({', '.join(spec.partition_by)})")
        if spec.change_data_feed:
            details.append("Change Data Feed on")
        lines.append(f"{spec.comment} — {'; '.join(details)}.")
        lines.append("")
        lines.append(f"SQL name `{spec.sql_name}`. {lineage(spec)}")
        lines.append("")
        lines.append(properties_markdown(spec))
        lines.append("")
        lines.append("| column | type | unit | meaning |")
        lines.append("|---|---|---|---|")
        for field in spec.schema.fields:
            data_type = field.dataType.simpleString() + ("" if field.nullable else " not null")
            unit = unit_of(field.name) or ""
            lines.append(f"| `{field.name}` | {data_type} | {unit} | {spec.comment_of(field.name)} |")
        lines.append("")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m schemas", description="Print or write the table catalogue"
    )
    parser.add_argument("--out", type=Path, default=None, help="write docs/catalog.md-style file here")
    parser.add_argument(
        "--contracts", type=Path, default=None, help="also write each gold table's ODCS contract here"
    )
    args = parser.parse_args(argv)
    if args.contracts is not None:
        from schemas.contracts import write_contracts  # reads the quality suites (Great Expectations)

        for path in write_contracts(args.contracts):
            print(path.resolve())
    if args.out is None:
        print(catalogue_markdown())
        return
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(CATALOG_HEADER + catalogue_markdown(), encoding="utf-8")
    print(args.out.resolve())


if __name__ == "__main__":
    main()
