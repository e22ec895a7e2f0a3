# edgetop: two commands set everything up on a fresh Debian/Ubuntu machine.
#   make run   system packages, .venv, install, start edgetop on this machine
#   make test  test packages too, then the whole suite
#   make dist  the offline install bundle for nodes without network, in dist/
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# Needed to build libvirt-python.
APT_RUN := libvirt-dev pkg-config gcc python3-venv
# `make dist`: git gives setuptools-scm the version from the tag.
APT_DIST := $(APT_RUN) git
# tests/packaging: man -l on the page, systemd-analyze verify on the units (a plain
# command, never PID 1), the completions loaded by bash-completion and zsh.
APT_PACKAGING := man-db groff-base systemd bash-completion zsh
# Real daemons and tools the test suite drives (DESIGN §9 level 4).
APT_TEST := snmpd snmp chrony libvirt-daemon libvirt-clients libvirt-daemon-driver-qemu \
            qemu-system-x86 qemu-utils iproute2 tmux linuxptp python3 util-linux e2fsprogs console-setup-linux \
            prometheus prometheus-node-exporter prometheus-libvirt-exporter \
            $(APT_DIST) $(APT_PACKAGING)

.PHONY: run test demo bench screenshots dist deps deps-test deps-dist lint typecheck clean

run: deps
	$(VENV)/bin/edgetop

demo: deps
	$(VENV)/bin/edgetop --demo

test: deps-test
	$(VENV)/bin/ruff check edgetop tests benchmarks tools
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports
	$(PY) -m pytest -q -p no:cacheprovider

lint: deps-test
	$(VENV)/bin/ruff check edgetop tests benchmarks tools
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

bench: deps-test
	$(PY) benchmarks/run.py

screenshots: deps-test
	$(PY) tools/screenshots.py

# Build on the distribution and architecture of the nodes (the wheels are for this
# machine's Python and CPU); packaging/build-bundle.sh says what the bundle holds.
dist: deps-dist
	PYTHON=$(PYTHON) DEV_PYTHON=$(PY) packaging/build-bundle.sh dist

deps:
	@scripts/ensure-packages.sh $(APT_RUN)
	@scripts/ensure-venv.sh $(PYTHON) $(VENV) .
	@# An editable install ships no bytecode; where PYTHONDONTWRITEBYTECODE is set every
	@# start would recompile edgetop (~0.15 s). A wheel install compiles at install time.
	@$(PY) -m compileall -q edgetop

deps-test:
	@scripts/ensure-packages.sh $(APT_RUN) $(APT_TEST)
	@scripts/ensure-venv.sh $(PYTHON) $(VENV) '.[dev]'

# The generators of the man page and completions need shtab (a dev dependency).
deps-dist:
	@scripts/ensure-packages.sh $(APT_DIST)
	@scripts/ensure-venv.sh $(PYTHON) $(VENV) '.[dev]'

clean:
	rm -rf $(VENV) build dist *.egg-info
