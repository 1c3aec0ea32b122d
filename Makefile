# The same commands locally, in CI and in the README.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install serve test check bench bench-1m bench-load clean eval

$(STAMP): pyproject.toml app/web/vendor/package-lock.json
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	# front-end assets (the SPARQL editor) come from the npm registry and are served locally
	npm ci --prefix app/web/vendor --no-audit --no-fund --ignore-scripts --loglevel=error
	touch $(STAMP)

install: $(STAMP)

serve: install
	$(BIN)/claimgraph serve

test: install
	$(BIN)/python -m pytest -q

check: install
	$(BIN)/ruff check app tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: install
	$(BIN)/python -m bench

# one size of a million claims (ingest, detection, /disputes), without the side comparisons
bench-1m: install
	$(BIN)/python -m bench --sizes 1000000 --rdflib-size 0 --protocol-size 0 --incremental 100 --requests 30 --disputes-sizes 1000000

# 50 clients mixing reads, claim writes and reviews against a real server on loopback
bench-load: install
	$(BIN)/python -m bench.load

clean:
	rm -rf $(VENV) graph_data/store .pytest_cache .mypy_cache .ruff_cache

# POLNEAR=/path/to/PolNeAR (a checkout of networkdynamics/PolNeAR) adds its train and dev splits
eval: install
	$(BIN)/python eval/attribution_score.py $(if $(POLNEAR),--polnear $(POLNEAR))
	$(BIN)/python eval/run.py
	$(BIN)/python eval/heldout_score.py
