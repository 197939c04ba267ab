# Every target installs what it needs first, so each works on a fresh clone.
SHELL := /bin/bash
UV ?= uv
PORT ?= 3000

.PHONY: install run run-strict token test lint format bench synth clean

install:
	@command -v $(UV) >/dev/null || python3 -m pip install --quiet uv
	@$(UV) sync --frozen --quiet

run: install
	@PORT=$(PORT) PYTHONPATH=layers/shared/python $(UV) run --frozen python -m infra.local.server

run-strict: install
	@PORT=$(PORT) PYTHONPATH=layers/shared/python $(UV) run --frozen python -m infra.local.server --strict-s3

token: install
	@PYTHONPATH=layers/shared/python $(UV) run --frozen python -m infra.local.token

test: install
	$(UV) run --frozen pytest

lint: install
	$(UV) run --frozen ruff check .
	$(UV) run --frozen ruff format --check .
	$(UV) run --frozen mypy layers/shared/python functions infra

format: install
	$(UV) run --frozen ruff format .
	$(UV) run --frozen ruff check --fix .

bench: install
	$(UV) run --frozen python -m bench.run

synth: install
	$(UV) run --frozen python infra/app.py

clean:
	rm -rf cdk.out .pytest_cache .mypy_cache .ruff_cache
