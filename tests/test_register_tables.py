"""Unity Catalog registration (jobs/maintenance/register_tables.py): the SQL it generates, exactly, and
a run against the local Spark catalog that registers real Delta tables under their `sql_name`."""

from __future__ import annotations

import pytest

from common import sql, tables
from common.sql import QueryError, registration_statements
from jobs.maintenance.register_tables import register_tables
from schemas import CDC_PRICE, DAILY_PRICE_WIND


def test_registration_sql_creates_the_schema_then_one_external_table_per_name():
    statements = registration_statements(
        "main",
        "energy_lakehouse",
        {
            "daily_price_wind": "abfss://lake@acct.dfs.core.windows.net/prod/gold/daily_price_wind",
            "cdc_price": "abfss://lake@acct.dfs.core.windows.net/prod/cdc/price",
        },
    )
    assert statements == [
        "CREATE SCHEMA IF NOT EXISTS `main`.`energy_lakehouse` "
        "COMMENT 'Energy Lakehouse tables (make catalog: docs/catalog.md)'",
        "CREATE TABLE IF NOT EXISTS `main`.`energy_lakehouse`.`daily_price_wind` USING DELTA "
        "LOCATION 'abfss://lake@acct.dfs.core.windows.net/prod/gold/daily_price_wind'",
        "CREATE TABLE IF NOT EXISTS `main`.`energy_lakehouse`.`cdc_price` USING DELTA "
        "LOCATION 'abfss://lake@acct.dfs.core.windows.net/prod/cdc/price'",
    ]


def test_registration_sql_quotes_names_and_paths():
    [schema, table] = registration_statements("dev-cat", "a`b", {"t": "/data/it's/gold/t"})
    assert schema.startswith("CREATE SCHEMA IF NOT EXISTS `dev-cat`.`a``b` ")
    assert (
        table == "CREATE TABLE IF NOT EXISTS `dev-cat`.`a``b`.`t` USING DELTA LOCATION '/data/it\\'s/gold/t'"
    )
    with pytest.raises(QueryError, match="empty catalog, schema or table name"):
        registration_statements("main", " ", {})


def test_register_tables_makes_every_name_queryable_and_a_rerun_changes_nothing(spark, lakehouse):
    tables.ensure_table(spark, lakehouse, CDC_PRICE)  # one table exists, the other is created empty
    try:
        for _ in range(2):
            register_tables(spark, lakehouse, "spark_catalog", "uc_test", (DAILY_PRICE_WIND, CDC_PRICE))
        registered = {
            r.tableName
            for r in spark.sql("SHOW TABLES IN spark_catalog.uc_test").collect()
            if not r.isTemporary
        }  # the session's temporary views (e.g. `make sql`'s) are listed too
        assert registered == {"daily_price_wind", "cdc_price"}
        detail = spark.sql("DESCRIBE DETAIL spark_catalog.uc_test.daily_price_wind").first()
        assert detail.location.rstrip("/").endswith(tables.spec_path(lakehouse, DAILY_PRICE_WIND))
        assert detail.properties["lakehouse.producing_job"] == "transform.daily_price_wind"
        # The same names as `make sql`'s local views.
        assert set(sql.register_views(spark, lakehouse)) >= registered
        assert spark.sql("SELECT count(*) AS n FROM spark_catalog.uc_test.cdc_price").first().n == 0
    finally:
        spark.sql("DROP SCHEMA IF EXISTS spark_catalog.uc_test CASCADE")
