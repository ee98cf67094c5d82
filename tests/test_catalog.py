"""The catalogue (`make catalog` → docs/catalog.md) lists every table of schemas/ with its columns,
SQL name and lineage, and the Delta tables the jobs create carry the same descriptions as comments."""

from __future__ import annotations

from pathlib import Path

from common import tables
from schemas import ALL_TABLES, DAILY_PRICE_WIND, JOB_RUNS
from schemas.__main__ import CATALOG_HEADER, catalogue_markdown, lineage, main

CATALOG = Path(__file__).resolve().parents[1] / "docs" / "catalog.md"


def test_docs_catalog_is_generated_and_lists_every_table_and_column():
    text = CATALOG.read_text(encoding="utf-8")
    assert text == CATALOG_HEADER + catalogue_markdown(), "run: make catalog"
    for spec in ALL_TABLES:
        assert f"#### `{spec.full_name}`" in text
        assert f"SQL name `{spec.sql_name}`." in text
        for field in spec.schema.fields:
            assert f"| `{field.name}` | {field.dataType.simpleString()}" in text


def test_lineage_names_the_writing_job_and_its_inputs():
    assert lineage(DAILY_PRICE_WIND) == (
        "Written by `transform.daily_price_wind` from `cdc/price`, `cdc/public_power`."
    )
    assert lineage(JOB_RUNS).startswith("Written by the jobs' shared steps")


def test_make_catalog_writes_the_file_and_prints_its_path(tmp_path, capsys):
    out = tmp_path / "docs" / "catalog.md"
    main(["--out", str(out)])
    assert capsys.readouterr().out.strip() == str(out.resolve())
    assert out.read_text(encoding="utf-8") == CATALOG.read_text(encoding="utf-8")


def test_delta_tables_carry_the_schema_descriptions_as_comments(spark, lakehouse):
    for spec in ALL_TABLES:
        tables.ensure_table(spark, lakehouse, spec)
        path = tables.spec_path(lakehouse, spec)
        schema = spark.read.format("delta").load(path).schema
        assert {f.name: f.metadata.get("comment") for f in schema.fields} == {
            f.name: spec.comment_of(f.name) for f in spec.schema.fields
        }, spec.full_name
        detail = spark.sql(f"DESCRIBE DETAIL delta.`{path}`").first()
        assert detail.description == spec.comment, spec.full_name
        assert list(detail.partitionColumns) == list(spec.partition_by), spec.full_name
