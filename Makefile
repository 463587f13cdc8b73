# Quick start: `make demo` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEBIAN_PACKAGES := nftables iptables ipset iproute2 procps graphviz nmap conntrack python3-firewall \
                   openssh-server chromium chromium-driver

.PHONY: demo test lint typecheck pytest system-deps bench fuzz clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[all,dev]'
	touch $(STAMP)

# Debian packages the kernel-backed tests need; installed only when running as root.
system-deps:
	@if [ "$$(id -u)" = "0" ]; then \
	  missing=""; for p in $(DEBIAN_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	  if [ -n "$$missing" ]; then \
	    echo "installing Debian packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  fi; \
	else echo "not root: skipping Debian packages ($(DEBIAN_PACKAGES))"; fi

demo: $(STAMP)
	$(BIN)/python -m portplan.demo

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy src

pytest: $(STAMP) system-deps
	$(BIN)/pytest -q -n 2 --dist loadgroup

test: lint typecheck pytest

bench: $(STAMP) system-deps
	$(BIN)/python bench/extract.py
	$(BIN)/python bench/compile.py
	$(BIN)/python bench/verify.py
	$(BIN)/python bench/fleet.py
	$(BIN)/python bench/web.py
	$(BIN)/python bench/audit.py --kernel
	$(BIN)/python bench/report.py

# Every parser given 100,000 hostile inputs; failing inputs are saved under fuzz-failures/.
fuzz: $(STAMP)
	$(BIN)/python bench/fuzz.py

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache .mypy_cache .ruff_cache
