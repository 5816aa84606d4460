# mk/link.mk - the device side of the link (rtl/sq_uart_*, sq_crc16,
# sq_frame_*, sq_dispatch, sparq_top), its benches (tests/link/), and
# sparq-sim, the board-level Verilator model (sim/board/).
#
# sparq-sim is built once per configuration under $(BUILD)/sim/board/<cfg>/:
#   SIM_CLK_HZ, SIM_BAUD, SIM_P  (defaults: iCEBreaker, 12 MHz and 1 Mbaud, P=8)
# $(BUILD)/bin/sparq-sim is the default configuration with the real core.
# The link tests also build a configuration around a stand-in core
# (tests/link/standin/sq_core.v) that checks the link alone.

SIM_CLK_HZ ?= 12000000
SIM_BAUD   ?= 1000000
SIM_P      ?= 8
LINK_RTL   := rtl/sq_crc16.v rtl/sq_uart_rx.v rtl/sq_uart_tx.v rtl/sq_frame_rx.v \
              rtl/sq_frame_tx.v rtl/sq_dispatch.v rtl/sparq_top.v
LINK_TB    := $(BUILD)/tests/link
SIM_SRC    := sim/board/sparq_sim.cpp
SIM_CFG    := p$(SIM_P)-$(SIM_CLK_HZ)-$(SIM_BAUD)
SPARQ_SIM  := $(BUILD)/sim/board/$(SIM_CFG)/sparq-sim
STANDIN_SIM := $(BUILD)/sim/board/standin/sparq-sim
LINK_CFLAGS := $(CSTD) $(WARNS) -O1 -g -Ihost -Itests/link $(SAN_FLAGS)
# Waivers for the stand-in only (test code, behavioural): widths and unused parameters.
STANDIN_WAIVE := -Wno-WIDTH -Wno-UNUSEDPARAM -Wno-UNUSEDSIGNAL -Wno-BLKSEQ

# verilate_sim(out, core dir, clk, baud, P, label[, extra -G options])
define verilate_sim
	$(call say,VERILATE,$(1))
	@mkdir -p $(dir $(1))obj
	$(Q)$(VERILATOR) --cc --exe --build -j 2 -O3 --x-assign fast --x-initial fast -Wno-fatal -MAKEFLAGS "OPT_FAST=-O2 OPT_GLOBAL=-O2" $(if $(findstring standin,$(6)),$(STANDIN_WAIVE)) \
	  --top-module sparq_top -Mdir $(dir $(1))obj -y $(2) -y rtl \
	  -GCLK_HZ=$(3) -GBAUD=$(4) -GP=$(5) $(if $(findstring standin,$(6)),-GWD_LG=16) $(7) \
	  -CFLAGS "-O2 -I$(abspath host) -DSIM_CLK_HZ=$(3) -DSIM_BAUD=$(4) -DSIM_P=$(5) -DSIM_CORE='\"$(6)\"'" \
	  -LDFLAGS "-lm" -o sparq-sim \
	  rtl/sparq_top.v $(abspath $(SIM_SRC)) $(abspath $(LIBSPARQ)) >$(dir $(1))build.log 2>&1 || \
	  { tail -30 $(dir $(1))build.log; exit 1; }
	$(Q)cp $(dir $(1))obj/sparq-sim $(1).tmp && mv -f $(1).tmp $(1)
endef

.PHONY: sparq-sim test-link-lint test-link-rtl test-link-sim test-link-synth

# one rule for every configuration: $(BUILD)/sim/board/p<P>-<clk>-<baud>/sparq-sim
$(BUILD)/sim/board/p%/sparq-sim: $(LINK_RTL) rtl/sq_core.v rtl/sq_wmem.v $(SIM_SRC) $(LIBSPARQ)
	$(call verilate_sim,$@,rtl,$(word 2,$(subst -, ,$*)),$(word 3,$(subst -, ,$*)),$(word 1,$(subst -, ,$*)),sq_core)

$(STANDIN_SIM): $(LINK_RTL) tests/link/standin/sq_core.v $(SIM_SRC) $(LIBSPARQ)
	$(call verilate_sim,$@,tests/link/standin,12000000,1000000,8,standin)

# sparq-sim as an SPRAM build of the iCEBreaker boots: P=4, the weights in
# iCE40 SPRAM (rtl/sq_wmem.v WMEM=1, its behavioural model), nothing in them
# until the host sends the model by LOAD (tests/hil/test_hil_cli.sh).
SPRAM_SIM := $(BUILD)/sim/board/spram-p4/sparq-sim
$(SPRAM_SIM): $(LINK_RTL) rtl/sq_core.v rtl/sq_wmem.v $(SIM_SRC) $(LIBSPARQ)
	$(call verilate_sim,$@,rtl,12000000,1000000,4,sq_core+spram,-GWMEM=1)

$(BUILD)/bin/sparq-sim: $(BUILD)/sim/board/p8-12000000-1000000/sparq-sim
	@mkdir -p $(dir $@)
	$(Q)cp $< $@.tmp && mv -f $@.tmp $@

sparq-sim: $(SPARQ_SIM) $(BUILD)/bin/sparq-sim ## board-level Verilator model (SIM_CLK_HZ, SIM_BAUD, SIM_P)

TEST_SUITES += test-link-lint
test-link-lint: ## suite: Verilator -Wall on the link modules and sparq_top (3 parameter sets)
	@mkdir -p $(LINK_TB)
	$(Q)rc=0; for f in $(LINK_RTL); do m=$$(basename $$f .v); \
	  for g in "" "-GP=3 -GAW=12 -GACCW=40 -GMAXW=64" "-GCLK_HZ=48000000 -GBAUD=3000000"; do \
	    case "$$m$$g" in sq_crc16-G*|sq_frame_*-G*) continue;; sq_uart_*-GP*) continue;; esac; \
	    if $(VERILATOR) --lint-only -Wall -Irtl --top-module $$m $$g $$f >$(LINK_TB)/lint.log 2>&1; \
	    then echo "PASS: lint $$m $$g"; \
	    else echo "FAIL: lint $$m $$g"; sed 's/^/    /' $(LINK_TB)/lint.log | head; rc=1; fi; \
	  done; done; exit $$rc

# sparq-sim whose memories start with a model's $readmemh images, as a
# bitstream built with that model does (no LOAD needed):
#   make sparq-sim-img IMG_MODEL=m.sqm   -> $(BUILD)/sim/board/img/sparq-sim
# The model id is the .sqm file's CRC-32 field (docs/protocol.md).
LINK_IMG  := $(BUILD)/tests/link/img
link_comma := ,
IMG_MODEL ?= $(LINK_IMG)/r1.sqm
IMG_SIM   := $(BUILD)/sim/board/img/sparq-sim
img_dims   = $(shell $(BUILD)/bin/sparq info $(IMG_MODEL) --json 2>/dev/null | \
               sed -n 's/.*"dims": *\[\([0-9, ]*\)\].*/\1/p' | tr -d ' ')
$(LINK_IMG)/r1.sqm: | $(BUILD)/bin/sparq
	@mkdir -p $(dir $@)
	$(Q)$(BUILD)/bin/sparq random --layers 4,64,64,2 --seed 19 -o $@ >/dev/null
$(LINK_IMG)/hex/lt.hex: $(IMG_MODEL) | $(BUILD)/bin/sparq
	$(Q)$(BUILD)/bin/sparq export $(IMG_MODEL) --lanes 8 -o $(LINK_IMG)/hex >/dev/null
$(IMG_SIM): $(LINK_RTL) rtl/sq_core.v rtl/sq_wmem.v $(SIM_SRC) $(LIBSPARQ) $(LINK_IMG)/hex/lt.hex
	$(call verilate_sim,$@,rtl,12000000,1000000,8,sq_core+images,\
	  -GINIT_LT='"$(abspath $(LINK_IMG)/hex/lt.hex)"' -GINIT_RT='"$(abspath $(LINK_IMG)/hex/rt.hex)"' \
	  -GINIT_WM='"$(abspath $(LINK_IMG)/hex/wm.hex)"' -GINIT_PM='"$(abspath $(LINK_IMG)/hex/pm.hex)"' \
	  -GINIT_MODEL_ID=32\'h$(shell od -An -tx4 -j12 -N4 $(IMG_MODEL) | tr -d ' ') \
	  -GINIT_IN_DIM=$(word 1,$(subst $(link_comma), ,$(img_dims))) \
	  -GINIT_OUT_DIM=$(lastword $(subst $(link_comma), ,$(img_dims))))
.PHONY: sparq-sim-img
sparq-sim-img: $(IMG_SIM) ## sparq-sim with IMG_MODEL's $$readmemh images built in (as a bitstream)

# ---- RTL benches (iverilog) -----------------------------------------------------
$(LINK_TB)/tb_uart_%: tests/link/tb_uart.v rtl/sq_uart_rx.v rtl/sq_uart_tx.v
	@mkdir -p $(dir $@)
	$(Q)$(IVERILOG) -g2005 -Wall -Wno-timescale -o $@ -DCLK_HZ=$(word 1,$(subst _, ,$*)) -DBAUD=$(word 2,$(subst _, ,$*)) $^

$(LINK_TB)/tb_frame: tests/link/tb_frame.v rtl/sq_frame_rx.v rtl/sq_frame_tx.v rtl/sq_crc16.v
	@mkdir -p $(dir $@)
	$(Q)$(IVERILOG) -g2005 -Wall -Wno-timescale -o $@ $^

TEST_SUITES += test-link-rtl
test-link-rtl: $(LINK_TB)/tb_uart_12000000_1000000 $(LINK_TB)/tb_uart_48000000_3000000 \
               $(LINK_TB)/tb_uart_25000000_1000000 $(LINK_TB)/tb_frame ## suite: UART and frame benches (iverilog)
	$(Q)for t in $^; do vvp -n $$t | grep -E '^(PASS|FAIL|SKIP): ' || echo "FAIL: $$(basename $$t) (no verdict)"; done

# ---- board level --------------------------------------------------------------
$(LINK_TB)/test_link_sim: tests/link/test_link_sim.c tests/link/standin.h $(LIBSPARQ_SAN)
	$(call say,CC-SAN,$<)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(LINK_CFLAGS) -Itests/unit -o $@ $< $(LIBSPARQ_SAN) $(LDLIBS)

TEST_SUITES += test-link-sim
test-link-sim: $(LINK_TB)/test_link_sim $(STANDIN_SIM) $(BUILD)/bin/sparq-sim $(IMG_SIM) ## suite: frames through sparq-sim (stand-in core; real core vs golden, loaded and from images)
	$(Q)$(LINK_TB)/test_link_sim $(STANDIN_SIM) $(BUILD)/bin/sparq-sim $(LINK_TB) $(IMG_SIM) $(IMG_MODEL)

# The link's own cost: sparq_top with the core as a black box (its ports only);
# rtl.mk synthesizes the core itself. `make synth-top` runs the whole design.
LINK_SYNTH_SET := chparam -set P 8 -set MAXW 64 -set LG_WD 7 -set LG_RD 5 -set ACCW 24 sparq_top
TEST_SUITES += test-link-synth
test-link-synth: ## suite: Yosys synth_ice40 of sparq_top, core as a black box (the link's cost)
	@mkdir -p $(LINK_TB)
	$(Q)if $(YOSYS) -q -l $(LINK_TB)/synth-link.log -p "read_verilog -lib rtl/sq_core.v; \
	     read_verilog $(LINK_RTL); $(LINK_SYNTH_SET); synth_ice40 -top sparq_top; stat" \
	     >/dev/null 2>&1; \
	then echo "PASS: yosys synth_ice40 sparq_top (link, core black box)"; \
	  grep -E 'SB_LUT4|SB_RAM40|SB_CARRY' $(LINK_TB)/synth-link.log | tail -3 | sed 's/^/    /'; \
	else echo "FAIL: yosys synth_ice40 sparq_top (see $(LINK_TB)/synth-link.log)"; fi; \
	if $(YOSYS) -q -p "read_verilog -lib rtl/sq_core.v; read_verilog $(LINK_RTL); \
	     chparam -set CLK_HZ 25000000 -set BAUD 3000000 sparq_top; hierarchy -check -top sparq_top" \
	     >/dev/null 2>&1; then echo "FAIL: yosys refuses sparq_top at 25 MHz / 3 Mbaud"; \
	else echo "PASS: yosys refuses sparq_top at 25 MHz / 3 Mbaud"; fi

.PHONY: synth-top
synth-top: ## Yosys synth_ice40 of the whole sparq_top with the core (R1-sized), a few minutes
	@mkdir -p $(LINK_TB)
	$(Q)$(YOSYS) -q -l $(LINK_TB)/synth-top.log -p "read_verilog $(LINK_RTL) rtl/sq_core.v rtl/sq_wmem.v; \
	     $(LINK_SYNTH_SET); synth_ice40 -top sparq_top; stat" >/dev/null && \
	  grep -E 'SB_LUT4|SB_RAM40|SB_MAC16|SB_CARRY' $(LINK_TB)/synth-top.log | tail -4
