# aimc — analogue in-memory-compute simulator.
#   make run    set up, build and run the main job (Experiments/fashion-mlp-pcm.yaml)
#   make test   set up, build and run the test suite (with the Slurm test, make test-slurm, and the
#               hostile-input corpus, make test-hostile)
#   make fuzz   libFuzzer over the file parsers, FUZZ_SECONDS per parser (Fuzz/README.md)
#   make bench  measure the simulator's speed on this machine (BENCHMARKS.md)
#   make python build libaimc_c and install the Python package (python/) for /usr/bin/python3
#   make lint   swift-format findings of Sources and Tests (.swift-format)
# Set-up installs the missing Debian packages (with sudo when not root).

SWIFT        ?= swift
CONFIG       ?= Experiments/fashion-mlp-pcm.yaml
APT_PACKAGES := pkg-config libopenblas-dev libfftw3-dev zlib1g-dev dataset-fashion-mnist python3 python3-numpy python3-sklearn ngspice \
                python3-pytest python3-matplotlib python3-pandas python3-torch python3-setuptools python3-pip chromium
SUDO         := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
AIMC         := .build/release/aimc
# Debian's python3-* packages serve /usr/bin/python3, not a python3 earlier on PATH.
PYTHON       ?= /usr/bin/python3
LIBAIMC      := .build/release/libaimc_c.so
PYENV        := AIMC_LIBRARY=$(CURDIR)/$(LIBAIMC) PYTHONPATH=$(CURDIR)/python$${PYTHONPATH:+:$$PYTHONPATH}

.PHONY: all setup build run test test-slurm test-hostile test-python python bench bench-record keys lint clean fuzz

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
	$(SWIFT) build -c release --product aimc_c
	@mkdir -p python/aimc/_lib && cp $(LIBAIMC) Sources/CAIMC/include/aimc.h python/aimc/_lib/ && \
	  rm -rf python/aimc/Circuits && cp -r Circuits python/aimc/Circuits

# The Python package (python/) for /usr/bin/python3: NumPy, pandas, matplotlib and torch from
# Debian, so no dependency is fetched (--no-deps, --no-build-isolation); Debian marks its
# Python externally managed (PEP 668), hence --break-system-packages where pip knows it.
python: build
	$(PYTHON) -m pip install --no-deps --no-build-isolation --no-index -q \
	  $$($(PYTHON) -m pip install --help | grep -q -- --break-system-packages && echo --break-system-packages) ./python
	@cd /tmp && $(PYTHON) -c 'import aimc; print("aimc", aimc.__version__, "installed for $(PYTHON):", aimc.library_path)'

run: build
	$(AIMC) run $(CONFIG)

# The Slurm test (a sweep as a job array on a one-node cluster started here, ~15 s) runs
# first, so that the swift test summary closes the output.
# Networks trained by the tests are cached in .build/test-weights-cache, not in the user's
# cache folder (~/.cache/aimc/weights, which make run uses).
TEST_CACHE   := $(CURDIR)/.build/test-weights-cache
test: setup test-slurm test-hostile
	$(SWIFT) build -c release --build-tests
	AIMC_CACHE_DIR=$(TEST_CACHE) $(SWIFT) test -c release --skip-build
	@AIMC_CACHE_DIR=$(TEST_CACHE) $(MAKE) --no-print-directory test-python

# The pytest suite of python/tests against the library just built (exit status 5, no tests
# collected, is a failure: the suite is part of the checkout).
test-python: build
	@$(PYENV) $(PYTHON) -m pytest -q -p no:cacheprovider python/tests; rc=$$?; \
	if [ $$rc = 5 ]; then echo "make test-python: pytest collected no tests in python/tests"; exit 1; fi; exit $$rc

# The hostile-input corpus (Tests/hostile): 383 bad files, flags and values, each
# refused with a first line naming the problem, no crash and no file left, and 11 Ctrl-Cs
# during loading, training, evaluation and sweeps, each stopping at a safe point (~90 s).
test-hostile: build
	PYTHON=$(PYTHON) bash Tests/hostile/bad-inputs.sh $(AIMC)

test-slurm: build
	$(SUDO) env PATH="$$PATH" bash Tests/slurm/sweep-on-slurm.sh

# Coverage-guided fuzzing (libFuzzer, swiftc -sanitize=fuzzer) of the YAML, IDX, .npy, .npz and
# .safetensors parsers, FUZZ_SECONDS each, from the committed seeds in Fuzz/corpus; new inputs
# go to .build-fuzz/corpus/<target>, crashes to .build-fuzz/crash-<target>-*. Exits non-zero
# on a finding.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= yaml idx npy npz safetensors
fuzz: setup
	AIMC_FUZZ=1 $(SWIFT) build -c release --scratch-path .build-fuzz -Xswiftc -sanitize=fuzzer --product aimc-fuzz
	@status=0; for t in $(FUZZ_TARGETS); do \
	  mkdir -p .build-fuzz/corpus/$$t; \
	  echo "make fuzz: $$t for $(FUZZ_SECONDS) s"; \
	  AIMC_FUZZ_TARGET=$$t AIMC_MEMORY_LIMIT=512M SWIFT_BACKTRACE=enable=no .build-fuzz/release/aimc-fuzz .build-fuzz/corpus/$$t Fuzz/corpus/$$t \
	    -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=2048 -max_len=65536 -timeout=10 -print_final_stats=1 \
	    -artifact_prefix=.build-fuzz/crash-$$t- 2> .build-fuzz/fuzz-$$t.log || status=1; \
	  grep -E "stat::number_of_executed_units|stat::peak_rss_mb|^==.*ERROR|SUMMARY|Fatal error|DONE|Test unit written" .build-fuzz/fuzz-$$t.log | sed "s/^/  $$t: /"; \
	done; exit $$status

# Speed on this machine: sgemm ceiling, digital and analogue inference, drift evaluation,
# IR drop, scaling (see BENCHMARKS.md). Figures, never asserted by tests.
bench: build
	$(AIMC) bench $(CONFIG)

# The same, kept: the run's `aimc bench --json` is filed under Benchmarks/records/ and the
# per-CPU tables of BENCHMARKS.md are rewritten from every record (THREADS=1 for one thread;
# OPENBLAS_CORETYPE=… to measure another OpenBLAS kernel).
THREADS ?= 2
bench-record: build
	@mkdir -p results
	$(AIMC) bench $(CONFIG) --threads $(THREADS) --json > results/bench-record.json
	/usr/bin/python3 Tools/bench_table.py --record results/bench-record.json

keys: build
	$(AIMC) keys --markdown

# Style findings of swift-format (the toolchain's `swift format`, settings in .swift-format);
# a report, not a gate: it never fails the build.
lint:
	$(SWIFT) format lint --recursive Sources Tests 2>&1 | tail -n 40; \
	  echo "make lint: $$($(SWIFT) format lint --recursive Sources Tests 2>&1 | grep -c warning) findings (settings: .swift-format)"

clean:
	rm -rf .build python/aimc/_lib python/aimc/Circuits python/build python/*.egg-info
