"""The wheel the Databricks bundle deploys: built from a copy of the repository (offline, with the
build backend of this environment), it holds every module of common/, schemas/ and jobs/ and the
conf/ the jobs read, leaves pyspark and delta-spark to the cluster, and once unpacked finds its config
without the repository around."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("common", "schemas", "jobs")
NOT_SOURCES = shutil.ignore_patterns(
    ".git",
    ".venv",
    "lakehouse*",
    "spark-warehouse",
    "metastore_db",
    "build",
    "dist",
    "*.egg-info",
    "__pycache__",
    ".*_cache",
)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    source = tmp_path_factory.mktemp("source") / "energy-lakehouse"
    shutil.copytree(REPO, source, ignore=NOT_SOURCES)
    out = tmp_path_factory.mktemp("dist")
    build = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out), str(source)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    (wheel_file,) = out.glob("energy_lakehouse-*-py3-none-any.whl")
    return wheel_file


def repo_files(folder: str, suffixes: tuple[str, ...]) -> set[str]:
    return {
        p.relative_to(REPO).as_posix()
        for p in (REPO / folder).rglob("*")
        if p.is_file() and p.suffix in suffixes and "__pycache__" not in p.parts
    }


def test_the_wheel_holds_every_module_and_the_config(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())

    for package in PACKAGES:
        modules = repo_files(package, (".py",))
        assert f"{package}/__init__.py" in modules
        assert modules <= names, f"missing from the wheel: {sorted(modules - names)}"
    config_files = repo_files("conf", (".yaml", ".yml", ".json"))
    assert {
        "conf/common.yaml",
        "conf/local/config.yaml",
        "conf/adls/config.yaml",
        "conf/databricks/config.yaml",
    } <= config_files
    assert config_files <= names, f"missing from the wheel: {sorted(config_files - names)}"
    assert not [n for n in names if n.startswith(("tests/", "simulator/", "scripts/"))]


def test_spark_and_delta_are_left_to_the_cluster(wheel):
    with zipfile.ZipFile(wheel) as archive:
        (metadata_name,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        metadata = Parser().parsestr(archive.read(metadata_name).decode())
    requirements = metadata.get_all("Requires-Dist") or []

    unconditional = [r for r in requirements if "extra ==" not in r]
    assert not [r for r in unconditional if r.lower().startswith(("pyspark", "delta-spark"))], unconditional
    spark_extra = [r.split(";")[0].strip() for r in requirements if 'extra == "spark"' in r]
    assert {"pyspark==4.1.4", "delta-spark==4.4.0"} <= set(spark_extra)


def test_an_unpacked_wheel_reads_its_own_config(wheel, tmp_path):
    site = tmp_path / "site-packages"
    zipfile.ZipFile(wheel).extractall(site)
    probe = (
        "import common, json\n"
        "from common.config import conf_dir, load_config\n"
        "c = load_config('databricks')\n"
        "print(json.dumps([common.__file__, str(conf_dir()), c.lakehouse_root, c.time_zone('de')]))\n"
    )
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("LAKEHOUSE_", "AZURE_"))}
    environ.update(PYTHONPATH=str(site), LAKEHOUSE_ROOT="abfss://lakehouse@acct.dfs.core.windows.net/x")
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=tmp_path, env=environ, capture_output=True, text=True, check=False
    )

    assert result.returncode == 0, result.stderr
    module_file, conf, root, zone = json.loads(result.stdout)
    assert Path(module_file).is_relative_to(site) and Path(conf) == site / "conf"
    assert (root, zone) == ("abfss://lakehouse@acct.dfs.core.windows.net/x", "Europe/Berlin")
