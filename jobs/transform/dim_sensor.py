"""Merge the sensor registry's sensors into gold/dim_sensor by sensor_id: new sensors are inserted, changed
ones updated, removed ones kept with in_registry = false (README "Solar plant KPIs").

    spark-submit jobs/transform/dim_sensor.py [--env local]

The registry file: IOT_REGISTRY, else config iot.registry (README "Sensor registry").
"""

from __future__ import annotations

from collections.abc import Sequence

from common.cli import run_cli
from common.iot_registry import load_registry
from common.runs import job_run
from jobs.lib.iot_dimensions import merge_registry_dimension
from jobs.registry import job
from schemas import DIM_SENSOR

JOB = job("transform.dim_sensor")


def main(argv: Sequence[str] | None = None) -> None:
    args = JOB.parse_args(argv, __doc__)
    with job_run(JOB.name, args) as run:
        merge_registry_dimension(run, DIM_SENSOR, load_registry(run.config).sensors)


if __name__ == "__main__":
    run_cli(main)
