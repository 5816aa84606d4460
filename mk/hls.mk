# mk/hls.mk - hls_c: the synthesizable-subset check, C simulation against the
# golden model per lane count, and a mutant that must be caught.

HLS_LANES   := 1 2 3 4 8 16
# Deep enough for the test models (dense 256x256 at one lane).
HLS_DEFS    := -DSQ_LG_WD=16 -DSQ_LG_RD=11
HLS_TESTS   := $(foreach p,$(HLS_LANES),$(BUILD)/hls/test_hls_p$(p))
HLS_MUTANT  := $(BUILD)/hls/mutant/sq_hls.c

$(BUILD)/hls/test_hls_p%: tests/hls/test_hls.c hls_c/sq_hls.c hls_c/sq_hls.h $(LIBSPARQ_SAN)
	$(call say,CC-SAN,$@)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_CFLAGS) $(SAN_FLAGS) -Wno-unknown-pragmas -Wno-unused-label -Ihls_c \
	  -DSQ_P=$* $(HLS_DEFS) -o $@ tests/hls/test_hls.c hls_c/sq_hls.c $(LIBSPARQ_SAN) $(LDLIBS)

# Round half *down* instead of up: one LSB on ties, which the test must see.
$(HLS_MUTANT): hls_c/sq_hls.c
	@mkdir -p $(dir $@)
	$(Q)sed 's/(acc + ((int64_t)1 << (shift - 1u))) >> shift/(acc + ((int64_t)1 << (shift - 1u)) - 1) >> shift/' $< > $@
	$(Q)! cmp -s $< $@ || { echo "mutant: the rounding line was not found"; exit 1; }

$(BUILD)/hls/test_hls_mutant: tests/hls/test_hls.c $(HLS_MUTANT) hls_c/sq_hls.h $(LIBSPARQ_SAN)
	$(call say,CC-SAN,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(SAN_FLAGS) -Wno-unknown-pragmas -Wno-unused-label -Ihls_c \
	  -DSQ_P=8 $(HLS_DEFS) -o $@ tests/hls/test_hls.c $(HLS_MUTANT) $(LIBSPARQ_SAN) $(LDLIBS)

.PHONY: test-hls hls-check
hls-check: ## check hls_c stays in the synthesizable C subset
	$(Q)BUILD=$(BUILD) bash scripts/hls/check-subset.sh hls_c/sq_hls.c

# The HLS top of one model: sparq export-hls writes its header.
HLS_TOP_DIR := $(BUILD)/hls/top
$(HLS_TOP_DIR)/sq_hls_model.h: $(BUILD)/bin/sparq
	@mkdir -p $(dir $@)
	$(Q)$(BUILD)/bin/sparq random --layers 4,64,64,2 --sparsity 0.9 --seed 3 -o $(HLS_TOP_DIR)/m.sqm >/dev/null
	$(Q)$(BUILD)/bin/sparq export-hls $(HLS_TOP_DIR)/m.sqm --lanes 8 -o $(HLS_TOP_DIR) >/dev/null

TEST_SUITES += test-hls
test-hls: $(HLS_TESTS) $(BUILD)/hls/test_hls_mutant $(HLS_TOP_DIR)/sq_hls_model.h ## hls_c: subset check, bit-exact vs golden (P=1..16), mutant caught
	$(Q)rc=0; BUILD=$(BUILD) bash scripts/hls/check-subset.sh hls_c/sq_hls.c || rc=1; \
	  BUILD=$(BUILD) HLS_INC=$(HLS_TOP_DIR) bash scripts/hls/check-subset.sh hls_c/sq_hls_top.c || rc=1; \
	  for t in $(HLS_TESTS); do $$t --models 6 --vectors 2000 || rc=1; done; \
	  $(BUILD)/hls/test_hls_mutant --models 3 --vectors 500 --expect-mismatch || rc=1; \
	  exit $$rc

# The hls_c section of docs/benchmarks.md: three-way cosim of r1/r2 at P=8.
BENCH_TARGETS += bench-hls
.PHONY: bench-hls
bench-hls: $(BUILD)/bin/sparq ## hls_c figures: three-way agreement and cycle estimate vs RTL (r1, r2 at P=8)
	$(Q)mkdir -p $(BUILD)/bench-hls; \
	printf '| model | RTL mismatches | hls_c mismatches | RTL cycles | hls_c estimate | estimate / measured |\n'; \
	for s in "r1 4,64,64,2" "r2 6,256,256,3"; do set -- $$s; m=$(BUILD)/bench-hls/$$1.sqm; \
	  $(BUILD)/bin/sparq random --layers $$2 --sparsity 0.9 --wbits 8 --abits 8 --seed 7 -o $$m >/dev/null && \
	  $(BUILD)/bin/sparq cosim $$m --lanes 8 --vectors 2000 --seed 1 --no-stress --json | \
	  jq -r --arg n "$$1 $$2 (random)" '"| \($$n) | \(.mismatches) | \(.hls_mismatches) | \(.cycles_mean) | \(.hls_cycles_estimate) | \((.hls_cycles_estimate / .cycles_mean * 1000 | round) / 1000) |"'; \
	done
