"""Run a job in this process and kill the process with SIGKILL right after the n-th call of a write
function for one table returns: a crash at a known point between two Delta commits, for the fault
tests (tests/test_faults_kill.py), which start it as a subprocess. Put it in front of a job's
`python -m` command line:

    python -m tests.kill_at --after tables.append:landing/energy_charts [--nth 1] \\
        -- jobs.staging.public_power --env test --country de --start 2026-10-25 --end 2026-10-25

`--after MODULE.FUNCTION:TABLE` names a function of `common.<MODULE>` (e.g. tables.append,
tables.replace_where, tables.upsert, cdc.merge_cdc, incremental.write_refresh) and a table by its
spec's full_name; a call is for the table when its first TableSpec argument has that name. The
function is replaced before the job module is imported, so a job that imported it by name
(`from common.cdc import merge_cdc`) calls the replacement too. If the job ends without reaching the
point, the process exits with status 3."""

from __future__ import annotations

import argparse
import functools
import importlib
import os
import signal
import sys
from collections.abc import Callable, Sequence
from typing import Any

from schemas.spec import TableSpec

NOT_REACHED_EXIT = 3


def table_of(args: Sequence[Any], kwargs: dict[str, Any]) -> str | None:
    """The full_name of the first TableSpec among a call's arguments, if any."""
    spec = next((a for a in (*args, *kwargs.values()) if isinstance(a, TableSpec)), None)
    return None if spec is None else spec.full_name


def kill_after(function: Callable[..., Any], table: str, nth: int, point: str) -> Callable[..., Any]:
    """`function`, which SIGKILLs the process once its n-th call for `table` has returned."""
    calls = 0

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        result = function(*args, **kwargs)
        if table_of(args, kwargs) == table:
            calls += 1
            if calls == nth:
                print(f"kill_at: SIGKILL after call {nth} of {point}", file=sys.stderr, flush=True)
                os.kill(os.getpid(), signal.SIGKILL)
        return result

    return wrapper


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m tests.kill_at", description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--after", required=True, metavar="MODULE.FUNCTION:TABLE")
    parser.add_argument("--nth", type=int, default=1, help="kill after this call for the table (default 1)")
    parser.add_argument("job", metavar="JOB_MODULE", help="e.g. jobs.staging.public_power")
    parser.add_argument("job_args", nargs=argparse.REMAINDER, help="the job's own arguments")
    args = parser.parse_args(argv)
    target, _, table = args.after.partition(":")
    module, _, function = target.rpartition(".")
    if not (module and function and table) or args.nth < 1:
        parser.error(
            f"--after {args.after!r}: expected MODULE.FUNCTION:TABLE, e.g. tables.append:staging/price"
        )
    args.module, args.function, args.table = f"common.{module}", function, table
    return args


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    module = importlib.import_module(args.module)
    point = f"{args.module}.{args.function} for {args.table}"
    setattr(module, args.function, kill_after(getattr(module, args.function), args.table, args.nth, point))
    job_args = args.job_args[1:] if args.job_args[:1] == ["--"] else args.job_args
    importlib.import_module(args.job).main(job_args)
    print(f"kill_at: {args.job} ended without reaching call {args.nth} of {point}", file=sys.stderr)
    sys.exit(NOT_REACHED_EXIT)


if __name__ == "__main__":
    main()
