# mk/fuzz.mk - libFuzzer targets (tests/fuzz/fuzz_<name>.c), built with clang
# under ASan + UBSan from the library sources directly (the objects in
# build/san are gcc-built).
#
# Adding a target: drop tests/fuzz/fuzz_<name>.c (defining
# LLVMFuzzerTestOneInput). Optional, in any mk file:
#   FUZZ_SOURCES_<name> := the host/*.c it needs (default: every host/*.c)
#   a rule for $(BUILD)/fuzz/seeds/<name>/.stamp that fills that folder with
#   generated seeds (default: none)
# and crashers kept as tests/fuzz/regressions/<name>/<file> are replayed by
# `make test-fuzz` and fed to every fuzzing run.

FUZZ_SECONDS      ?= 300
FUZZ_TEST_SECONDS ?= 20
FUZZ_SRCS   := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_NAMES  := $(FUZZ_SRCS:tests/fuzz/fuzz_%.c=%)
FUZZ_BINS   := $(FUZZ_NAMES:%=$(BUILD)/fuzz/bin/fuzz_%)
FUZZ_HOST   := $(sort $(wildcard host/*.c))
FUZZ_CFLAGS := $(CSTD) $(WARNS) -O1 -g -Ihost -Itests/unit \
               -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
               -fno-omit-frame-pointer
FUZZ_RUN_FLAGS := -timeout=10 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1

# SQM_SRCS, SQM_HDRS and MKBAD (the .sqm test-file writer) come from
# mk/cli-tests.mk, which the Makefile reads first.
FUZZ_SOURCES_sqm := $(SQM_SRCS)

$(BUILD)/fuzz/seeds/sqm/.stamp: $(MKBAD)
	@rm -rf $(dir $@) && mkdir -p $(dir $@)
	$(Q)$(MKBAD) --seeds $(dir $@) && touch $@

# Targets without a seed generator start from an empty folder.
$(BUILD)/fuzz/seeds/%/.stamp:
	@mkdir -p $(dir $@) && touch $@

define FUZZ_RULE
$(BUILD)/fuzz/bin/fuzz_$(1): tests/fuzz/fuzz_$(1).c $(or $(FUZZ_SOURCES_$(1)),$(FUZZ_HOST)) $(wildcard host/*.h tests/unit/*.h)
	$$(call say,CLANG,$$@)
	@mkdir -p $$(dir $$@)
	$$(Q)$$(CLANG) $$(FUZZ_CFLAGS) -o $$@ $$< $(or $(FUZZ_SOURCES_$(1)),$(FUZZ_HOST)) $$(LDLIBS)
endef
$(foreach n,$(FUZZ_NAMES),$(eval $(call FUZZ_RULE,$(n))))

.PHONY: fuzz test-fuzz fuzz-bins
fuzz-bins: $(FUZZ_BINS) $(FUZZ_NAMES:%=$(BUILD)/fuzz/seeds/%/.stamp) ## build the libFuzzer targets and their seeds

# One target after the other; each keeps a growing corpus in build/fuzz/corpus/<name>
# and writes crashers to build/fuzz/artifacts/<name>/ (copy them to
# tests/fuzz/regressions/<name>/ once fixed).
fuzz: fuzz-bins ## fuzz every tests/fuzz/fuzz_*.c target for FUZZ_SECONDS (300) each
	$(Q)rc=0; for n in $(FUZZ_NAMES); do \
	  mkdir -p $(BUILD)/fuzz/corpus/$$n $(BUILD)/fuzz/artifacts/$$n tests/fuzz/regressions/$$n; \
	  echo "fuzz_$$n: $(FUZZ_SECONDS) s"; \
	  $(BUILD)/fuzz/bin/fuzz_$$n $(FUZZ_RUN_FLAGS) -max_total_time=$(FUZZ_SECONDS) \
	    -artifact_prefix=$(BUILD)/fuzz/artifacts/$$n/ $(BUILD)/fuzz/corpus/$$n \
	    $(BUILD)/fuzz/seeds/$$n tests/fuzz/regressions/$$n || rc=1; \
	done; exit $$rc

TEST_SUITES += test-fuzz
# Each target is built in the loop, so one that does not build fails alone.
test-fuzz: ## replay fuzz regressions, then fuzz each target FUZZ_TEST_SECONDS (20)
	$(Q)rc=0; for n in $(FUZZ_NAMES); do \
	  bin=$(BUILD)/fuzz/bin/fuzz_$$n; work=$(BUILD)/fuzz/test/$$n; log=$$work.log; \
	  if ! $(MAKE) -s --no-print-directory $$bin $(BUILD)/fuzz/seeds/$$n/.stamp; then \
	    echo "FAIL: fuzz_$$n (does not build)"; rc=1; continue; fi; \
	  rm -rf $$work && mkdir -p $$work $(BUILD)/fuzz/artifacts/$$n; \
	  regs=$$(find tests/fuzz/regressions/$$n -type f 2>/dev/null | sort); \
	  if [ -n "$$regs" ]; then \
	    if $$bin $$regs > $$log 2>&1; then echo "PASS: fuzz_$${n}_regressions ($$(echo $$regs | wc -w) files)"; \
	    else tail -n 30 $$log; echo "FAIL: fuzz_$${n}_regressions"; rc=1; fi; \
	  fi; \
	  if $$bin $(FUZZ_RUN_FLAGS) -max_total_time=$(FUZZ_TEST_SECONDS) \
	       -artifact_prefix=$(BUILD)/fuzz/artifacts/$$n/ $$work $(BUILD)/fuzz/seeds/$$n \
	       $$( [ -d tests/fuzz/regressions/$$n ] && echo tests/fuzz/regressions/$$n ) > $$log 2>&1; then \
	    echo "PASS: fuzz_$$n ($$(sed -n 's/^stat::number_of_executed_units: *//p' $$log) runs in $(FUZZ_TEST_SECONDS) s)"; \
	  else tail -n 40 $$log; echo "FAIL: fuzz_$$n (crasher in $(BUILD)/fuzz/artifacts/$$n/)"; rc=1; fi; \
	done; exit $$rc
