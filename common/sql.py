"""Run the analysts' queries in sql/ with Spark SQL over the Delta tables (`make sql Q=<name>`).

Every declared table is a temporary view under its `TableSpec.sql_name` (gold tables by their own
name, others as `<layer>_<name>`), the name it gets in Unity Catalog too, so a query runs unchanged
here and as `<catalog>.<schema>.<table>` there. A query file documents itself in its header comment:
the question, `:name` parameters (with defaults), the columns and the tables it reads."""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from delta.tables import DeltaTable
from pyspark.sql import DataFrame, SparkSession

from common import tables
from common.config import Config, load_config
from common.spark import build_spark
from schemas import ALL_TABLES

SQL_DIR = Path(__file__).resolve().parent.parent / "sql"
_PARAMETER = re.compile(r"^--\s+:(\w+)\s+(.*?)\s*(?:\(default ([^)]*)\)|\((required)\))\s*$")
_TABLES = re.compile(r"^--\s*Tables:\s*(.+)$")
_MARKER = re.compile(r"(?<![\w:]):(\w+)")


class QueryError(ValueError):
    """An unknown query, a missing parameter or a table the query needs that is not loaded."""


@dataclass(frozen=True)
class Query:
    name: str
    text: str
    question: str
    defaults: Mapping[str, str | None]  # parameter -> default; None = required
    tables: tuple[str, ...]

    def arguments(self, given: Mapping[str, str]) -> dict[str, str]:
        """The query's parameters from `given` over the defaults; unknown or missing ones raise."""
        unknown = sorted(set(given) - set(self.defaults))
        if unknown:
            raise QueryError(
                f"query '{self.name}' has no parameter {unknown}; it takes {sorted(self.defaults)}"
            )
        values = {name: given.get(name, default) for name, default in self.defaults.items()}
        missing = sorted(name for name, value in values.items() if value is None)
        if missing:
            raise QueryError(f"query '{self.name}' needs {', '.join('--' + m for m in missing)}")
        return {name: value or "" for name, value in values.items()}


def available_queries(sql_dir: Path = SQL_DIR) -> list[str]:
    return sorted(p.stem for p in sql_dir.glob("*.sql"))


def load_query(name: str, sql_dir: Path = SQL_DIR) -> Query:
    """Parse sql/<name>.sql: its header comment gives the question, parameters and tables."""
    path = sql_dir / f"{name}.sql"
    if not path.is_file():
        raise QueryError(f"no query '{name}' in {sql_dir}; known: {available_queries(sql_dir)}")
    text = path.read_text()
    header = [line for line in text.splitlines() if line.startswith("--")]
    defaults: dict[str, str | None] = {}
    question, used, in_question = "", (), False
    for line in header:
        if line.startswith("-- Question:"):
            question, in_question = line.removeprefix("-- Question:").strip(), True
        elif in_question and line.startswith("--   "):  # the question's continuation lines
            question += " " + line.removeprefix("--").strip()
        else:
            in_question = False
        if match := _PARAMETER.match(line):
            default = match.group(3)
            defaults[match.group(1)] = None if match.group(4) else ("" if default == "empty" else default)
        if match := _TABLES.match(line):
            used = tuple(t.strip() for t in match.group(1).split(","))
    return Query(name, text, question, defaults, used)


def register_views(spark: SparkSession, config: Config) -> dict[str, str]:
    """A temporary view per loaded table, named `sql_name`; returns name -> path of those found."""
    found = {}
    for spec in ALL_TABLES:
        path = tables.spec_path(config, spec)
        if DeltaTable.isDeltaTable(spark, path):
            spark.read.format("delta").load(path).createOrReplaceTempView(spec.sql_name)
            found[spec.sql_name] = path
    return found


def bind(query: Query, given: Mapping[str, str]) -> str:
    """The query's text without its comments, each `:name` replaced by its value as a SQL string
    literal. (Spark's own binding, `spark.sql(text, args=…)`, leaves parameters unbound in joins and
    function calls once the Delta SQL extension is on, Spark 4.1 / Delta 4.4.)"""
    values = query.arguments(given)
    body = "\n".join(line for line in query.text.splitlines() if not line.lstrip().startswith("--"))
    return _MARKER.sub(
        lambda m: tables.sql_literal(values[m.group(1)]) if m.group(1) in values else m.group(0), body
    )


def execute(spark: SparkSession, query: Query, given: Mapping[str, str]) -> DataFrame:
    """The query's result over the views in the session, with its named parameters bound."""
    return spark.sql(bind(query, given))


def run_query(spark: SparkSession, config: Config, name: str, given: Mapping[str, str]) -> DataFrame:
    """Register the lakehouse's tables and run sql/<name>.sql; a table it reads that is not loaded
    yet is named in the error."""
    query = load_query(name)
    found = register_views(spark, config)
    missing = [t for t in query.tables if t not in found]
    if missing:
        raise QueryError(
            f"query '{name}' reads {', '.join(missing)}, not loaded yet in {config.lakehouse_root} "
            f"(run the jobs that write it first)"
        )
    return execute(spark, query, given)


def parse_args(argv: Sequence[str] | None) -> tuple[argparse.Namespace, dict[str, str]]:
    parser = argparse.ArgumentParser(
        prog="make sql",
        description="Run a query of sql/: make sql Q=<name> ARGS='--param value ...'",
        add_help=False,  # --help is the query's own: its question and parameters
    )
    parser.add_argument("query", help=f"one of {available_queries()}")
    parser.add_argument("--env", default=None, help="conf/<env> (default $LAKEHOUSE_ENV or local)")
    parser.add_argument("--rows", type=int, default=200, help="rows to print at most (default 200)")
    args, rest = parser.parse_known_args(argv)
    query = load_query(args.query)
    params = argparse.ArgumentParser(
        prog=f"make sql Q={args.query}",
        description=query.question,
        epilog="Also: --env <conf env>, --rows <n> (default 200).",
    )
    for name, default in query.defaults.items():
        params.add_argument(
            f"--{name.replace('_', '-')}",
            dest=name,
            default=None,
            help="required" if default is None else f"default: {default or 'empty'}",
        )
    given = {k: v for k, v in vars(params.parse_args(rest)).items() if v is not None}
    return args, given


def main(argv: Sequence[str] | None = None) -> int:
    args, given = parse_args(argv)
    config = load_config(args.env)
    # The process ends after one query, which stops the session; not stopping it here lets a caller
    # with its own session (a notebook, the tests) keep it.
    spark = build_spark(f"sql {args.query}", config)
    try:
        result = run_query(spark, config, args.query, given)
    except QueryError as error:
        print(f"make sql: {error}", file=sys.stderr)
        return 2
    print(f"-- {load_query(args.query).question}")
    result.show(args.rows, truncate=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())


def quote_identifier(name: str) -> str:
    """A Spark / Unity Catalog identifier in backticks (a backtick inside doubled); empty is an error."""
    if not name or not name.strip():
        raise QueryError("an empty catalog, schema or table name")
    return "`" + name.replace("`", "``") + "`"


def registration_statements(catalog: str, schema: str, locations: Mapping[str, str]) -> list[str]:
    """The SQL that registers tables as external Delta tables `<catalog>.<schema>.<sql_name>`, one per
    entry of `locations` (sql_name -> storage path), after creating the schema if it is missing. Every
    statement is IF NOT EXISTS, so a re-run changes nothing; the Delta log at the location gives the
    table its columns, comments and properties."""
    target = f"{quote_identifier(catalog)}.{quote_identifier(schema)}"
    statements = [
        f"CREATE SCHEMA IF NOT EXISTS {target} COMMENT "
        f"{tables.sql_literal('Energy Lakehouse tables (make catalog: docs/catalog.md)')}"
    ]
    for name, location in locations.items():
        statements.append(
            f"CREATE TABLE IF NOT EXISTS {target}.{quote_identifier(name)} "
            f"USING DELTA LOCATION {tables.sql_literal(location)}"
        )
    return statements
