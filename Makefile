# Dovetail — every target says what it does: `make help`.
SHELL := /bin/bash
.DEFAULT_GOAL := help
UV ?= uv
# Every registered service (each declares itself in its pyproject's dovetail.services entry point).
SERVICES = $(shell .venv/bin/python -m dovetail_shared.registry list)
export PATH := $(HOME)/.local/bin:$(PATH)
# Local runs use the shipped development placeholders; services refuse them unless told they run locally.
export DOVETAIL_ENVIRONMENT ?= development

.PHONY: help
help: ## List every target with a line of description
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z0-9_-]+:.*## / {printf "  \033[36m%-16s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

.PHONY: bootstrap
bootstrap: ## Install uv if missing and the locked Python dependencies into .venv
	@command -v $(UV) >/dev/null 2>&1 || python3 -m pip install --quiet 'uv>=0.5'
	@$(UV) sync --all-packages --frozen --quiet

.PHONY: infra-up
infra-up: ## Install if missing and start PostgreSQL and Kafka (processes, loopback only)
	@bash scripts/infra/all.sh up

.PHONY: infra-down
infra-down: ## Stop PostgreSQL and Kafka
	@bash scripts/infra/all.sh down

.PHONY: infra-status
infra-status: ## Show whether PostgreSQL and Kafka are running
	@bash scripts/infra/all.sh status

.PHONY: migrate
migrate: bootstrap ## Apply every service's Alembic migrations and create its Kafka topics
	@for s in $(SERVICES); do .venv/bin/dovetail-$$s migrate || exit 1; done

.PHONY: run
run: bootstrap infra-up migrate ## Set up and run the whole platform in the background, load demo data, print the gateway examples
	@bash scripts/platform.sh up
	@.venv/bin/python scripts/demo_data.py
	@.venv/bin/python scripts/gateway_examples.py

.PHONY: stop
stop: ## Stop the services started by `make run` (PostgreSQL and Kafka keep running)
	@bash scripts/platform.sh down

.PHONY: status
status: infra-status ## Show infrastructure and service status
	@bash scripts/platform.sh status

.PHONY: test
test: bootstrap infra-up ## Run the whole test suite (unit, integration, contract) on the real Postgres and Kafka
	@bash scripts/infra/chromium.sh
	@bash scripts/infra/postgres.sh reset-test-db
	@.venv/bin/pytest

.PHONY: test-unit
test-unit: bootstrap ## Run only the fast unit tests (no servers needed)
	@.venv/bin/pytest -m "not integration"

.PHONY: lint
lint: bootstrap ## Ruff (lint + format check) and mypy (shared library, every service, the gateway)
	@.venv/bin/ruff check .
	@.venv/bin/ruff format --check .
	@.venv/bin/mypy shared/dovetail_shared gateway/dovetail_gateway $$(.venv/bin/python -m dovetail_shared.registry packages)

.PHONY: k8s-validate
k8s-validate: bootstrap ## Lint the Dockerfile; render deploy/k8s and validate it on a real kube-apiserver (+CRDs); policy test
	@.venv/bin/hadolint Dockerfile
	@bash scripts/k8s/validate.sh

.PHONY: fmt
fmt: bootstrap ## Format and auto-fix the code
	@.venv/bin/ruff format .
	@.venv/bin/ruff check --fix .

.PHONY: schemas
schemas: bootstrap ## Export the committed contracts: event JSON Schemas, each service's OpenAPI, the gateway's SDL
	@.venv/bin/python -m dovetail_shared.events.schemas export >/dev/null
	@.venv/bin/python scripts/export_openapi.py
	@.venv/bin/dovetail-gateway sdl > gateway/schema.graphql && echo gateway/schema.graphql

.PHONY: fuzz
fuzz: bootstrap infra-up migrate ## Fuzz every service's OpenAPI with schemathesis (starts the services if needed)
	@bash scripts/platform.sh up
	@bash scripts/fuzz.sh

.PHONY: bench
bench: bootstrap infra-up ## Benchmarks (not tests): relay and consumer throughput, end-to-end latency, matching
	@.venv/bin/python bench/messaging.py
	@.venv/bin/python bench/matching.py --sizes 10000 100000

.PHONY: clean
clean: ## Remove caches (keeps .local state: use infra-down first to stop servers)
	@rm -rf .pytest_cache .mypy_cache .ruff_cache
