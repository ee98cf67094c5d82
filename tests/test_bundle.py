"""The Databricks bundle (databricks.yml + resources/*.yml) is deployable as far as can be told offline:
every job validates against Databricks' own models (databricks-bundles), every task is a job of the job
registry (jobs/registry.py) whose entry file exists and accepts the task's parameters through the
registry's argument parser, the tasks run in the registry's order, and the storage root is a
per-target variable reaching the job cluster."""

from __future__ import annotations

import glob
import importlib
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from databricks.bundles.jobs import Job as BundleJob

from jobs.registry import PIPELINES, Job, pipeline

REPO = Path(__file__).resolve().parents[1]
BUNDLE_FILE = REPO / "databricks.yml"
SAMPLE_RUN_DATE = "2026-11-24"  # what {{job.start_time.iso_date}} and its kin become at run time
DYNAMIC = re.compile(r"\{\{\s*([^}]+?)\s*\}\}")
VARIABLE = re.compile(r"\$\{var\.([A-Za-z0-9_-]+)\}")
# Each bundle job runs one pipeline of the job registry, every job of it as a task, in order.
BUNDLE_PIPELINES = {"energy_charts_daily": "energy_charts", "iot_telemetry": "iot_telemetry"}


def load_yaml(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle) or {}


@pytest.fixture(scope="module")
def bundle() -> dict[str, Any]:
    return load_yaml(BUNDLE_FILE)


@pytest.fixture(scope="module")
def jobs(bundle) -> dict[str, tuple[Path, dict[str, Any]]]:
    """Every job of the bundle: name -> (the file declaring it, its definition)."""
    found: dict[str, tuple[Path, dict[str, Any]]] = {}
    files = [BUNDLE_FILE] + [
        Path(p) for pattern in bundle.get("include", []) for p in sorted(glob.glob(str(REPO / pattern)))
    ]
    for path in files:
        for name, job in (load_yaml(path).get("resources", {}).get("jobs") or {}).items():
            assert name not in found, f"job {name} declared twice"
            found[name] = (path, job)
    assert found, "the bundle declares no job"
    return found


def tasks_of(jobs) -> list[tuple[str, Path, dict[str, Any], dict[str, Any]]]:
    return [(name, path, job, task) for name, (path, job) in jobs.items() for task in job["tasks"]]


def registry_jobs(name: str | None = None) -> dict[str, Job]:
    """A pipeline of the job registry (default: all of them), in order: entry file -> job."""
    names = [name] if name else list(PIPELINES)
    return {job.entry_file: job for n in names for job in pipeline(n)}


def registered_job(task: dict[str, Any], path: Path) -> Job:
    """The registry's job a task runs; its entry file must parse its command line through that job."""
    entry_file = (path.parent / task["spark_python_task"]["python_file"]).resolve()
    assert entry_file.is_file(), f"task {task['task_key']}: {entry_file} does not exist"
    job = registry_jobs().get(str(entry_file.relative_to(REPO)))
    assert job is not None, f"task {task['task_key']}: {entry_file} is not in the job registry"
    assert task["task_key"] == job.name.replace(".", "_"), task["task_key"]
    assert importlib.import_module(job.module).JOB is job, f"{job.module} does not parse through its entry"
    return job


def resolve(value: str, job: dict[str, Any], variables: dict[str, Any]) -> str:
    """A task parameter as the job would see it: bundle variables at their defaults, job parameters
    at their defaults, run-time references ({{job.start_time.iso_date}}, …) at a sample date."""

    def variable(match: re.Match[str]) -> str:
        declared = variables.get(match.group(1))
        assert declared is not None, f"${{var.{match.group(1)}}} is not declared in databricks.yml"
        assert "default" in declared, f"${{var.{match.group(1)}}} has no default to check the task with"
        return str(declared["default"])

    def dynamic(match: re.Match[str]) -> str:
        reference = match.group(1)
        if reference.startswith("job.parameters."):
            name = reference.removeprefix("job.parameters.")
            defaults = {p["name"]: p["default"] for p in job.get("parameters", [])}
            assert name in defaults, f"{{{{{reference}}}}} is not a parameter of the job"
            return resolve(str(defaults[name]), job, variables)
        assert reference.endswith(("iso_date", ".id", "run_id", ".name")), f"unexpected {{{{{reference}}}}}"
        return SAMPLE_RUN_DATE if reference.endswith("iso_date") else "x"

    return DYNAMIC.sub(dynamic, VARIABLE.sub(variable, value))


def test_every_job_validates_against_databricks_models(jobs):
    for name, (path, definition) in jobs.items():
        job = BundleJob.from_dict(definition)  # raises on unknown fields and wrong types
        assert job.tasks, f"{path.name}: job {name} has no task"


def test_every_task_runs_an_existing_entry_file_that_accepts_its_parameters(bundle, jobs):
    variables = bundle.get("variables", {})
    for _, path, job, task in tasks_of(jobs):
        python_task = task.get("spark_python_task")
        assert python_task, (
            f"task {task['task_key']}: expected a spark_python_task (the spark-submit entry file)"
        )
        registered = registered_job(task, path)

        argv = [resolve(str(p), job, variables) for p in python_task.get("parameters", [])]
        try:
            args = registered.parse_args(argv, f"check {task['task_key']}")
        except SystemExit:
            pytest.fail(f"task {task['task_key']}: {registered.name}'s parser rejects {argv}")

        assert args.env == "databricks" and (REPO / "conf" / args.env / "config.yaml").is_file()
        # `end` defaults to empty: the job's own default (yesterday, local), as under `make run`;
        # a job without an `end` parameter (iot_telemetry: the change feeds decide) passes none.
        assert args.end is None
        assert ("--end" in argv) == any(p["name"] == "end" for p in job.get("parameters", []))
        # The same scope as `make run` gives the job: --country, --bidding-zone or none.
        scope = registered.scope
        assert (args.country, args.bidding_zone) == {
            "country": (variables["country"]["default"], None),
            "zone": (None, variables["bidding_zone"]["default"]),
            "none": (None, None),
        }[scope]


def test_a_parameter_the_parser_rejects_is_caught(bundle, jobs):
    _, path, _, task = tasks_of(jobs)[0]

    with pytest.raises(SystemExit):
        registered_job(task, path).parse_args(["--country", "de", "--end", "{{job.start_time}}"], "check")


def test_the_bundle_has_a_job_per_pipeline(jobs):
    assert set(jobs) == set(BUNDLE_PIPELINES) and set(BUNDLE_PIPELINES.values()) == set(PIPELINES)


@pytest.mark.parametrize("bundle_job", sorted(BUNDLE_PIPELINES))
def test_each_job_runs_its_pipeline_in_the_registry_order(jobs, bundle_job):
    path, job = jobs[bundle_job]
    tasks = {task["task_key"]: task for task in job["tasks"]}
    entry = {key: (path.parent / t["spark_python_task"]["python_file"]).resolve() for key, t in tasks.items()}
    for key, task in tasks.items():
        for dependency in task.get("depends_on", []):
            assert dependency["task_key"] in tasks, f"{key} depends on unknown task {dependency['task_key']}"

    ordered, done = [], set()
    while len(ordered) < len(tasks):
        ready = [
            k
            for k, t in tasks.items()
            if k not in done and {d["task_key"] for d in t.get("depends_on", [])} <= done
        ]
        assert len(ready) == 1, f"expected a single chain of tasks, found {ready} ready together"
        ordered.append(ready[0])
        done.add(ready[0])

    assert [str(entry[k].relative_to(REPO)) for k in ordered] == list(
        registry_jobs(BUNDLE_PIPELINES[bundle_job])
    )


def test_each_task_gets_the_wheel_and_a_cluster_with_the_storage_root(bundle, jobs):
    artifact = bundle["artifacts"]["energy_lakehouse"]
    assert (artifact["type"], artifact["path"]) == ("whl", ".")
    assert "--outdir dist" in artifact["build"]
    for _, path, job, task in tasks_of(jobs):
        wheels = [lib["whl"] for lib in task.get("libraries", [])]
        assert [str((path.parent / w).resolve().relative_to(REPO)) for w in wheels] == ["dist/*.whl"], task[
            "task_key"
        ]
        clusters = {c["job_cluster_key"]: c["new_cluster"] for c in job.get("job_clusters", [])}
        cluster = clusters[task["job_cluster_key"]]
        assert cluster["spark_env_vars"]["LAKEHOUSE_ROOT"] == "${var.lakehouse_root}"
        assert cluster["spark_version"] == "${var.spark_version}"


def test_dev_and_prod_targets_with_the_storage_root_as_a_variable(bundle):
    targets = bundle["targets"]
    assert targets["dev"] == {**targets["dev"], "mode": "development", "default": True}
    assert targets["prod"]["mode"] == "production"
    root = bundle["variables"]["lakehouse_root"]
    # No storage account is committed: each deployment names its own root.
    assert "default" not in root and "abfss://" in root["description"]
    for name, target in targets.items():
        committed = (target.get("variables") or {}).get("lakehouse_root")
        assert committed is None or str(committed).startswith("abfss://"), name


def test_every_variable_used_is_declared(bundle, jobs):
    declared = set(bundle.get("variables", {}))
    text = BUNDLE_FILE.read_text(encoding="utf-8") + "".join(
        p.read_text(encoding="utf-8") for p, _ in jobs.values()
    )
    used = set(VARIABLE.findall(text))
    assert used <= declared, f"undeclared: {sorted(used - declared)}"
