"""Some jobs of a pipeline in one process, for tests that start runs as subprocesses (jobs/pipeline.py
runs them all):

    python -m tests.pipeline_runner --only staging.public_power,cdc.public_power --pipeline energy_charts \\
        --country de --bidding-zone DE-LU --start 2026-10-25 --end 2026-10-25 --env test
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from common.cli import run_cli
from jobs.pipeline import run_pipeline
from jobs.registry import parse_run_args


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--only", required=True, help="job names, comma-separated")
    known, rest = parser.parse_known_args(argv)
    args = parse_run_args(rest, __doc__)
    run_pipeline(args.pipeline, args, only=known.only.split(","))


if __name__ == "__main__":
    run_cli(main, sys.argv[1:])
