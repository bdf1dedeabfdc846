# Two commands on a fresh machine (python3 + make): `make report` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
KERNEL := josanalysis
# The system Chromium that prints PDFs and runs the browser test (Debian package `chromium`).
CHROMIUM := /usr/bin/chromium
REGION ?= demoregio
WORKERS ?= 2

.PHONY: install report test lab synth check-data check-reference clean-outputs bench chromium

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e ".[test]"
	$(PY) -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "Python (josanalysis)"
	touch $(STAMP)

install: $(STAMP)

# Installs Chromium when it is missing and we are root; otherwise says how (the browser test
# then skips with that reason).
$(CHROMIUM):
	@if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		{ DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
		  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } || \
		echo "Could not install Chromium with apt-get; tests/test_browser.py will be skipped."; \
	else \
		echo "Chromium is missing: install it with 'sudo apt-get install chromium' (tests/test_browser.py is skipped without it)."; \
	fi

chromium:
	@test -x $(CHROMIUM) || $(MAKE) --no-print-directory $(CHROMIUM)

report: $(STAMP)
	$(VENV)/bin/josanalysis run --region $(REGION) --workers $(WORKERS)
	@echo "Reports: outputs/$(REGION)/index.html"

test: $(STAMP) chromium
	$(PY) -m pytest -n 2 --dist loadgroup tests
	$(PY) -m pytest --nbval-lax -p no:randomly notebooks

lab: $(STAMP)
	$(PY) -m pip install --quiet -e ".[test,lab]"
	$(VENV)/bin/jupyter lab --notebook-dir=. --MappingKernelManager.default_kernel_name=$(KERNEL) \
		$$(if [ "$$(id -u)" = 0 ]; then echo --allow-root; fi)

synth: $(STAMP)
	$(VENV)/bin/josanalysis synth --out data/demo

check-data: $(STAMP)
	$(VENV)/bin/josanalysis check-data data/demo

# Run the whole demo region and compare its results files with tests/data/demo_reference (1e-9).
check-reference: $(STAMP)
	$(PY) -m tests.reference_outputs

bench: $(STAMP)
	for b in benchmarks/*.py; do $(PY) $$b; done

clean-outputs:
	rm -rf outputs/*/
