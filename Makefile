# owner-report: the two entry points are `make demo` and `make test`; both install what they need.

SWIFT        ?= swift
CONFIG       ?= debug
BIN          := .build/$(CONFIG)
DEMO_QUEUE   ?= $(CURDIR)/demo-queue
DEBIAN_DEPS  := libcurl4-openssl-dev libsqlite3-dev libinotifytools0-dev python3
PRODUCER     := $(BIN)/owner-report-producer
TEST_DEPS    := systemd git sqlite3 prometheus-node-exporter prometheus passwd util-linux

.PHONY: all build deps test-deps demo test faults fuzz bench clean

all: build

# Installs the Debian packages the build links against, only when one is missing.
deps:
	@missing=""; for p in $(DEBIAN_DEPS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

build: deps
	$(SWIFT) build -c $(CONFIG)

# The main job on the embedded default: a local queue and the `file` destination, no accounts.
demo: build
	@OWNER_REPORT_BIN=$(BIN) OWNER_REPORT_HOME=$(DEMO_QUEUE) sh examples/demo.sh

# systemd-analyze verifies the units in systemd/; git makes the weekly report's test repositories;
# the sqlite3 CLI edits a ledger behind the archiver's back; Debian's node_exporter and promtool (from
# `prometheus`) read the watchdog's metrics; passwd (useradd) and util-linux (setpriv) make and become
# the submitting users; dpkg-dev and lintian build and check the Debian package.
# The SMTP test server is aiosmtpd: from PyPI for whichever python3 is first on PATH, else Debian's package.
test-deps: deps
	@missing=""; for p in $(TEST_DEPS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update -qq; DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing; fi
	@python3 -c 'import aiosmtpd' 2>/dev/null || python3 -m pip install --quiet aiosmtpd \
	  || python3 -m pip install --quiet --break-system-packages aiosmtpd \
	  || { if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; $$SUDO apt-get install -y -qq python3-aiosmtpd; }
	@python3 -c 'import aiosmtpd' || { echo "aiosmtpd is needed by the e-mail tests and could not be installed" >&2; exit 1; }

test: test-deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

# The fault suite at full size (kill -9 loops, a flapping sink, two daemons and a watchdog, clock
# jumps, a full disk as root); `make test` runs the same scenarios smaller.
faults: test-deps
	$(SWIFT) build --build-tests
	OWNER_REPORT_FAULTS=full $(SWIFT) test --skip-build --filter 'FaultTests|DiskFullTests'

# The benchmark table of the README, against Apprise and a Python requests loop (bench/run).
bench: deps
	bench/run

# libFuzzer on the report parser and the Markdown renderers/splitter, FUZZ_SECONDS each (fuzz/run).
FUZZ_SECONDS ?= 60
fuzz: deps
	fuzz/run $(FUZZ_SECONDS)

clean:
	rm -rf .build demo-queue
