# Mami — the two commands a newcomer needs: `make run` and `make test`.
SWIFT ?= swift
# Suites that measure how fast a service notices a stall (watchdog gaps, GPU hand-over deadlines) and
# the wire test that a call to a down peer fails at once run after the rest, alone: beside the parallel
# suites (real processes, a real LLM and sentence encoder on 2 cores) their bounds would measure the
# machine's load instead.
TIMING_SUITES := SupervisionTests|GPUTests|aDownPeerFailsFast
SYSTEM_PACKAGES := libsqlite3-dev zlib1g-dev libcurl4-openssl-dev libsystemd-dev pkg-config systemd curl procps python3-venv poppler-utils chromium chromium-driver

.PHONY: deps build run test web-test load-test e2e systemd-test bench soak verify-units clean

## deps: install the Debian packages the build and tests need, when missing.
deps:
	@scripts/install-deps.sh $(SYSTEM_PACKAGES)
	@scripts/install-python-tools.sh

## build: debug build of every executable.
build: deps
	$(SWIFT) build

## run: the development stack in the foreground (state under ./var, Ctrl-C stops it).
run: build
	scripts/dev-run.sh

## test: every test (unit, wire, real processes, the end-to-end fault matrix, and the real-systemd test when root),
## then the load tests again against a release build.
test: build
	$(SWIFT) test --skip '$(TIMING_SUITES)'
	$(SWIFT) test --skip-build --filter '$(TIMING_SUITES)'
	scripts/web-test.sh
	scripts/verify-units.sh
	scripts/systemd-test.sh
	scripts/release-load-test.sh

## web-test: the web client in a real headless Chromium against the real stack (screenshots in .build/screenshots).
web-test: build
	scripts/web-test.sh

## load-test: the gateway load tests against a release build of the services.
load-test: deps
	scripts/release-load-test.sh

## e2e: the end-to-end fault matrix alone (real processes, mami-sim).
e2e: build
	$(SWIFT) test --filter EndToEndTests

## systemd-test: the deploy/systemd units under a real systemd as PID 1 in private namespaces (root only).
systemd-test: build
	scripts/systemd-test.sh

## bench: wire round trips and throughput against the raw-socket floor; updates BENCHMARKS.md.
bench: deps
	scripts/bench.sh

## soak: each service's resident memory under a mixed load (SOAK_MINUTES, default 30; not in CI).
soak: deps
	scripts/soak.sh

## verify-units: systemd-analyze verify on deploy/systemd.
verify-units: build
	scripts/verify-units.sh

clean:
	rm -rf .build var Benchmarks/floor/bin
