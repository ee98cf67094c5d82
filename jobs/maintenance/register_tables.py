"""Register every table of schemas/ as an external Unity Catalog table `<catalog>.<schema>.<sql_name>`
over its Delta location, so analysts on Databricks query the same names `make sql` registers locally.
A table no job has written yet is created empty from its spec first, so every name resolves.

    spark-submit jobs/maintenance/register_tables.py --catalog main --schema energy_lakehouse [--env …]

The bundle job `register_tables` (resources/register_tables.job.yml) runs it; re-running is harmless.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from pyspark.sql import SparkSession

from common import tables
from common.config import Config, load_config
from common.log import get_logger
from common.spark import build_spark
from common.sql import registration_statements
from schemas import ALL_TABLES
from schemas.spec import TableSpec

log = get_logger(__name__)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--catalog", required=True, help="Unity Catalog catalog (bundle variable catalog)")
    parser.add_argument("--schema", required=True, help="schema in it (bundle variable schema)")
    parser.add_argument("--env", default=None, help="conf/<env> (default $LAKEHOUSE_ENV or local)")
    return parser.parse_args(argv)


def register_tables(
    spark: SparkSession, config: Config, catalog: str, schema: str, specs: Sequence[TableSpec] = ALL_TABLES
) -> list[str]:
    """Create the missing Delta tables from their specs, register all of them; returns the statements."""
    locations = {}
    for spec in specs:
        tables.ensure_table(spark, config, spec)
        locations[spec.sql_name] = tables.spec_path(config, spec)
    statements = registration_statements(catalog, schema, locations)
    for statement in statements:
        spark.sql(statement)
    log.info("registered %d tables in %s.%s", len(locations), catalog, schema)
    return statements


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    config = load_config(args.env)
    spark = build_spark("energy-lakehouse maintenance.register_tables", config)
    register_tables(spark, config, args.catalog, args.schema)


if __name__ == "__main__":
    main()
