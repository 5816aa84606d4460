# sparq - one entry point. `make help` lists every target.
# Each area keeps its rules in mk/<area>.mk; this file holds tools, flags and
# the targets that span areas.

# ---- tools and settings -------------------------------------------------------
BUILD      ?= build
CC         ?= gcc
CXX        ?= g++
CLANG      ?= clang
PYTHON     ?= python3
VERILATOR  ?= verilator
IVERILOG   ?= iverilog
YOSYS      ?= yosys
BOARD      ?= icebreaker
MODEL      ?=
SEED       ?= 7
JOBS       ?= 2

# The one strict warning list.
WARNS      := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
              -Wpointer-arith -Wformat=2 -Wno-unused-parameter
CSTD       := -std=c11 -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L
CFLAGS     ?= -O2 -g
ALL_CFLAGS := $(CSTD) $(WARNS) $(CFLAGS) -Ihost
SAN_FLAGS  := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
LDLIBS     := -lm

# Quiet by default; V=1 shows full commands.
ifeq ($(V),1)
Q :=
say = @true
else
Q := @
say = @printf '  %-8s %s\n' $(1) $(2)
endif

.DEFAULT_GOAL := help
.PHONY: help deps demo test test-suites clean all bench

# Test suites register themselves: TEST_SUITES += test-foo (in their mk file).
# Benchmarks likewise: BENCH_TARGETS += bench-foo.
TEST_SUITES :=
BENCH_TARGETS :=

# The host library, named here: mk/cosim.mk, mk/hls.mk and others sort before
# mk/host.mk and list it as a prerequisite (expanded as their rules are read),
# so a harness relinks when the library changes.
LIBSPARQ     := $(BUILD)/lib/libsparq.a
LIBSPARQ_SAN := $(BUILD)/lib/libsparq-san.a

include $(sort $(wildcard mk/*.mk))

# ---- cross-area targets -------------------------------------------------------
help: ## list every target
	@printf 'sparq targets (variables: BOARD=%s MODEL=... SEED=%s V=1)\n\n' '$(BOARD)' '$(SEED)'
	@grep -hE '^[a-zA-Z0-9_%./-]+:.*## ' $(MAKEFILE_LIST) | \
	  sed -E 's/^([^:]+):.*## (.*)$$/\1\t\2/' | sort -u | \
	  awk -F'\t' '{ printf "  make %-18s %s\n", $$1, $$2 }'

deps: ## install every tool sparq needs (apt-get + pip, idempotent)
	$(Q)bash scripts/install-deps.sh

all: $(BUILD)/bin/sparq ## build the host tools

test: deps ## the whole test suite (ends with "N passed, N failed")
	$(Q)bash scripts/run-tests.sh $(TEST_SUITES)

bench: deps $(BENCH_TARGETS) ## regenerate every figure of docs/benchmarks.md

test-suites: ## list the test suites `make test` runs
	@echo $(TEST_SUITES)

clean: ## remove build/
	rm -rf $(BUILD)
