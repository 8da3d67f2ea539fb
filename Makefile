# Two commands do all set-up: `make lab` (the tutorial) and `make test` (every test).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)
HOST   ?= 127.0.0.1

.PHONY: lab test test-fast app check warm wheelhouse clean

$(STAMP): pyproject.toml constraints.txt
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(if $(TORCH_INDEX_URL),$(BIN)/python -m pip install --quiet torch==2.13.0 --index-url $(TORCH_INDEX_URL))
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[test]"
	touch $(STAMP)

lab: $(STAMP)  ## set up, then open the tutorial in JupyterLab
	HF_HUB_OFFLINE=1 $(BIN)/jupyter lab --notebook-dir=notebooks --ip=$(HOST) $(ROOT_FLAG)

test: $(STAMP)  ## set up, then run the unit tests and every notebook (nbval)
	TQDM_DISABLE=1 HF_HUB_OFFLINE=1 $(BIN)/python -m pytest

# The inner loop: tests that load no model and start no process, plus the doctests (under a minute).
DOCTESTED := helpers/metrics.py helpers/fusion.py helpers/redact.py helpers/methods.py helpers/model/sparse helpers/nbval_floats.py helpers/validation.py helpers/atomic.py helpers/paths.py helpers/plots/rerank.py helpers/plots/svg.py helpers/datasets.py helpers/demo_data.py helpers/blog.py helpers/app/views.py
test-fast: $(STAMP)  ## set up, then run the fast tier: no model, no subprocess, no network
	TQDM_DISABLE=1 HF_HUB_OFFLINE=1 $(BIN)/python -m pytest -m "not slow" tests --doctest-modules $(DOCTESTED)

app: $(STAMP)  ## set up, cache the corpora's vectors, then serve the search playground to a room at http://$(HOST):8866
	$(if $(TOKEN),RETRIEVAL_APP_TOKEN='$(TOKEN)') HF_HUB_OFFLINE=1 $(BIN)/python -m helpers.room --host $(HOST) --port $(or $(PORT),8866) $(if $(CAP),--cap $(CAP)) $(if $(CONFIG),--config $(CONFIG))

warm: $(STAMP)  ## before class: run every notebook once (outputs discarded) and encode the app's corpora, so every cache is built
	TQDM_DISABLE=1 HF_HUB_OFFLINE=1 $(BIN)/python scripts/warm.py $(NOTEBOOKS) $(if $(LIMIT),--limit $(LIMIT))

wheelhouse:  ## build an offline wheelhouse in wheelhouse/ and prove it installs into a fresh venv with no index
	scripts/wheelhouse.sh wheelhouse

check: $(STAMP)  ## print the setup checker's report
	HF_HUB_OFFLINE=1 $(BIN)/python -m helpers.check

clean:
	rm -rf $(VENV)
