# The README's two commands are `make demo` and `make test`; everything else is a building block.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?=

.PHONY: install demo test unit lint typecheck kafka-fetch system-deps dashboards clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

demo: install
	$(BIN)/flarewatch demo

test: install lint typecheck
	$(BIN)/python -m pytest $(PYTEST_ARGS)

unit: install
	$(BIN)/python -m pytest -m "not kafka and not prometheus" $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check streams detectors schemas tests benchmarks deploy

typecheck: install
	$(BIN)/mypy detectors schemas streams benchmarks deploy

kafka-fetch: install
	$(BIN)/python -c "from streams.local_kafka import LocalKafka; from streams.settings import Settings; LocalKafka(Settings.from_env()).fetch()"

# Debian packages the integration tests need (CI runs this through .ci/run).
system-deps:
	bash .ci/install-system-packages

dashboards: install
	$(BIN)/python deploy/grafana/dashboards.py

clean:
	rm -rf $(VENV) .flarewatch .pytest_cache .mypy_cache .ruff_cache
