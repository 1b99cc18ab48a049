# Two commands to remember: `make serve` (the API with demo data) and `make test` (the whole suite).
# Both create .venv on first use and reinstall only when requirements.lock or pyproject.toml change.

VENV := .venv
PYTHON := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed-from-lock
PIP := PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore PIP_NO_INPUT=1 $(PYTHON) -m pip
DATABASE_URL ?= sqlite+aiosqlite:///$(CURDIR)/var/partnergraph.db
PYTEST_ARGS ?=
BENCH_ARGS ?=

.PHONY: help serve token test schema lock bench
.DEFAULT_GOAL := help

help:
	@echo "make serve   run the API on SQLite (./var/partnergraph.db) with demo data; prints a demo token"
	@echo "make token EMAIL=... [COMPANY=...]  an API token for that user on the database make serve uses"
	@echo "make test    run the test suite (PYTEST_ARGS='-k token -x' to narrow it)"
	@echo "make schema  write schema.graphql from the code"
	@echo "make lock    regenerate requirements.lock (hashed) from pyproject.toml"
	@echo "make bench   the API benchmark on SQLite (BENCH_ARGS='--db postgresql --scale 0.1'); see bench/README.md"

$(PYTHON):
	@echo "==> venv: creating $(VENV) with $$(python3 --version)"
	python3 -m venv $(VENV)

# Exactly what the lock pins, nothing resolved at install time: --no-deps keeps pip from following a package's own
# requirements (and their extras) to versions the lock does not name, --require-hashes from taking any other file,
# and the project is built with the locked setuptools (--no-build-isolation) instead of one fetched for the build.
# `pip check` then proves the lock left nothing out (tests/test_lock.py checks the extras too).
$(INSTALLED): requirements.lock pyproject.toml | $(PYTHON)
	@echo "==> packages: installing the $$(grep -c '^[a-z0-9]' requirements.lock) hashed pins of requirements.lock (about a minute)"
	$(PIP) install --no-deps --require-hashes --progress-bar off -r requirements.lock
	@echo "==> packages: installing partnergraph itself (editable)"
	$(PIP) install --quiet --no-deps --no-build-isolation -e .
	$(PIP) check
	@touch $@

serve: $(INSTALLED)
	@mkdir -p var
	PARTNERGRAPH_DATABASE_URL='$(DATABASE_URL)' $(VENV)/bin/partnergraph serve --demo

# The token alone on stdout (TOKEN=$$(make -s token EMAIL=...)), for the database `make serve` uses.
token: $(INSTALLED)
	@test -n '$(EMAIL)' || { echo "usage: make token EMAIL=someone@example.test [COMPANY=database-name]" >&2; exit 2; }
	@PARTNERGRAPH_DATABASE_URL='$(DATABASE_URL)' $(VENV)/bin/partnergraph token create --email '$(EMAIL)' \
		$(if $(COMPANY),--company '$(COMPANY)')

# The suite's last lines say which databases it ran on (tests/conftest.py).
test: $(INSTALLED)
	$(VENV)/bin/pytest -q -n auto --dist loadfile $(PYTEST_ARGS)

# Not part of `make test`: timings live in bench/results and bench/README.md, never in tests.
bench: $(INSTALLED)
	$(PYTHON) -m bench.api $(BENCH_ARGS)

schema: $(INSTALLED)
	$(VENV)/bin/partnergraph export-schema --output schema.graphql

# uv is a tool for this one job, not a dependency of the project: installed on demand, outside the lock.
lock: | $(PYTHON)
	@test -x $(VENV)/bin/uv || $(PIP) install --quiet uv
	$(VENV)/bin/uv pip compile pyproject.toml --extra dev --generate-hashes -o requirements.lock --python $(PYTHON)
