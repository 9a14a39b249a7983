# closelab — build, run and test on a Debian machine with Swift 6 on PATH.
#
#   make run     install what is missing, build in release mode, start the prompt
#   make test    install what is missing, run the whole test suite
#   make bench   the benchmarks (see BENCHMARKS.md)
#
# Packages are installed without prompts and only when missing; `sudo` is used only when not
# root (it is not on every machine).

SWIFT    ?= swift
SUDO     := $(shell [ "$$(id -u)" = 0 ] || echo sudo env DEBIAN_FRONTEND=noninteractive)
# libedit-dev: the prompt's line editor; pkg-config: SwiftPM finds libedit through it;
# tmux: the test that drives the real prompt through a pseudo-terminal; tshark: the test that
# opens `trace --pcap` captures (its wireshark-common asks a question unless DEBIAN_FRONTEND is set).
RUN_DEPS  := libedit-dev pkg-config
TEST_DEPS := $(RUN_DEPS) tmux tshark
RELEASE_FLAGS := -c release --static-swift-stdlib

BENCH_DEPS := hyperfine sqlite3 time python3

PREFIX ?= /usr/local

.PHONY: run test build release deps test-deps bench fuzz install clean

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

test: test-deps
	$(SWIFT) test

bench: release
	$(call install,$(BENCH_DEPS))
	cd Benchmarks/hello && $(SWIFT) build $(RELEASE_FLAGS)
	python3 Benchmarks/bench.py

fuzz: test-deps
	FUZZ_ITERATIONS=200000 $(SWIFT) test --filter FuzzTests

install: release
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 .build/release/closelab $(DESTDIR)$(PREFIX)/bin/closelab
	install -m 644 closelab.1 $(DESTDIR)$(PREFIX)/share/man/man1/closelab.1

clean:
	rm -rf .build
