"""A user's mistakes (unknown country, zone or environment, a missing variable, a malformed conf/ file)
end every entry point with one line on stderr naming the fix and exit status 2, no traceback, and before
any Spark session starts: the subprocesses run with JAVA_HOME pointing nowhere, so a JVM start would fail
with a different error, and the lakehouse root stays empty."""

from __future__ import annotations

import importlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from common.cli import run_cli
from jobs.registry import PIPELINES

REPO = Path(__file__).resolve().parent.parent
JOBS = [entry for jobs in PIPELINES.values() for entry in jobs]
SCOPE_ARGS = {"country": ["--country", "de"], "zone": ["--bidding-zone", "DE-LU"], "none": []}
PIPELINE_ARGS = ["--pipeline", "energy_charts", "--country", "de", "--bidding-zone", "DE-LU"]
DAYS = ["--start", "2026-10-01", "--end", "2026-10-02"]


@pytest.fixture
def run_entry(tmp_path):
    """Run `python -m module args` (or make) in the repo with a nowhere JVM; returns the finished process."""
    root = tmp_path / "lakehouse"

    def run(command: list[str], **env: str) -> subprocess.CompletedProcess[str]:
        environ = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("AZURE_", "LAKEHOUSE_"))},
            "JAVA_HOME": str(tmp_path / "no-java"),
            "LAKEHOUSE_ROOT": str(root),
            "LAKEHOUSE_ENV": "test",
            "PYTHONPATH": str(REPO),
            **env,
        }
        done = subprocess.run(command, cwd=REPO, env=environ, capture_output=True, text=True, timeout=120)
        assert not root.exists(), f"{command} wrote to the lakehouse: {done.stderr}"
        return done

    return run


def python_m(module: str, *args: str) -> list[str]:
    return [sys.executable, "-m", module, *args]


def assert_one_line_error(done: subprocess.CompletedProcess[str], *expected: str) -> None:
    lines = done.stderr.strip().splitlines()
    errors = [line for line in lines if line.startswith("error: ")]
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    assert len(errors) == 1, done.stderr
    for text in expected:
        assert text in errors[0], errors[0]


@pytest.mark.parametrize("entry", JOBS, ids=lambda entry: entry.name)
def test_every_job_entry_ends_in_run_cli_and_fails_in_one_line(entry, monkeypatch, capsys, tmp_path):
    # In process (a subprocess per job costs seconds); the subprocess tests below run the real thing.
    source = Path(REPO, entry.entry_file).read_text(encoding="utf-8")
    assert source.rstrip().endswith('if __name__ == "__main__":\n    run_cli(main)'), entry.entry_file
    monkeypatch.setenv("LAKEHOUSE_ENV", "nope")
    monkeypatch.setenv("LAKEHOUSE_ROOT", str(tmp_path / "lakehouse"))

    with pytest.raises(SystemExit) as stopped:
        run_cli(importlib.import_module(entry.module).main, [*SCOPE_ARGS[entry.scope], *DAYS])

    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: unknown environment 'nope'"), err
    assert "known: [" in err and "'local'" in err and "--env" in err
    assert not (tmp_path / "lakehouse").exists()


@pytest.mark.parametrize("module", ["jobs.pipeline", "jobs.registry", "jobs.cdc.public_power"])
def test_unknown_environment_in_a_process(run_entry, module):
    args = ["--check", *PIPELINE_ARGS] if module == "jobs.registry" else PIPELINE_ARGS
    if module.startswith("jobs.cdc"):
        args = ["--country", "de"]
    done = run_entry(python_m(module, *args), LAKEHOUSE_ENV="nope")

    assert_one_line_error(done, "unknown environment 'nope'", "known: [", "--env")
    assert done.stderr.strip().count("\n") == 0, done.stderr  # nothing but that line


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        (python_m("jobs.staging.public_power", "--country", "xx"), "country 'xx': use one of ['at'"),
        (python_m("jobs.transform.daily_price_wind", "--bidding-zone", "XX"), "unknown bidding zone 'XX'"),
        (python_m("jobs.pipeline", "--country", "de", "--bidding-zone", "XX"), "use one of ['AT', 'DE-LU'"),
        (python_m("jobs.pipeline", "--bidding-zone", "DE-LU"), "needs --country"),
    ],
)
def test_unknown_country_or_zone(run_entry, command, expected):
    assert_one_line_error(run_entry(command), expected)


def test_unknown_job_in_only_names_the_pipelines_jobs(run_entry):
    done = run_entry(python_m("jobs.pipeline", *PIPELINE_ARGS, "--only", "cdc.public_power,cdc.nope"))
    assert_one_line_error(
        done,
        "--only: ['cdc.nope'] are not jobs of the energy_charts pipeline",
        "use some of ['staging.public_power'",
    )


def test_missing_variable_names_it(run_entry):
    no_account = run_entry(python_m("jobs.pipeline", *PIPELINE_ARGS), LAKEHOUSE_ENV="adls", LAKEHOUSE_ROOT="")
    no_key = run_entry(python_m("jobs.cdc.price", "--bidding-zone", "DE-LU", "--env", "adls"),
                       AZURE_STORAGE_ACCOUNT="acct", LAKEHOUSE_ROOT="")  # fmt: skip

    assert_one_line_error(no_account, "needs setting 'adls.account'", "set AZURE_STORAGE_ACCOUNT")
    assert_one_line_error(no_key, "no credentials are set", "AZURE_STORAGE_KEY")


def test_malformed_conf_file_names_file_and_line(run_entry, tmp_path):
    conf = tmp_path / "conf"
    shutil.copytree(REPO / "conf", conf)
    with (conf / "common.yaml").open("a", encoding="utf-8") as handle:
        handle.write("run:\n  lookback_days: [7\n")
    not_a_mapping = tmp_path / "conf2"
    shutil.copytree(REPO / "conf", not_a_mapping)
    (not_a_mapping / "test" / "config.yaml").write_text("- just\n- a list\n", encoding="utf-8")

    broken = run_entry(python_m("jobs.staging.price", "--bidding-zone", "DE"), LAKEHOUSE_CONF_DIR=str(conf))
    listed = run_entry(python_m("jobs.pipeline", *PIPELINE_ARGS), LAKEHOUSE_CONF_DIR=str(not_a_mapping))

    assert_one_line_error(broken, f"{conf / 'common.yaml'}: not valid YAML at line", "fix the file")
    assert_one_line_error(listed, "config.yaml: expected a mapping at the top level")


@pytest.mark.parametrize(
    ("target", "variables", "expected"),
    [
        ("run", ["ENV=nope"], "unknown environment 'nope'"),
        ("run-each", ["COUNTRY=xx"], "no time zone for country 'xx'"),
    ],
)
def test_make_targets_stop_before_spark_submit(run_entry, target, variables, expected):
    done = run_entry(["make", "--no-print-directory", target, *variables])

    assert done.returncode != 0
    assert "Traceback" not in done.stderr, done.stderr
    assert [line for line in done.stderr.splitlines() if line.startswith("error: ")] == [
        next(line for line in done.stderr.splitlines() if expected in line)
    ]
    assert "spark-submit" not in done.stdout
