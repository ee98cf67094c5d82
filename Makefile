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
START ?=
END ?=
FULL_REFRESH ?=
PYTEST_ARGS ?=

SPARK_SUBMIT = PYSPARK_PYTHON=$(abspath $(PY)) PYSPARK_DRIVER_PYTHON=$(abspath $(PY)) LAKEHOUSE_ENV=$(ENV) \
	$(VENV)/bin/spark-submit --packages $$($(PY) -c 'from common.spark import delta_package; print(delta_package())') \
	--driver-memory 2g
DATES = $(if $(START),--start $(START)) $(if $(END),--end $(END))
ENERGY_CHARTS_JOBS = jobs/staging/public_power.py jobs/cdc/public_power.py jobs/transform/daily_production_trend.py

.PHONY: help bootstrap demo test run lint bench clean
help:
	@echo "make demo   - run the pipeline offline against the local Energy-Charts simulator"
	@echo "make test   - run the test suite"
	@echo "make run    - run every job in order: COUNTRY=de START=YYYY-MM-DD END=YYYY-MM-DD ENV=local"
	@echo "make lint   - ruff"

$(STAMP):
	@scripts/require-java
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@rm -f $(VENV)/.installed-* && touch $@

bootstrap: $(STAMP)

demo: $(STAMP)
	PYTHONPATH=$(CURDIR) $(PY) scripts/demo.py

test: $(STAMP)
	$(PY) -m pytest $(PYTEST_ARGS)

run: $(STAMP)
	@set -e; for job in $(ENERGY_CHARTS_JOBS); do \
		extra=""; if [[ $$job == jobs/transform/* && -n "$(FULL_REFRESH)" ]]; then extra="--full-refresh"; fi; \
		echo ">>> $$job --country $(COUNTRY) $(DATES) $$extra"; \
		$(SPARK_SUBMIT) $$job --country $(COUNTRY) $(DATES) $$extra; \
	done

lint: $(STAMP)
	$(VENV)/bin/ruff check .

clean:
	rm -rf lakehouse lakehouse-demo lakehouse-test spark-warehouse metastore_db derby.log .pytest_cache
