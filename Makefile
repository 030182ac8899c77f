# aimc — analogue in-memory-compute simulator.
#   make run    set up, build and run the main job (Experiments/fashion-mlp-pcm.yaml)
#   make test   set up, build and run the test suite (with the Slurm test, make test-slurm)
#   make bench  measure the simulator's speed on this machine (BENCHMARKS.md)
# Set-up installs the missing Debian packages (with sudo when not root).

SWIFT        ?= swift
CONFIG       ?= Experiments/fashion-mlp-pcm.yaml
APT_PACKAGES := pkg-config libopenblas-dev libfftw3-dev zlib1g-dev dataset-fashion-mnist python3 python3-numpy ngspice
SUDO         := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
AIMC         := .build/release/aimc

.PHONY: all setup build run test test-slurm bench keys clean

all: build

setup:
	@missing=""; \
	for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "make setup: installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi
	@command -v $(SWIFT) >/dev/null 2>&1 || { echo "make setup: '$(SWIFT)' not found; install a Swift 6 toolchain (swift.org) and put it on PATH"; exit 1; }

build: setup
	$(SWIFT) build -c release --product aimc

run: build
	$(AIMC) run $(CONFIG)

# The Slurm test (a sweep as a job array on a one-node cluster started here, ~15 s) runs
# first, so that the swift test summary closes the output.
test: setup test-slurm
	$(SWIFT) build -c release --build-tests
	$(SWIFT) test -c release --skip-build

test-slurm: build
	$(SUDO) env PATH="$$PATH" bash Tests/slurm/sweep-on-slurm.sh

# Speed on this machine: sgemm ceiling, digital and analogue inference, drift evaluation,
# IR drop, scaling (see BENCHMARKS.md). Figures, never asserted by tests.
bench: build
	$(AIMC) bench $(CONFIG)

keys: build
	$(AIMC) keys --markdown

clean:
	rm -rf .build
