# mk/compress.mk - pruning, quantization and the compression pipeline
# (host/prune.c, quantize.c, compress.c; sparq compress and sparq sweep).
# Their unit tests (tests/unit/test_prune.c, test_quantize.c,
# test_compress.c) run in test-unit; this file adds the optimization flags of
# the distillation loops and the compression figures.

$(BUILD)/obj/host/compress.o $(BUILD)/obj/host/prune.o: ALL_CFLAGS += -O3

.PHONY: bench-compress compress-r1
BENCH_TARGETS += bench-compress
bench-compress: $(BUILD)/bin/sparq ## compression figures: R1 (R2/R3 if shipped) at 90%/8-bit, 95%/4-bit, sweep PNG (long)
	$(Q)bash tests/compress/bench.sh $(BUILD)

compress-r1: $(BUILD)/bin/sparq ## compress the shipped R1 checkpoint: 90% sparse, 8-bit -> build/r1-s90-w8.sqm
	$(Q)$(BUILD)/bin/sparq compress models/r1-cartpole-float.sqm --sparsity 0.9 --wbits 8 --abits 8 \
		--seed 1 --eval-episodes 20 -o $(BUILD)/r1-s90-w8.sqm

.PHONY: test-compress-cli
TEST_SUITES += test-compress-cli
test-compress-cli: $(BUILD)/bin/sparq-san ## sparq compress/sweep end to end: outputs, metadata, determinism, bad input (ASan)
	$(Q)bash tests/compress/test_cli.sh $(BUILD)/bin/sparq-san
