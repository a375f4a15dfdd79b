# The one command surface. Every target installs what it needs first.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAGE ?= dev
# Test processes: one per core; the local stack and the CDK synth each stay on one.
TEST_WORKERS ?= auto

.DEFAULT_GOAL := help
.PHONY: help install test test-unit test-integration test-simulator test-e2e test-infra test-fuzz \
        test-browser test-console console lint run demo bench synth deploy clean

help:  ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

.java:
	@command -v java >/dev/null || { echo "installing Java 17 for DynamoDB Local"; \
	  (apt-get update -qq && apt-get install -y -qq openjdk-17-jre-headless) >/dev/null; }
	@touch $@

.chromium:
	@command -v chromium >/dev/null || { echo "installing Chromium for the report rendering and browser tests"; \
	  (apt-get update -qq && apt-get install -y -qq chromium fonts-wqy-microhei) >/dev/null; }
	@touch $@

console/node_modules/.installed: console/package.json console/package-lock.json
	cd console && npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(VENV)/.installed node_modules/.installed console/node_modules/.installed .java  ## Python venv, DynamoDB Local and the console's packages (npm), Java

console: install  ## Build the console (console/dist) from its lockfile
	cd console && npx vite build --logLevel warn

test: install .chromium console  ## All tiers: console (types, vitest), unit, integration, simulator, e2e, infra, fuzz, browser
	cd console && npm run typecheck --silent && npm test --silent
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadgroup

test-console: console  ## The console's types (vue-tsc) and own logic (vitest)
	cd console && npm run typecheck --silent && npm test --silent

test-unit: install .chromium  ## Unit tier only (no network)
	$(PY) -m pytest -m unit

test-integration: install  ## Chalice test client + moto
	$(PY) -m pytest -m integration

test-simulator: install  ## The WeCom simulator on loopback
	$(PY) -m pytest -m simulator

test-e2e: install console  ## The real local stack over HTTP (and the console service)
	$(PY) -m pytest -m e2e

test-infra: install  ## CDK assertions
	$(PY) -m pytest -m infra

test-browser: install .chromium console  ## The console in headless Chromium over the real local stack
	$(PY) -m pytest -m browser -n 0

test-fuzz: install  ## Hypothesis on the callback, webhooks and live-code scans (minutes)
	$(PY) -m pytest -m fuzz

lint: install  ## ruff and mypy
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

run: install console  ## Start the local stack on loopback (PORT=8000); Ctrl-C stops it
	$(PY) -m local_stack

demo: install console  ## Bring the local stack up, run the main job end to end, shut down
	$(PY) -m local_stack.demo

bench: install .chromium console  ## Benchmark figures as ratios against floors measured in the same run
	$(PY) -m benchmarks

synth: install  ## Synthesize the CDK app (STAGE=dev|prod)
	cd infra && ../$(PY) app.py -c stage=$(STAGE)

deploy: install  ## Deploy to AWS with the CDK CLI (needs AWS credentials)
	cd infra && npx --yes aws-cdk@2.1148.1 deploy --all -c stage=$(STAGE) --app "../$(PY) app.py"

clean:  ## Remove local data, logs and build output (not the venv)
	rm -rf var console/dist infra/cdk.out infra/chalice.out .chalice/deployments .pytest_cache .mypy_cache .ruff_cache
