# Two commands on a fresh machine:  `make run`  and  `make test`.
VENV   := .venv
PY     := $(VENV)/bin/python
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PYTHON ?= python3
# llama.cpp is compiled for this CPU (-march=native). Its AMX kernels fault (SIGSEGV in
# ldtilecfg) in VMs that advertise AMX without granting the tile state, as measured on a
# Sapphire Rapids guest, so they are left out: AMX only speeds up large batches.
NOAMX  := $(if $(filter x86_64,$(shell uname -m)),CFLAGS="-mno-amx-tile -mno-amx-int8 -mno-amx-bf16" CXXFLAGS="-mno-amx-tile -mno-amx-int8 -mno-amx-bf16",)

.PHONY: run test install lint typecheck unit browser-deps postgres-deps clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q -U pip
	$(NOAMX) $(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## Set up, ingest the bundled sample articles if the store is empty, start the chat.
run: install
	$(BIN)/newsdesk serve

## Set up, then run every check CI runs: lint, types, the whole test suite.
test: install browser-deps postgres-deps
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check .

typecheck: install
	$(BIN)/mypy

unit: install
	$(BIN)/pytest -m "not slow and not browser"

## Debian's chromium for the browser tests (playwright cannot download browsers here).
browser-deps:
	@test -x /usr/bin/chromium || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

## Debian's PostgreSQL 15 for the several-replica tests (a throwaway cluster per run).
postgres-deps:
	@test -x /usr/lib/postgresql/15/bin/initdb || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq postgresql >/dev/null; }

clean:
	rm -rf $(VENV) .newsdesk
