# owner-report: the two entry points are `make demo` and `make test`; both install what they need.

SWIFT        ?= swift
CONFIG       ?= debug
BIN          := .build/$(CONFIG)
DEMO_QUEUE   ?= $(CURDIR)/demo-queue
DEBIAN_DEPS  := libcurl4-openssl-dev libsqlite3-dev libinotifytools0-dev python3
PRODUCER     := $(BIN)/owner-report-producer

.PHONY: all build deps demo test clean

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

test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

clean:
	rm -rf .build demo-queue
