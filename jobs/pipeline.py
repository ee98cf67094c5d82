"""Run a whole pipeline of the job registry in one Spark session: every job in registry order, each
with the arguments `python -m jobs.registry` prints for it, so the chain pays one JVM start, one
package resolution and one set of imports instead of one per job.

    spark-submit --packages … jobs/pipeline.py --pipeline energy_charts --country de \\
        --bidding-zone DE-LU --start=2026-10-01 --end=2026-10-31 [--full-refresh]

Each job stays separately submittable (jobs/<layer>/<name>.py) and the Databricks tasks run those;
this file is the local and `make run` entry point. The first job that fails stops the chain with its
error (its run record says `failed`), as the separate-process loop did.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Collection, Sequence

from jobs.registry import RunArgs, parse_run_args, pipeline

log = logging.getLogger("jobs.pipeline")


def run_pipeline(name: str, args: RunArgs, only: Collection[str] | None = None) -> dict[str, float]:
    """Every job of pipeline `name` (or those named in `only`) in order, in this process; returns
    seconds per job."""
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
    ns = parse_run_args(argv, __doc__)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    seconds = run_pipeline(ns.pipeline, ns)
    log.info(
        "pipeline %s: %d jobs in %.1f s (%s)",
        ns.pipeline,
        len(seconds),
        sum(seconds.values()),
        ", ".join(f"{job} {s:.1f} s" for job, s in seconds.items()),
    )


if __name__ == "__main__":
    main(sys.argv[1:])
