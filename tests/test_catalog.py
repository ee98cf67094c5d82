"""The catalogue (`make catalog` → docs/catalog.md) lists every table of schemas/ with its columns,
SQL name, lineage and table properties, and the Delta tables the jobs create carry the same
descriptions as comments and the same properties (kept true when the lineage changes)."""

from __future__ import annotations

from pathlib import Path

from common import tables
from schemas import ALL_TABLES, DAILY_PRICE_WIND, JOB_RUNS, LANDING_ENERGY_CHARTS, SENSOR_READINGS_1MIN
from schemas.__main__ import CATALOG_HEADER, catalogue_markdown, lineage, main, properties_markdown
from schemas.catalog import table_properties

CATALOG = Path(__file__).resolve().parents[1] / "docs" / "catalog.md"


def test_docs_catalog_is_generated_and_lists_every_table_and_column():
    text = CATALOG.read_text(encoding="utf-8")
    assert text == CATALOG_HEADER + catalogue_markdown(), "run: make catalog"
    for spec in ALL_TABLES:
        assert f"#### `{spec.full_name}`" in text
        assert f"SQL name `{spec.sql_name}`." in text
        for field in spec.schema.fields:
            assert f"| `{field.name}` | {field.dataType.simpleString()}" in text
        assert properties_markdown(spec) in text


def test_lineage_names_the_writing_job_and_its_inputs():
    assert lineage(DAILY_PRICE_WIND) == (
        "Written by `transform.daily_price_wind` from `cdc/price`, `cdc/public_power`."
    )
    assert lineage(JOB_RUNS).startswith("Written by the jobs' shared steps")
    assert lineage(SENSOR_READINGS_1MIN) == (
        "Written by `transform.sensor_readings_1min` from `cdc/iot_telemetry`."
    )


def test_table_properties_name_layer_key_grain_job_and_sources():
    assert table_properties(DAILY_PRICE_WIND) == {
        "lakehouse.layer": "gold",
        "lakehouse.key": "bidding_zone, date",
        "lakehouse.grain": "one row per (bidding_zone, date)",
        "lakehouse.producing_job": "transform.daily_price_wind",
        "lakehouse.source_tables": "cdc/price, cdc/public_power",
        "lakehouse.external_sources": "",
    }
    landing = table_properties(LANDING_ENERGY_CHARTS)
    assert landing["lakehouse.producing_job"] == (
        "staging.public_power, staging.price, staging.installed_power"
    )
    assert landing["lakehouse.external_sources"] == "/public_power, /price, /installed_power"
    assert table_properties(JOB_RUNS)["lakehouse.producing_job"].startswith("the jobs' shared steps")


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
        assert detail.properties == tables.declared_properties(spec), spec.full_name


def test_table_properties_are_kept_true_on_an_existing_table(spark, lakehouse, monkeypatch):
    path = tables.spec_path(lakehouse, DAILY_PRICE_WIND)
    tables.ensure_table(spark, lakehouse, DAILY_PRICE_WIND)
    # As if the table had been created before its lineage changed: a wrong value, a retired property.
    spark.sql(
        f"ALTER TABLE delta.`{path}` SET TBLPROPERTIES "
        "('lakehouse.source_tables' = 'cdc/price', 'lakehouse.retired' = 'x', 'owner.note' = 'kept')"
    )
    version = tables.current_version(spark, lakehouse, DAILY_PRICE_WIND)
    monkeypatch.setattr(tables, "_PROPERTIES_CHECKED", set())  # a new process

    tables.ensure_table(spark, lakehouse, DAILY_PRICE_WIND)

    properties = spark.sql(f"DESCRIBE DETAIL delta.`{path}`").first().properties
    assert properties == {**tables.declared_properties(DAILY_PRICE_WIND), "owner.note": "kept"}
    assert tables.current_version(spark, lakehouse, DAILY_PRICE_WIND) == version + 2
    monkeypatch.setattr(tables, "_PROPERTIES_CHECKED", set())
    tables.ensure_table(spark, lakehouse, DAILY_PRICE_WIND)  # already true: no commit
    assert tables.current_version(spark, lakehouse, DAILY_PRICE_WIND) == version + 2
