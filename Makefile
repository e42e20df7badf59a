# carnet: `make run` serves it, `make test` checks it. Nothing else is needed on a fresh machine.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
STAMP := $(VENV)/.installed

.PHONY: run install test check bench messages lock clean

$(STAMP): requirements-dev.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=25" "setuptools>=75" wheel
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements-dev.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	@touch $(STAMP)

install: $(STAMP)

run: install
	@mkdir -p var
	@new=$$(test -f var/carnet.sqlite3 || test -n "$$DATABASE_URL" || echo yes); \
	$(BIN)/carnet migrate --no-input -v0 && \
	if [ -n "$$new" ]; then $(BIN)/carnet demo; fi && \
	echo "" && echo "carnet: http://$(HOST):$(PORT)/  — demo password: $${CARNET_DEMO_PASSWORD:-carnet-demo-password} ('carnet demo' lists the accounts)" && \
	CARNET_HTTPS=$${CARNET_HTTPS:-0} $(BIN)/carnet serve --host $(HOST) --port $(PORT)

test: install
	$(BIN)/pytest -n $${PYTEST_WORKERS:-2} -m "not browser" tests
	$(BIN)/pytest -m browser tests

check: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	CARNET_VAR_DIR=$$(mktemp -d) $(BIN)/carnet makemigrations --check --dry-run

bench: install
	$(BIN)/python bench/run.py

# Extract strings into the .po files (needs GNU gettext), then compile the .mo files
# (pure Python, so `make run` and `make test` need no gettext). Both are committed.
messages: install
	cd src/carnet && ../../$(BIN)/carnet makemessages -a --no-obsolete --add-location file -i 'migrations/*'
	$(BIN)/python -c "import glob, polib; [polib.pofile(p).save_as_mofile(p[:-3] + '.mo') for p in glob.glob('src/carnet/locale/*/LC_MESSAGES/*.po')]"

lock: install
	$(BIN)/pip-compile -q --strip-extras --generate-hashes --allow-unsafe -o requirements.lock pyproject.toml
	$(BIN)/pip-compile -q --strip-extras --generate-hashes --allow-unsafe --extra dev -o requirements-dev.lock pyproject.toml

clean:
	rm -rf $(VENV) var/static
