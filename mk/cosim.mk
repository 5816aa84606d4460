# mk/cosim.mk - the core co-simulation (sim/sq_cosim.cpp + rtl/sq_core.v under
# Verilator, linked with the host library), its tests and its figures.
#
# One harness per configuration, cached as $(BUILD)/sim/<config>/sq_cosim:
#   make cosim-build CS_P=8 [CS_AW=8 CS_WW=8 CS_ACCW=32 CS_MAXW=256
#                           CS_MAXL=8 CS_LG_WD=12 CS_LG_RD=9 CS_WMEM=0]
# CS_WMEM=1: the weight memory as iCE40 SPRAM (rtl/sq_wmem.v), loaded as ever
# through the load port (the harness never uses $$readmemh images).
# `sparq cosim` calls it for the configuration it needs.

CS_P      ?= 8
CS_AW     ?= 8
CS_WW     ?= 8
CS_ACCW   ?= 32
CS_MAXW   ?= 256
CS_MAXL   ?= 8
CS_LG_WD  ?= 12
CS_LG_RD  ?= 9
CS_WMEM   ?= 0
# Must match cfg_name() in host/cli/cmd_cosim.c.
CS_CFG    := p$(CS_P)-aw$(CS_AW)-ww$(CS_WW)-acc$(CS_ACCW)-w$(CS_MAXW)-l$(CS_MAXL)-wd$(CS_LG_WD)-rd$(CS_LG_RD)$(if $(filter 1,$(CS_WMEM)),-spram)
CS_DIR    := $(BUILD)/sim/$(CS_CFG)
CS_BIN    := $(CS_DIR)/sq_cosim
CS_SRCS   := sim/sq_cosim.cpp
CS_GPARAM := -GP=$(CS_P) -GAW=$(CS_AW) -GWW=$(CS_WW) -GACCW=$(CS_ACCW) -GMAXW=$(CS_MAXW) \
              -GMAXL=$(CS_MAXL) -GLG_WD=$(CS_LG_WD) -GLG_RD=$(CS_LG_RD) -GWMEM=$(CS_WMEM)
CS_DEFS   := -DSQ_CFG_P=$(CS_P) -DSQ_CFG_AW=$(CS_AW) -DSQ_CFG_WW=$(CS_WW) -DSQ_CFG_ACCW=$(CS_ACCW) \
              -DSQ_CFG_MAXW=$(CS_MAXW) -DSQ_CFG_MAXL=$(CS_MAXL) -DSQ_CFG_LG_WD=$(CS_LG_WD) \
              -DSQ_CFG_LG_RD=$(CS_LG_RD) -DSQ_CFG_NAME=$(CS_CFG)

.PHONY: cosim-build cosim test-cosim bench-core
cosim-build: $(CS_BIN) ## build the cosim harness of one configuration (CS_P=8 CS_ACCW=32 ...)

# hls_c compiled for the same configuration: the harness checks
# golden == hls_c == RTL on every vector.
CS_HLS_DEFS := -DSQ_P=$(CS_P) -DSQ_AW=$(CS_AW) -DSQ_WW=$(CS_WW) -DSQ_ACCW=$(CS_ACCW) \
              -DSQ_MAXW=$(CS_MAXW) -DSQ_MAXL=$(CS_MAXL) -DSQ_LG_WD=$(CS_LG_WD) -DSQ_LG_RD=$(CS_LG_RD)
CS_HLS_OBJ  := $(CS_DIR)/sq_hls.o
$(CS_HLS_OBJ): hls_c/sq_hls.c hls_c/sq_hls.h mk/cosim.mk
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_CFLAGS) -Wno-unknown-pragmas -Wno-unused-label $(CS_HLS_DEFS) -c -o $@ $<

$(CS_BIN): rtl/sq_core.v rtl/sq_wmem.v $(CS_SRCS) $(LIBSPARQ) $(CS_HLS_OBJ) hls_c/sq_hls.h mk/cosim.mk
	$(call say,VERILATE,$(CS_CFG))
	@mkdir -p $(CS_DIR)
	$(Q)start=$$(date +%s); \
	$(VERILATOR) --cc --exe --build -j $(JOBS) --trace -Wall -Wno-fatal --top-module sq_core \
	  $(CS_GPARAM) --Mdir $(CS_DIR)/obj -o $(abspath $(CS_BIN)).tmp \
	  -CFLAGS "-O1 -std=c++17 -I$(abspath host) -I$(abspath hls_c) $(CS_DEFS) $(CS_HLS_DEFS)" \
	  -LDFLAGS "$(abspath $(CS_HLS_OBJ)) $(abspath $(LIBSPARQ)) -lm" \
	  rtl/sq_core.v rtl/sq_wmem.v $(abspath $(CS_SRCS)) >$(CS_DIR)/build.log 2>&1 \
	  || { echo "cosim-build: Verilator build of $(CS_CFG) failed, see $(CS_DIR)/build.log" >&2; \
	       tail -20 $(CS_DIR)/build.log >&2; exit 1; }; \
	echo $$(( $$(date +%s) - start )) > $(CS_DIR)/build-seconds; \
	mv $(abspath $(CS_BIN)).tmp $(abspath $(CS_BIN))

# `make cosim MODEL=m.sqm`: the default co-simulation of one model.
COSIM_VECTORS ?= 2000
COSIM_LANES   ?= 8
cosim: $(BUILD)/bin/sparq ## co-simulate MODEL=m.sqm (RTL vs golden, COSIM_LANES=8 COSIM_VECTORS=2000)
	$(Q)if [ -z "$(MODEL)" ]; then \
	  m=$(BUILD)/cosim/r1-random.sqm; mkdir -p $(BUILD)/cosim; \
	  $(BUILD)/bin/sparq random --layers 4,64,64,2 --sparsity 0.9 --seed $(SEED) -o $$m >/dev/null || exit 1; \
	else m=$(MODEL); fi; \
	$(BUILD)/bin/sparq cosim $$m --vectors $(COSIM_VECTORS) --seed $(SEED) --lanes $(COSIM_LANES)

TEST_SUITES += test-cosim
test-cosim: $(BUILD)/bin/sparq ## suite: 30 random models bit-exact at P=1,2,3,4,8,16 (and SPRAM weights at P=3,4); injected faults caught
	$(Q)bash tests/cosim/run.sh $(BUILD)

BENCH_TARGETS += bench-core
bench-core: $(BUILD)/bin/sparq ## core figures: cycles/inference, cycle_ratio, Yosys cells, cosim speed
	$(Q)bash tests/cosim/bench.sh $(BUILD)
