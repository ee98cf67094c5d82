"""Near-real-time IoT: the MQTT collector (jobs/collect) as a child process and, in this process's one
Spark session, the IoT jobs of the job registry (staging -> cdc -> gold) in rounds, one round every
`iot.stream_interval_s` seconds (from the start of one round to the start of the next).

    python -m jobs.stream [--env local] [--no-collector]      # make stream ENV=local

Which jobs a round runs: `iot.stream_jobs` (job names of the iot_telemetry pipeline, run in registry
order; conf/common.yaml: the staging -> cdc -> gold chain). A job named in `iot.stream_job_every_s`
(job -> seconds) runs only in a round that starts at least that long after the start of its last
successful run, so a job whose rows change only when an hour completes (transform.sensor_quality_hourly)
does not lengthen every round of the 1-minute path. Each round is a normal run of each job (run log,
quality gate, exactly-once checkpoints), so stopping anywhere and starting again loses nothing.

SIGTERM or SIGINT (Ctrl-C): the collector is asked to stop at once (it commits, acknowledges and
publishes its open file), the current round finishes, then the process exits 0. A collector that dies
on its own, or `--max-failures` failed rounds in a row, ends the stream with exit code 1.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from common.config import Config, load_config
from common.log import get_logger
from common.spark import build_spark
from jobs.pipeline import run_pipeline
from jobs.registry import RunArgs, pipeline

log = get_logger("stream")

PIPELINE = "iot_telemetry"
REPO = Path(__file__).resolve().parents[1]


def stream_jobs(config: Config) -> tuple[str, ...]:
    """The jobs of a round, in registry order; a name that is not in the pipeline is an error."""
    names = tuple(config.require("iot.stream_jobs"))
    registered = [job.name for job in pipeline(PIPELINE)]
    unknown = sorted(set(names) - set(registered))
    if unknown:
        raise ValueError(f"iot.stream_jobs: {unknown} are not jobs of the {PIPELINE} pipeline {registered}")
    return tuple(name for name in registered if name in names)


def stream_job_every_s(config: Config, jobs: Sequence[str]) -> dict[str, float]:
    """`iot.stream_job_every_s`: the least seconds between two runs of a job of the round (others run
    every round); a job that is not in `jobs` or a negative number is an error."""
    every = {name: float(seconds) for name, seconds in (config.get("iot.stream_job_every_s") or {}).items()}
    unknown = sorted(set(every) - set(jobs))
    if unknown:
        raise ValueError(f"iot.stream_job_every_s: {unknown} are not jobs of a round {list(jobs)}")
    negative = sorted(name for name, seconds in every.items() if seconds < 0)
    if negative:
        raise ValueError(f"iot.stream_job_every_s: {negative} need 0 or more seconds")
    return every


class Stream:
    """The round loop; `stop()` (the signal handler) ends it after the current round."""

    def __init__(
        self,
        args: RunArgs,
        jobs: Sequence[str],
        interval_s: float,
        max_failures: int,
        every_s: Mapping[str, float] | None = None,
    ) -> None:
        self.args, self.jobs, self.interval_s, self.max_failures = args, tuple(jobs), interval_s, max_failures
        self.every_s = dict(every_s or {})
        self.last_started: dict[str, float] = {}  # job -> monotonic start of its last successful round
        self.stopping = threading.Event()
        self.collector: subprocess.Popen[bytes] | None = None

    def start_collector(self) -> None:
        command = [sys.executable, "-m", "jobs.collect.iot_mqtt"] + (
            ["--env", self.args.env] if self.args.env else []
        )
        self.collector = subprocess.Popen(command, cwd=REPO)
        log.info("collector started (pid %s)", self.collector.pid)

    def stop(self, signum: int | None = None, _frame: object = None) -> None:
        if self.stopping.is_set():
            return
        self.stopping.set()
        log.info(
            "stopping (%s): finishing the current round", signal.Signals(signum).name if signum else "asked"
        )
        # Once only: a second SIGTERM could land while the collector's interpreter is shutting down,
        # after its handler is gone, and kill it (exit code -15) before it has finished. Ctrl-C
        # reaches the collector too (same process group); its handler treats that as the same request.
        if self.collector is not None and self.collector.poll() is None:
            self.collector.send_signal(signal.SIGTERM)

    def collector_died(self) -> bool:
        return self.collector is not None and self.collector.poll() is not None and not self.stopping.is_set()

    def due(self, now: float) -> tuple[str, ...]:
        """The jobs of a round starting at `now` (monotonic seconds)."""
        return tuple(
            job
            for job in self.jobs
            if job not in self.last_started or now - self.last_started[job] >= self.every_s.get(job, 0.0)
        )

    def run(self) -> int:
        failures, rounds = 0, 0
        while not self.stopping.is_set():
            began = time.monotonic()
            jobs = self.due(began)
            try:
                seconds = run_pipeline(PIPELINE, self.args, only=jobs)
                self.last_started.update(dict.fromkeys(jobs, began))
                failures, rounds = 0, rounds + 1
                log.info("round %d in %.1f s (%s)", rounds, time.monotonic() - began,
                         ", ".join(f"{job} {s:.1f} s" for job, s in seconds.items()))  # fmt: skip
            except Exception:
                failures += 1
                log.exception("round failed (%d in a row of at most %d)", failures, self.max_failures)
                if failures >= self.max_failures:
                    return self.finish(1)
            if self.collector_died():
                log.error("the collector exited with code %s", self.collector.returncode)  # type: ignore[union-attr]
                return self.finish(1)
            self.stopping.wait(max(0.0, self.interval_s - (time.monotonic() - began)))
        return self.finish(0)

    def finish(self, code: int) -> int:
        self.stop()
        if self.collector is not None:
            collector_code = self.collector.wait()
            log.info("collector exited with code %s", collector_code)
            code = code or (0 if collector_code == 0 else 1)
        return code


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m jobs.stream", description=__doc__.splitlines()[0])
    parser.add_argument("--env", help="conf/<env> (default: $LAKEHOUSE_ENV, else local)")
    parser.add_argument("--no-collector", action="store_true", help="the collector runs elsewhere")
    parser.add_argument("--interval-s", type=float, help="overrides iot.stream_interval_s")
    parser.add_argument(
        "--max-failures", type=int, default=3, help="failed rounds in a row that end the stream"
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    ns = parse_args(argv)
    env = ns.env or os.environ.get("LAKEHOUSE_ENV")
    config = load_config(env)
    interval_s = (
        ns.interval_s if ns.interval_s is not None else float(config.get("iot.stream_interval_s", 10))
    )
    jobs = stream_jobs(config)
    every_s = stream_job_every_s(config, jobs)
    stream = Stream(RunArgs(pipeline=PIPELINE, env=env), jobs, interval_s, ns.max_failures, every_s)
    # The session first: PySpark's SparkContext installs a SIGINT handler that cancels the running
    # Spark jobs; ours, installed after it, lets the round finish instead.
    build_spark("energy-lakehouse stream", config)
    signal.signal(signal.SIGTERM, stream.stop)
    signal.signal(signal.SIGINT, stream.stop)
    if not ns.no_collector:
        stream.start_collector()
    log.info("stream: %s every %.0f s%s", " -> ".join(stream.jobs), interval_s,
             "".join(f"; {job} at most every {s:.0f} s" for job, s in every_s.items()))  # fmt: skip
    return stream.run()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
