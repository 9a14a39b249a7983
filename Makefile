# closelab — build, run and test on a Debian machine with Swift 6 on PATH.
#
#   make run     install what is missing, build in release mode, start the prompt
#   make test    install what is missing, run the whole test suite
#   make generate  regenerate the Swift files made from docs/rules.md and Lessons/*.lab
#   make bench   the benchmarks (see BENCHMARKS.md)
#
# Packages are installed without prompts and only when missing; `sudo` is used only when not
# root (it is not on every machine).

SWIFT    ?= swift
SUDO     := $(shell [ "$$(id -u)" = 0 ] || echo sudo env DEBIAN_FRONTEND=noninteractive)
# libedit-dev: the prompt's line editor; pkg-config: SwiftPM finds libedit through it;
# tmux: the test that drives the real prompt through a pseudo-terminal; tshark: the test that
# opens `trace --pcap` captures (its wireshark-common asks a question unless DEBIAN_FRONTEND is set);
# python3: the generators, which a test runs with --check to prove the generated files are current.
RUN_DEPS  := libedit-dev pkg-config
TEST_DEPS := $(RUN_DEPS) tmux tshark python3
GEN_DEPS  := python3
RELEASE_FLAGS := -c release --static-swift-stdlib

# hyperfine: startup figures; sqlite3: the reference; time (GNU time): each run's peak memory;
# python3: Benchmarks/bench.py, which times the rest itself, closelab and the reference alternately.
BENCH_DEPS := hyperfine sqlite3 time python3

PREFIX ?= /usr/local

.PHONY: run test build release deps test-deps generate bench fuzz install clean

define install
	@for p in $(1); do \
	  dpkg -s $$p >/dev/null 2>&1 || { $(SUDO) apt-get update && $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $$p; } || exit 1; \
	done
endef

deps:
	$(call install,$(RUN_DEPS))

test-deps:
	$(call install,$(TEST_DEPS))

release: deps
	$(SWIFT) build $(RELEASE_FLAGS)

run: release
	./.build/release/closelab

build: deps
	$(SWIFT) build

# scripts/run-tests: `swift test`, with what failed repeated at the end of its output.
test: test-deps
	SWIFT=$(SWIFT) scripts/run-tests

# The generated files are committed; `scripts/gen-rules.py --check` and `scripts/gen-lessons.py
# --check` (run by the test suite and CI) fail when one is out of date.
generate:
	$(call install,$(GEN_DEPS))
	python3 scripts/gen-rules.py
	python3 scripts/gen-lessons.py

# Exits 1 when a target is missed (BENCHMARKS.md says which are, and why). BENCH_RUNS=20 for
# more pairs; BENCH_ONLY=teaching (startup quiet million tables scale teaching) for one section.
bench: release
	$(call install,$(BENCH_DEPS))
	cd Benchmarks/hello && $(SWIFT) build $(RELEASE_FLAGS)
	python3 Benchmarks/bench.py

fuzz: test-deps
	FUZZ_ITERATIONS=200000 PROPERTY_STEPS=20000 $(SWIFT) test --filter "FuzzTests|PropertyTests"

install: release
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 .build/release/closelab $(DESTDIR)$(PREFIX)/bin/closelab
	install -m 644 closelab.1 $(DESTDIR)$(PREFIX)/share/man/man1/closelab.1

clean:
	rm -rf .build
