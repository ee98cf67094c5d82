"""Run a whole pipeline of the job registry in one Spark session: every job in registry order, each
with the arguments `python -m jobs.registry` prints for it, so the chain pays one JVM start, one
package resolution and one set of imports instead of one per job.

    spark-submit --packages … jobs/pipeline.py --pipeline energy_charts --country de \\
        --bidding-zone DE-LU --start=2026-10-01 --end=2026-10-31 [--full-refresh] [--only JOB,JOB]

`--only` runs just the named jobs of the pipeline, still in registry order (e.g.
`--only staging.public_power,cdc.public_power`); a name that is not a job of the pipeline is an error.

Each job stays separately submittable (jobs/<layer>/<name>.py) and the Databricks tasks run those;
this file is the local and `make run` entry point. The first job that fails stops the chain with its
error (its run record says `failed`), as the separate-process loop did.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Collection, Sequence

from common.cli import run_cli
from common.config import ConfigError
from common.log import get_logger
from jobs.registry import RunArgs, check_run, parse_run_args, pipeline

log = get_logger("pipeline")


def run_pipeline(name: str, args: RunArgs, only: Collection[str] | None = None) -> dict[str, float]:
    """Every job of pipeline `name` (or those named in `only`) in order, in this process; returns
    seconds per job."""
    check_run(args, name)  # a user's mistake in any job's scope stops the run before its first job
    seconds: dict[str, float] = {}
    for entry in pipeline(name):
        if only is not None and entry.name not in only:
            continue
        argv = args.job_argv(entry)
        log.info(">>> %s %s", entry.name, " ".join(argv))
        began = time.perf_counter()
        entry.main(argv)
        seconds[entry.name] = round(time.perf_counter() - began, 3)
    return seconds


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--only", help="job names, comma-separated")
    known, rest = parser.parse_known_args(argv)
    ns = parse_run_args(rest, __doc__)
    only = None if known.only is None else known.only.split(",")
    if only is not None:
        names = [entry.name for entry in pipeline(ns.pipeline)]
        unknown = sorted(set(only) - set(names))
        if unknown:
            raise ConfigError(
                f"--only: {unknown} are not jobs of the {ns.pipeline} pipeline: use some of {names}"
            )
    seconds = run_pipeline(ns.pipeline, ns, only=only)
    log.info(
        "pipeline %s: %d jobs in %.1f s (%s)",
        ns.pipeline,
        len(seconds),
        sum(seconds.values()),
        ", ".join(f"{job} {s:.1f} s" for job, s in seconds.items()),
    )


if __name__ == "__main__":
    run_cli(main, sys.argv[1:])
