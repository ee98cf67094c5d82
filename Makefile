# Every target bootstraps what it needs on a fresh machine: the .venv with the project and its pinned
# packages, and (on first Spark start) the Delta jars from Maven Central into the Ivy cache.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

ENV ?= local
COUNTRY ?= de
BZN ?= DE-LU
START ?=
END ?=
FULL_REFRESH ?=
PYTEST_ARGS ?=

# A local[*] session listens on loopback only (its UI binds to SPARK_LOCAL_IP, else to every interface).
SPARK_SUBMIT = PYSPARK_PYTHON=$(abspath $(PY)) PYSPARK_DRIVER_PYTHON=$(abspath $(PY)) LAKEHOUSE_ENV=$(ENV) \
	SPARK_LOCAL_IP=$${SPARK_LOCAL_IP:-127.0.0.1} \
	$(VENV)/bin/spark-submit \
	--packages "$$(LAKEHOUSE_ENV=$(ENV) $(PY) -c 'from common.spark import launch_packages; print(",".join(launch_packages()))')" \
	--driver-memory 2g --conf spark.log.level=WARN
PIPELINE ?= energy_charts

.PHONY: help bootstrap demo test run lint bench clean
help:
	@echo "make demo   - run the pipeline offline against the local Energy-Charts simulator"
	@echo "make test   - run the test suite"
	@echo "make run    - run every job in order: COUNTRY=de BZN=DE-LU START=YYYY-MM-DD END=YYYY-MM-DD ENV=local"
	@echo "             (PIPELINE=energy_charts: a pipeline of jobs/registry.py; FULL_REFRESH=1 rebuilds gold)"
	@echo "make lint   - ruff"
	@echo "make bench  - the chain at 1 and 10 years of simulated data: backfill, daily, floor, bare, naive, make run"
	@echo "             (QUICK=1: 30 days and 1 year); writes BENCHMARKS.md and bench/results.json"
	@echo "make quality-docs - Great Expectations Data Docs of the latest quality runs: OUT=dir (default build/quality-docs)"
	@echo "make broker  - a local Mosquitto on MQTT_PORT (default 1883), foreground"
	@echo "make collect - the MQTT collector, foreground: ENV=local MQTT_URL=mqtt://127.0.0.1:1883 LAKEHOUSE_ROOT=... IOT_SPOOL_DIR=..."
	@echo "make run-iot - the IoT jobs once, in order (staging -> cdc -> gold): ENV, LAKEHOUSE_ROOT, IOT_REGISTRY"
	@echo "make stream - the collector + staging -> cdc -> gold every iot.stream_interval_s until Ctrl-C (same env as collect)"
	@echo "make simulate-iot - publish simulated sensor readings: IOT_START=... IOT_END=... SIM_ARGS='--rate 500 --fault gap=0.001'"
	@echo "make bench-collector - collector throughput: BENCH_MESSAGES=200000"
	@echo "make app    - the analysts' Streamlit app on 127.0.0.1:PORT (default 8501) over ENV's lakehouse"
	@echo "make report - one self-contained HTML report: ENV=… OUT=file START=… END=… (prints the path last)"
	@echo "make catalog - docs/catalog.md (every table, key, partitioning, columns, SQL name, lineage) and docs/contracts/*.odcs.yaml"
	@echo "make sql Q=<name> ARGS='--param value' - run sql/<name>.sql with Spark SQL over ENV's tables"

$(STAMP): pyproject.toml  ## reinstalls when the dependencies change
	@scripts/require-java
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@rm -f $(VENV)/.installed-* && touch $@

bootstrap: $(STAMP)

demo: $(STAMP)
	PYTHONPATH=$(CURDIR) $(PY) scripts/demo.py

TEST_WORKERS ?= 2
test: $(STAMP)  ## whole test files per worker, so module fixtures (e2e baselines) are built once
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

# The jobs, their order and arguments come from the job registry (jobs/registry.py). `make run` runs
# the whole chain in one Spark session (jobs/pipeline.py); `make run-each` submits every job on its
# own (one JVM each), as separate Databricks tasks do.
RUN_ARGS = --pipeline $(PIPELINE) --country $(COUNTRY) --bidding-zone $(BZN) --start='$(START)' --end='$(END)' \
	$(if $(FULL_REFRESH),--full-refresh)
# The pre-flight checks config, scope and credentials in plain Python: a user's mistake is one line
# (exit 2) before any JVM starts or packages resolve.
PREFLIGHT = LAKEHOUSE_ENV=$(ENV) $(PY) -m jobs.registry --check $(RUN_ARGS)
run: $(STAMP)
	@$(PREFLIGHT) > /dev/null
	$(SPARK_SUBMIT) jobs/pipeline.py $(RUN_ARGS) < /dev/null

# The IoT chain once (README "IoT telemetry: staging, cdc and gold"): every job of the iot_telemetry
# pipeline in order in one Spark session, as the Databricks job's tasks run them; honours ENV,
# LAKEHOUSE_ROOT and IOT_REGISTRY (environment variables the jobs read).
.PHONY: run-iot
run-iot: $(STAMP)
	@$(MAKE) --no-print-directory run PIPELINE=iot_telemetry

.PHONY: run-each
run-each: $(STAMP)
	@set -e; jobs="$$($(PREFLIGHT))"; \
	while read -r job args; do \
		echo ">>> $$job $$args"; \
		$(SPARK_SUBMIT) $$job $$args < /dev/null; \
	done <<< "$$jobs"

QUICK ?=
bench: $(STAMP)  ## not in make test: 1 and 10 years (QUICK=1: 30 days and 1 year) -> BENCHMARKS.md, bench/results.json
	QUICK=$(QUICK) PYTHONPATH=$(CURDIR) $(PY) scripts/bench.py

.PHONY: quality-docs
quality-docs: $(STAMP)  ## GX Data Docs of each table's latest run in quality/results, into OUT (default build/quality-docs)
	LAKEHOUSE_ENV=$(ENV) PYTHONPATH=$(CURDIR) $(PY) scripts/quality_docs.py $(if $(OUT),--out $(OUT))

# --- For analysts (README "For analysts") ---
PORT ?= 8501
Q ?=
ARGS ?=
.PHONY: app report sql catalog
catalog: $(STAMP)  ## docs/catalog.md from schemas/ and the job registry
	PYTHONPATH=$(CURDIR) $(PY) -m schemas --contracts docs/contracts --out docs/catalog.md

app: $(STAMP)  ## Streamlit binds 127.0.0.1 only
	LAKEHOUSE_ENV=$(ENV) PYTHONPATH=$(CURDIR) $(VENV)/bin/streamlit run app/main.py --server.address 127.0.0.1 \
		--server.port $(PORT) --server.headless true --browser.gatherUsageStats false

report: $(STAMP)  ## the last line printed is the report's path
	LAKEHOUSE_ENV=$(ENV) PYTHONPATH=$(CURDIR) $(PY) -m app.report $(if $(OUT),--out $(OUT)) \
		$(if $(START),--start $(START)) $(if $(END),--end $(END))

sql: $(STAMP)
	@test -n "$(Q)" || { echo "make sql Q=<name> [ARGS='--param value ...']; queries: $$(ls sql | sed 's/\.sql$$//' | tr '\n' ' ')"; exit 2; }
	LAKEHOUSE_ENV=$(ENV) PYTHONPATH=$(CURDIR) $(PY) -m common.sql $(Q) $(ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .

# --- IoT telemetry over MQTT (README "IoT telemetry over MQTT") ---
MQTT_PORT ?= 1883
# Debian packages the broker targets need (installed when missing): command=package.
MOSQUITTO_PACKAGES = mosquitto=mosquitto mosquitto_pub=mosquitto-clients mosquitto_passwd=mosquitto openssl=openssl
IOT_START ?= $(shell date -u +%Y-%m-%dT00:00Z)
IOT_END ?= $(shell date -u -d tomorrow +%Y-%m-%dT00:00Z)
BENCH_MESSAGES ?= 200000

.PHONY: broker collect simulate-iot bench-collector
broker: $(STAMP)  ## a local Mosquitto (conf/mosquitto/mosquitto.conf) in the foreground on MQTT_PORT
	@scripts/require-debian-packages $(MOSQUITTO_PACKAGES)
	PYTHONPATH=$(CURDIR) $(PY) -m simulator.mosquitto --port $(MQTT_PORT)

collect: $(STAMP)  ## the MQTT collector in the foreground: ENV, MQTT_URL, LAKEHOUSE_ROOT, IOT_SPOOL_DIR, ...
	LAKEHOUSE_ENV=$(ENV) $(PY) -m jobs.collect.iot_mqtt

# The collector and, in one Spark session, staging -> cdc -> gold every iot.stream_interval_s; Ctrl-C or
# SIGTERM finishes the current round and stops the collector gracefully. Same environment as collect.
.PHONY: stream
stream: $(STAMP)
	LAKEHOUSE_ENV=$(ENV) $(PY) -m jobs.stream

simulate-iot: $(STAMP)  ## publish a day of simulated readings (IOT_START, IOT_END) to MQTT_URL
	PYTHONPATH=$(CURDIR) $(PY) -m simulator.iot --start $(IOT_START) --end $(IOT_END) $(SIM_ARGS)

bench-collector: $(STAMP)  ## collector throughput against a local Mosquitto (not part of make test)
	@scripts/require-debian-packages $(MOSQUITTO_PACKAGES)
	BENCH_MESSAGES=$(BENCH_MESSAGES) PYTHONPATH=$(CURDIR) $(PY) scripts/bench_collector.py

clean:
	rm -rf lakehouse lakehouse-demo lakehouse-test spark-warehouse metastore_db derby.log .pytest_cache spool mosquitto-local

# --- Packaging, Databricks bundle, container (README "Running on ADLS Gen2 and Databricks") ---
BUNDLE_TARGET ?= dev
DATABRICKS ?= databricks

.PHONY: jars wheel bundle-validate bundle-deploy bundle-run image
jars: $(STAMP)  ## fetch the Delta and hadoop-azure jars into the Ivy cache (then runs need no network)
	$(PY) -c 'from pyspark.sql import SparkSession; from common.spark import delta_package; \
	from common.azure import hadoop_azure_package; \
	SparkSession.builder.master("local[1]").config("spark.ui.enabled", "false") \
	.config("spark.jars.packages", ",".join([delta_package(), hadoop_azure_package()])).getOrCreate().stop()'

wheel: $(STAMP)  ## dist/energy_lakehouse-*.whl, what the bundle deploys
	$(PY) -m build --wheel --no-isolation --outdir dist

bundle-validate bundle-deploy bundle-run: export PATH := $(abspath $(VENV))/bin:$(PATH)
bundle-validate: $(STAMP)
	$(DATABRICKS) bundle validate -t $(BUNDLE_TARGET)

bundle-deploy: $(STAMP)
	$(DATABRICKS) bundle deploy -t $(BUNDLE_TARGET)

bundle-run:
	$(DATABRICKS) bundle run -t $(BUNDLE_TARGET) energy_charts_daily

image:
	docker build -t energy-lakehouse .
