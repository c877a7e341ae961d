# sampan entry points. `make run` and `make test` do all set-up on a fresh Debian machine.
BUILD      ?= build
STATIC_DIR ?= build/static
JOBS       ?= $(shell nproc)
DATA_DIR   ?= /var/lib/sampan
RUN_ARGS   ?=
# ccache hits across clones (CI builds a fresh clone in another folder).
export CCACHE_BASEDIR  := $(CURDIR)
export CCACHE_NOHASHDIR := 1

.PHONY: all build deps test test-vm run static bench install clean format fuzz

all: build

$(BUILD)/build.ninja:
	@command -v cmake >/dev/null && command -v ninja >/dev/null || scripts/deps.sh
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo

build: $(BUILD)/build.ninja
	cmake --build $(BUILD) -j$(JOBS)

deps:
	scripts/deps.sh

test: build
	test/run_tests.sh $(BUILD)

# The container runtime on cgroup v2: a Debian kernel under qemu (also part of `make test`).
test-vm: build
	test/vm/run_vm.sh $(BUILD)/sampan $(BUILD)/vm

run: deps build
	$(BUILD)/sampan server --data-dir $(DATA_DIR) $(RUN_ARGS)

static:
	cmake -S . -B $(STATIC_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Release -DSAMPAN_STATIC=ON -DSAMPAN_TESTS=OFF
	cmake --build $(STATIC_DIR) -j$(JOBS) --target sampan
	@file $(STATIC_DIR)/sampan | grep -q 'statically linked' || (echo "not static" && false)
	@echo "static binary: $(STATIC_DIR)/sampan $$(stat -c %s $(STATIC_DIR)/sampan) bytes ($$(du -h $(STATIC_DIR)/sampan | cut -f1))"

bench: build
	@for b in $(BUILD)/bench/bench_*; do echo "== $$b"; $$b || exit 1; done

bench-%: build
	$(BUILD)/bench/bench_$*

# libFuzzer targets (test/fuzz), clang + ASan, each run for FUZZ_SECONDS.
FUZZ_DIR     ?= build/fuzz
FUZZ_SECONDS ?= 60
fuzz:
	CC=clang CXX=clang++ cmake -S . -B $(FUZZ_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSAMPAN_FUZZ=ON
	cmake --build $(FUZZ_DIR) -j$(JOBS) --target $$(cd test/fuzz && ls *_fuzz.cc | sed 's/\(.*\)_fuzz.cc/fuzz_\1/')
	@for f in $(FUZZ_DIR)/fuzz/fuzz_*; do echo "== $$f"; mkdir -p $(FUZZ_DIR)/corpus/$$(basename $$f); \
	  $$f -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=1024 $(FUZZ_DIR)/corpus/$$(basename $$f) || exit 1; done

install: static
	install -m 0755 $(STATIC_DIR)/sampan /usr/local/bin/sampan

format:
	clang-format -i $$(git ls-files '*.cc' '*.h')

clean:
	rm -rf $(BUILD)
