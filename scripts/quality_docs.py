"""Great Expectations Data Docs of the latest quality run of every checked table: the rows quality/results
keeps are turned back into GX validation results and rendered as a static HTML site in a local folder.

    PYTHONPATH=. python scripts/quality_docs.py [--out DIR]      # or: make quality-docs [OUT=DIR]
"""

from __future__ import annotations

import argparse
import json
import shutil
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import great_expectations as gx
from delta.tables import DeltaTable
from great_expectations import ExpectationSuite
from great_expectations.core import ExpectationSuiteValidationResult, ExpectationValidationResult
from great_expectations.core.run_identifier import RunIdentifier
from great_expectations.data_context.types.base import (
    DataContextConfig,
    InMemoryStoreBackendDefaults,
    ProgressBarsConfig,
)
from great_expectations.data_context.types.resource_identifiers import (
    ExpectationSuiteIdentifier,
    ValidationResultIdentifier,
)
from great_expectations.expectations.expectation_configuration import ExpectationConfiguration
from great_expectations.render import RenderedTableContent
from great_expectations.render.renderer.content_block import ValidationResultsTableContentBlockRenderer
from great_expectations.validator.validation_statistics import calc_validation_statistics
from pyspark.sql import DataFrame, SparkSession, Window
from pyspark.sql import functions as F

from common import quality, tables
from common.config import Config, load_config
from common.log import get_logger
from common.spark import build_spark
from schemas import ALL_TABLES, QUALITY_RESULTS

DEFAULT_DOCS_DIR = "build/quality-docs"
SITE_NAME = "lakehouse_quality"
# The site's page folders, emptied before a build; index.html and static/ are simply rewritten.
SITE_SECTIONS = ("expectations", "validations")
RUN_FIRST = "run a job first (make run, or make demo for the offline slice)"
# Columns the validation tables get beyond GX's own, in this order, from each expectation's meta.
EXTRA_COLUMNS = {"Name": "name", "Severity": "severity"}
# An expectation found in quality/results but no longer in its suite file keeps its name and stored
# outcome; GX needs a registered type to render it, so it is carried by this one, its text replaced by
# the description (the query is never run or shown).
REMOVED_TYPE = "unexpected_rows_expectation"
REMOVED_KWARGS = {"unexpected_rows_query": "SELECT * FROM {batch} WHERE FALSE"}

log = get_logger("quality_docs")


def filter_latest_runs(results_df: DataFrame) -> DataFrame:
    """The rows of each table's latest run: the run_id with the greatest evaluated_at for that table
    (the greater run_id on a tie, so one run per table)."""
    runs_df = results_df.groupBy("table", "run_id").agg(F.max("evaluated_at").alias("run_at"))
    latest = Window.partitionBy("table").orderBy(F.col("run_at").desc(), F.col("run_id").desc())
    latest_df = runs_df.withColumn("rank", F.row_number().over(latest)).filter(F.col("rank") == 1)
    return results_df.join(latest_df.select("table", "run_id"), ["table", "run_id"])


def build_data_docs(spark: SparkSession, config: Config, out_dir: Path) -> Path:
    """Render the latest run of every table in quality/results into a Data Docs site rooted at
    `out_dir` and return the path of its index.html.

    Each run becomes one GX validation result: suite name = the table with '/' as '.' (GX keeps suite
    names in file names and nests on '.', so staging/public_power is staging.public_power), run name and
    time = the stored run_id and evaluated_at, meta = the job and the table. An expectation takes its
    type and kwargs from the suite file's expectation of the same name; one no longer in the suite file
    is still shown, under its stored name and outcome, with a note instead of the GX text (see
    REMOVED_TYPE). The current suites are published beside the runs. The page folders of an earlier
    build in `out_dir` (SITE_SECTIONS) are removed first, so the site shows the latest runs only; other
    files there are left alone.

    Raises FileNotFoundError if quality/results does not exist and ValueError if it holds no rows.
    """
    path = tables.spec_path(config, QUALITY_RESULTS)
    if not DeltaTable.isDeltaTable(spark, path):
        raise FileNotFoundError(f"{QUALITY_RESULTS.full_name}: no table at {path}; {RUN_FIRST}")
    rows = tables.read_table(spark, config, QUALITY_RESULTS).transform(filter_latest_runs).collect()
    if not rows:
        raise ValueError(f"{QUALITY_RESULTS.full_name} at {path} is empty; {RUN_FIRST}")
    runs: dict[str, list[Any]] = defaultdict(list)
    for row in rows:
        runs[row["table"]].append(row.asDict())

    out_dir = Path(out_dir).resolve()
    context = _docs_context(out_dir)
    for table, run_rows in sorted(runs.items()):
        suite = _current_suite(config, table)
        if suite is not None:
            context.suites.add(ExpectationSuite(name=suite_name(table), expectations=_gx_expectations(suite)))
        result = validation_result(run_rows, suite)
        context.validation_results_store.set(_result_key(result), result)
    # Not GX's clean_data_docs: it empties the whole folder, files that are not its own included.
    for section in SITE_SECTIONS:
        shutil.rmtree(out_dir / section, ignore_errors=True)
    context.build_data_docs(site_names=[SITE_NAME])
    return out_dir / "index.html"


def suite_name(table: str) -> str:
    return table.replace("/", ".")


def validation_result(
    rows: Sequence[Mapping[str, Any]], suite: quality.Suite | None
) -> ExpectationSuiteValidationResult:
    """One stored run of a table (its quality/results rows) as a GX suite validation result, in suite
    order, expectations no longer in the suite last."""
    table, run_id, job = rows[0]["table"], rows[0]["run_id"], rows[0]["job"]
    run_time = _utc(max(row["evaluated_at"] for row in rows))
    configs = {}
    if suite is not None:
        configs = {e.meta["name"]: e.configuration for e in _gx_expectations(suite)}
    order = list(configs)
    ordered = sorted(
        rows, key=lambda r: order.index(r["expectation"]) if r["expectation"] in configs else len(order)
    )
    results = [_expectation_result(row, configs.get(row["expectation"]), suite) for row in ordered]
    statistics = calc_validation_statistics(results)
    return ExpectationSuiteValidationResult(
        success=statistics.success,
        results=results,
        suite_name=suite_name(table),
        statistics={
            "evaluated_expectations": statistics.evaluated_expectations,
            "successful_expectations": statistics.successful_expectations,
            "unsuccessful_expectations": statistics.unsuccessful_expectations,
            "success_percent": statistics.success_percent,
        },
        meta={
            "great_expectations_version": gx.__version__,
            "expectation_suite_name": suite_name(table),
            "run_id": RunIdentifier(run_name=run_id, run_time=run_time),
            "validation_time": run_time.strftime("%Y%m%dT%H%M%S.%fZ"),
            "job": job,
            "table": table,
            # Shown under "Show more info" and as the asset name on the index page.
            "batch_spec": {"data_asset_name": table, "job": job, "run_id": run_id},
        },
    )


def _expectation_result(
    row: Mapping[str, Any], config: ExpectationConfiguration | None, suite: quality.Suite | None
) -> ExpectationValidationResult:
    name, severity = row["expectation"], row["severity"]
    if config is None:
        where = f"the suite of {row['table']}" if suite is None else suite.source
        log.warning("%s: expectation '%s' is no longer in %s; shown as stored", row["table"], name, where)
        config = ExpectationConfiguration(
            type=REMOVED_TYPE,
            kwargs=dict(REMOVED_KWARGS),
            description=f"{name}: no longer in {where}; outcome as stored in {QUALITY_RESULTS.full_name}",
        )
    config.meta = {**config.meta, "name": name, "severity": severity}
    sample = _parse_sample(row["unexpected_sample"])
    element_count, unexpected_count = row["element_count"], row["unexpected_count"]
    if unexpected_count is None:  # GX could not evaluate it; the sample holds the error
        message = str(sample.get("error") if isinstance(sample, dict) else row["unexpected_sample"])
        exception = {"raised_exception": True, "exception_message": message, "exception_traceback": message}
        return ExpectationValidationResult(success=False, expectation_config=config, exception_info=exception)
    if "unexpected_rows_query" in config.kwargs and element_count is None:  # a query check
        result = {"observed_value": unexpected_count, "details": {"unexpected_rows": sample}}
    else:
        result = {
            "element_count": element_count,
            "unexpected_count": unexpected_count,
            # GX's text reads "<n> unexpected values found. <p>% of <element_count> total rows."
            "unexpected_percent": 100 * unexpected_count / element_count if element_count else None,
            "partial_unexpected_list": sample if isinstance(sample, list) else [],
        }
    return ExpectationValidationResult(success=bool(row["success"]), expectation_config=config, result=result)


def _parse_sample(text: str | None) -> Any:
    if not text:
        return []
    try:
        return json.loads(text)
    except ValueError:
        return text


def _utc(instant: datetime) -> datetime:
    """Spark hands timestamps to Python as naive local times; astimezone reads them so."""
    return instant.astimezone(timezone.utc)


def _gx_expectations(suite: quality.Suite) -> list[Any]:
    return list(quality._gx_suite(suite.table, suite.expectations).expectations)


def _current_suite(config: Config, table: str) -> quality.Suite | None:
    spec = next((s for s in ALL_TABLES if s.full_name == table), None)
    if spec is None:
        log.warning("%s: no table spec in schemas/; its expectations are shown as stored", table)
        return None
    try:
        return quality.load_suite(config, spec)
    except quality.SuiteError as exc:
        log.warning("%s; its expectations are shown as stored", exc)
        return None


def _result_key(result: ExpectationSuiteValidationResult) -> ValidationResultIdentifier:
    # The batch identifier names the page file; a job name is safe in a path.
    job = str(result.meta["job"]).replace("/", ".")
    return ValidationResultIdentifier(
        ExpectationSuiteIdentifier(name=result.suite_name), result.meta["run_id"], job
    )


def _docs_context(out_dir: Path) -> Any:
    """An in-memory GX context, no analytics or progress bars, with one local Data Docs site in
    `out_dir` whose validation tables carry the expectation names (`NamedResultsTable`)."""
    quality._quiet_gx()
    table_renderer = {"module_name": __name__, "class_name": NamedResultsTable.__name__}
    site = {
        "class_name": "SiteBuilder",
        "show_how_to_buttons": False,
        "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(out_dir)},
        "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        "site_section_builders": {
            "validations": {
                "renderer": {
                    "class_name": "ValidationResultsPageRenderer",
                    "column_section_renderer": {
                        "class_name": "ValidationResultsColumnSectionRenderer",
                        "table_renderer": table_renderer,
                    },
                }
            }
        },
    }
    return gx.get_context(
        mode="ephemeral",
        project_config=DataContextConfig(
            store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
            data_docs_sites={SITE_NAME: site},
            analytics_enabled=False,
            progress_bars=ProgressBarsConfig(globally=False),
        ),
    )


class NamedResultsTable(ValidationResultsTableContentBlockRenderer):
    """GX's table of validation results plus the columns of `EXTRA_COLUMNS`: the name an expectation
    has in its suite, which quality/results and the quarantine's `reason` use, and its severity. A query
    check also shows its sample rows, which GX's own table only shows for per-value checks. (GX's
    meta-properties columns would add a kwarg that the 1.x expectation models reject.)"""

    @classmethod
    def _get_custom_columns(cls, validation_results: Iterable[Any]) -> list[str]:
        return list(EXTRA_COLUMNS)

    @classmethod
    def _get_content_block_fn(
        cls, expectation_type: str, expectation_config: ExpectationConfiguration | None = None
    ) -> Callable[..., Any] | None:
        row_fn = super()._get_content_block_fn(expectation_type, expectation_config)
        if row_fn is None:
            return None

        def named_row_fn(*args: Any, result: Any = None, **kwargs: Any) -> Any:
            rows = row_fn(*args, result=result, **kwargs)
            config = result.expectation_config if result is not None else None
            names = [str((config.meta if config else {}).get(key, "")) for key in EXTRA_COLUMNS.values()]
            sample = _sample_rows_table(result)
            if sample is not None:
                rows = [[status, _with_block(cell, sample), *rest] for status, cell, *rest in rows]
            return [[*row, *names] for row in rows]

        return named_row_fn


def _sample_rows_table(result: Any) -> RenderedTableContent | None:
    """The stored sample rows of a query check (`details.unexpected_rows`) as a table, else None."""
    rows = ((result.result if result is not None else None) or {}).get("details", {}).get("unexpected_rows")
    if not rows or not all(isinstance(row, Mapping) for row in rows):
        return None
    columns = list(dict.fromkeys(column for row in rows for column in row))
    return RenderedTableContent(
        content_block_type="table",
        header_row=columns,
        table=[[str(row.get(column)) for column in columns] for row in rows],
        styling={"body": {"classes": ["table-bordered", "table-sm", "mt-3"]}},
    )


def _with_block(cell: Any, block: Any) -> list[Any]:
    return [*(cell if isinstance(cell, list) else [cell]), block]


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out", help=f"folder of the site (default: config quality.docs_dir, else {DEFAULT_DOCS_DIR})"
    )
    args = parser.parse_args(argv)
    config = load_config()
    out_dir = Path(args.out or config.get("quality.docs_dir") or DEFAULT_DOCS_DIR).resolve()
    spark = build_spark("quality-docs", config)
    index = build_data_docs(spark, config, out_dir)
    print(f"Data Docs: {index}")


if __name__ == "__main__":
    main()
