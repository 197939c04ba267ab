# Every target installs what it needs first, so each works on a fresh clone.
SHELL := /bin/bash
# uv from PATH, else the copy `make install` puts into this Python (python3 -m uv finds its binary).
UV ?= $(shell command -v uv 2>/dev/null || echo python3 -m uv)
PORT ?= 3000
# satchel lives in the Lambda layer folder, as on Lambda; put it on the path for local commands.
RUN := PYTHONPATH=layers/shared/python $(UV) run --frozen

.PHONY: install run run-strict token admin rotate-keys test fuzz lint format bench synth openapi clean

install:
	@$(UV) --version >/dev/null 2>&1 || python3 -m pip install --quiet uv || python3 -m pip install --quiet --user uv
	@$(UV) sync --frozen --quiet

run: install
	@PORT=$(PORT) $(RUN) python -m infra.local.server

run-strict: install
	@PORT=$(PORT) $(RUN) python -m infra.local.server --strict-s3

token: install
	@$(RUN) python -m infra.local.token

# First admin of the running local stack: make admin EMAIL=you@example.com (password prompted,
# or SATCHEL_ADMIN_PASSWORD). For a deployed stack see README.
admin: install
	@test -n "$(EMAIL)" || { echo "usage: make admin EMAIL=you@example.com" >&2; exit 2; }
	@$(RUN) python -m infra.admin.bootstrap --local --email "$(EMAIL)"

# Rotate the running local stack's signing key with the default grace. It takes no options: for
# --grace or --withdraw run the command itself (README, Signing-key rotation).
rotate-keys: install
	@$(RUN) python -m infra.admin.rotate_keys --local

test: install
	$(UV) run --frozen pytest

# Property-based fuzzing of a local stack of its own (rate limits raised), driven by the OpenAPI
# document it serves: FUZZ_CASES cases (default 5000), seed FUZZ_SEED (default fixed). Prints the
# counts; exits 1 on any 5xx or off-document answer. `make test` runs a bounded tier of the same.
fuzz: install
	@$(RUN) python -m tests.e2e.fuzzing

lint: install
	$(UV) run --frozen ruff check .
	$(UV) run --frozen ruff format --check .
	$(UV) run --frozen mypy layers/shared/python functions infra

format: install
	$(UV) run --frozen ruff format .
	$(UV) run --frozen ruff check --fix .

bench: install
	$(RUN) python -m bench.run

# docs/openapi.json from the route table; a test fails when the committed file is stale.
openapi: install
	@$(RUN) python -m infra.openapi

synth: install
	$(RUN) python infra/app.py

clean:
	rm -rf cdk.out .pytest_cache .mypy_cache .ruff_cache
