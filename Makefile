# owner-report: the two entry points are `make demo` and `make test`; both install what they need.

SWIFT        ?= swift
CONFIG       ?= debug
BIN          := .build/$(CONFIG)
DEMO_QUEUE   ?= $(CURDIR)/demo-queue
DEBIAN_DEPS  := libcurl4-openssl-dev libsqlite3-dev libinotifytools0-dev libpq-dev python3
PRODUCER     := $(BIN)/owner-report-producer
MCP_CLIENT_VERSION := 2.3.0
TEST_DEPS    := systemd git sqlite3 prometheus-node-exporter prometheus prometheus-alertmanager passwd util-linux dpkg-dev lintian postgresql fuse3 python3-pyfuse3 python3-venv

.PHONY: all build deps test-deps mcp-client lint demo test faults fuzz bench clean release release-programs install uninstall deb

# One version for every program: the string in Version.swift, which --version prints too.
VERSION      := $(shell sed -n 's/.*static let string = "\(.*\)".*/\1/p' Sources/OwnerReportCore/Version.swift)
# One program under five names: each name is a link to owner-report, which it runs as that program.
PROGRAMS     := owner-report-producer owner-report-driver owner-report-watchdog owner-report-archiver owner-report-intake
LINK_PROGRAMS = for p in $(PROGRAMS); do ln -sfn owner-report $(1)/$$p || exit 1; done

# make install: where things go. DESTDIR stages a tree (as make deb does).
PREFIX            ?= /usr/local
DESTDIR           ?=
BINDIR            ?= $(PREFIX)/bin
DATADIR           ?= $(PREFIX)/share
DOCDIR            ?= $(DATADIR)/doc/owner-report
MANDIR            ?= $(DATADIR)/man
SYSTEMD_UNIT_DIR  ?= $(PREFIX)/lib/systemd/system
SYSTEMD_USER_UNIT_DIR ?= $(PREFIX)/lib/systemd/user
TMPFILES_DIR      ?= $(PREFIX)/lib/tmpfiles.d
SYSUSERS_DIR      ?= $(PREFIX)/lib/sysusers.d
BASH_COMPLETION_DIR ?= $(DATADIR)/bash-completion/completions
ZSH_COMPLETION_DIR  ?= $(DATADIR)/zsh/vendor-completions
FISH_COMPLETION_DIR ?= $(DATADIR)/fish/vendor_completions.d
# The Swift runtime linked in, so the programs need only Debian's libraries where they are installed;
# lld packs the ~80,000 relative relocations of a static Swift binary (DT_RELR, glibc >= 2.36), which
# takes about 2 MiB off every program's resident memory at start (docs/design.md §14).
RELEASE_FLAGS     ?= -c release --static-swift-stdlib -Xswiftc -use-ld=lld -Xlinker -z -Xlinker pack-relative-relocs
RELEASE_BIN       := .build/release
MAN_BUILD         := .build/man

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
	@$(call LINK_PROGRAMS,$(BIN))

# The main job on the embedded default: a local queue and the `file` destination, no accounts.
demo: build
	@OWNER_REPORT_BIN=$(BIN) OWNER_REPORT_HOME=$(DEMO_QUEUE) sh examples/demo.sh

# systemd-analyze verifies the units in systemd/; git makes the weekly report's test repositories;
# the sqlite3 CLI edits a ledger behind the archiver's back; Debian's node_exporter and promtool (from
# `prometheus`) read the watchdog's metrics; passwd (useradd) and util-linux (setpriv) make and become
# the submitting users; dpkg-dev and lintian build and check the Debian package; Alertmanager posts
# to the intake and PyPI's standardwebhooks (the reference implementation) signs relayed reports;
# postgresql is the fleet database the fleet tests start (initdb, postgres and psql).
# The SMTP test server is aiosmtpd: from PyPI for whichever python3 is first on PATH, else Debian's package.
# The MCP tests' client is the reference Python SDK (PyPI mcp), in a venv of its own, .venv-test.
test-deps: deps
	@missing=""; for p in $(TEST_DEPS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update -qq; DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing; fi
	@python3 -c 'import aiosmtpd' 2>/dev/null || python3 -m pip install --quiet aiosmtpd \
	  || python3 -m pip install --quiet --break-system-packages aiosmtpd \
	  || { if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; $$SUDO apt-get install -y -qq python3-aiosmtpd; }
	@python3 -c 'import aiosmtpd' || { echo "aiosmtpd is needed by the e-mail tests and could not be installed" >&2; exit 1; }
	@python3 -c 'import standardwebhooks' 2>/dev/null || python3 -m pip install --quiet standardwebhooks \
	  || python3 -m pip install --quiet --break-system-packages standardwebhooks
	@python3 -c 'import standardwebhooks' || { echo "standardwebhooks (PyPI) signs the intake's relay tests and could not be installed" >&2; exit 1; }
	@$(MAKE) --no-print-directory -s mcp-client

# The reference MCP client (PyPI mcp) in a venv of its own: the MCP tests and bench/run drive the server with it.
mcp-client:
	@.venv-test/bin/python -c 'import mcp' 2>/dev/null || { rm -rf .venv-test; \
	  { python3 -m venv .venv-test || /usr/bin/python3 -m venv .venv-test; } && .venv-test/bin/pip install --quiet 'mcp==$(MCP_CLIENT_VERSION)'; }
	@.venv-test/bin/python -c 'import mcp' || { echo "the reference MCP client (PyPI mcp $(MCP_CLIENT_VERSION)) could not be installed in .venv-test" >&2; exit 1; }

# As root, the Debian package's end-to-end test runs first (packaging/test-deb: build, lintian,
# install, an ordinary user's report, purge); the suite's closing line stays the last one printed.
test: test-deps lint
	packaging/test-deb
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

# The style .swift-format declares, kept: any finding fails (make test runs it first).
lint:
	$(SWIFT) format lint --strict -r Sources Tests Package.swift

# The fault suite at full size (kill -9 loops, a flapping sink, two daemons and a watchdog, clock
# jumps, a full disk as root; four lanes killed mid-send, 1,000 reports to a Telegram-limited group;
# 50 runs of Alertmanager posting to an intake killed three times each; power cuts on a disk that
# keeps only what was fsynced, as root); `make test` runs the same scenarios smaller.
faults: test-deps
	$(SWIFT) build --build-tests
	OWNER_REPORT_FAULTS=full $(SWIFT) test --skip-build --filter 'FaultTests|DiskFullTests|IntakeTests/aChainOfTwoQueues|LaneTests|AlertmanagerKillTests|PowerLossTests|CrashPointTests'

# The benchmark tables of docs/benchmarks.md: against Apprise and a Python requests loop (bench/run), and
# the lanes and catch-up digests (bench/lanes).
bench: deps
	bench/run
	bench/lanes

# libFuzzer on the report parser and the Markdown renderers/splitter, FUZZ_SECONDS each (fuzz/run).
FUZZ_SECONDS ?= 60
fuzz: deps
	fuzz/run $(FUZZ_SECONDS)

# The release program and its five links, as make install ships them (the benchmarks measure these).
release-programs: deps
	$(SWIFT) build $(RELEASE_FLAGS)
	@$(call LINK_PROGRAMS,$(RELEASE_BIN))

# The manual pages (swift-argument-parser's generate-manual reads each command's own help: one page
# for owner-report and one per program under its link's name, subcommands included).
release: release-programs
	$(SWIFT) build $(RELEASE_FLAGS) --product generate-manual
	@rm -rf $(MAN_BUILD) && mkdir -p $(MAN_BUILD)
	@for p in owner-report $(PROGRAMS); do \
	  $(RELEASE_BIN)/generate-manual $(RELEASE_BIN)/$$p --section 1 \
	    --date $$(git log -1 --format=%cs 2>/dev/null || date +%F) --authors 'owner-report developers' -o $(MAN_BUILD) || exit 1; \
	done
	@# mdoc wants .Pp, not blank lines, between paragraphs of the commands' discussions.
	@sed -i 's/^$$/.Pp/' $(MAN_BUILD)/*.1

# Installs the programs, units (their paths rewritten for PREFIX), tmpfiles.d and sysusers.d files,
# documentation, manual pages and bash/zsh/fish completions. Enables and starts nothing.
install: release
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SYSTEMD_UNIT_DIR) $(DESTDIR)$(SYSTEMD_USER_UNIT_DIR) \
	  $(DESTDIR)$(TMPFILES_DIR) $(DESTDIR)$(SYSUSERS_DIR) $(DESTDIR)$(DOCDIR)/docs $(DESTDIR)$(DOCDIR)/examples \
	  $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(BASH_COMPLETION_DIR) $(DESTDIR)$(ZSH_COMPLETION_DIR) $(DESTDIR)$(FISH_COMPLETION_DIR)
	install -m 0755 -s $(RELEASE_BIN)/owner-report $(DESTDIR)$(BINDIR)/owner-report
	@$(call LINK_PROGRAMS,$(DESTDIR)$(BINDIR))
	@for p in owner-report $(PROGRAMS); do \
	  $(RELEASE_BIN)/$$p --generate-completion-script bash | sed '1{/^#!/d}' > $(DESTDIR)$(BASH_COMPLETION_DIR)/$$p; \
	  $(RELEASE_BIN)/$$p --generate-completion-script zsh > $(DESTDIR)$(ZSH_COMPLETION_DIR)/_$$p; \
	  $(RELEASE_BIN)/$$p --generate-completion-script fish > $(DESTDIR)$(FISH_COMPLETION_DIR)/$$p.fish; \
	done
	install -m 0644 $(MAN_BUILD)/*.1 $(DESTDIR)$(MANDIR)/man1/
	@for f in systemd/system/*; do \
	  sed -e 's|/usr/local/bin/|$(BINDIR)/|g' -e 's|/usr/local/share/doc/owner-report|$(DOCDIR)|g' $$f \
	    > $(DESTDIR)$(SYSTEMD_UNIT_DIR)/$$(basename $$f); chmod 0644 $(DESTDIR)$(SYSTEMD_UNIT_DIR)/$$(basename $$f); \
	done
	@for f in systemd/user/*; do \
	  install -m 0644 $$f $(DESTDIR)$(SYSTEMD_USER_UNIT_DIR)/$$(basename $$f); \
	done
	install -m 0644 queue-layout/owner-report.conf $(DESTDIR)$(TMPFILES_DIR)/owner-report.conf
	install -m 0644 packaging/owner-report.sysusers $(DESTDIR)$(SYSUSERS_DIR)/owner-report.conf
	install -m 0644 README.md $(DESTDIR)$(DOCDIR)/README.md
	install -m 0644 docs/*.md $(DESTDIR)$(DOCDIR)/docs/
	install -m 0644 packaging/config.toml examples/* $(DESTDIR)$(DOCDIR)/examples/
	@echo "installed owner-report $(VERSION) under $(DESTDIR)$(PREFIX); next: docs/operator-manual.md, section 1"

uninstall:
	rm -f $(addprefix $(DESTDIR)$(BINDIR)/,owner-report $(PROGRAMS))
	rm -f $(DESTDIR)$(SYSTEMD_UNIT_DIR)/owner-report-* $(DESTDIR)$(SYSTEMD_USER_UNIT_DIR)/owner-report-*
	rm -f $(DESTDIR)$(TMPFILES_DIR)/owner-report.conf $(DESTDIR)$(SYSUSERS_DIR)/owner-report.conf
	rm -f $(DESTDIR)$(MANDIR)/man1/owner-report.1 $(DESTDIR)$(MANDIR)/man1/owner-report-*.1
	rm -f $(addprefix $(DESTDIR)$(BASH_COMPLETION_DIR)/,owner-report $(PROGRAMS))
	rm -f $(addprefix $(DESTDIR)$(ZSH_COMPLETION_DIR)/_,owner-report $(PROGRAMS))
	rm -f $(addsuffix .fish,$(addprefix $(DESTDIR)$(FISH_COMPLETION_DIR)/,owner-report $(PROGRAMS)))
	rm -rf $(DESTDIR)$(DOCDIR)

# A Debian package of the system flavour: make deb, then dpkg -i build-deb/owner-report_*.deb.
deb: deps
	packaging/build-deb

clean:
	rm -rf .build demo-queue build-deb
