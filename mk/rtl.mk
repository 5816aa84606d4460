# mk/rtl.mk - RTL lint: Verilator -Wall on every rtl/*.v module (the core at
# several lane counts), and a quick Yosys synth_ice40 / synth_ecp5 of the core.

RTL_SRCS     := $(sort $(wildcard rtl/*.v))
RTL_WAIVER   := $(wildcard rtl/verilator_waiver.vlt)
# Core parameter sets linted (each a -G list; P=1,3,8,16 plus width corners).
LINT_CORE_SETS := P=1 P=3 P=8 P=16 \
	P=3,AW=4,WW=2,ACCW=12,MAXW=5,MAXL=1,LG_WD=1,LG_RD=1 \
	P=16,AW=16,WW=16,ACCW=48,MAXW=4096,MAXL=16,LG_WD=16,LG_RD=16 \
	P=5,AW=8,WW=8,ACCW=8 P=4,WMEM=1 P=3,AW=6,WW=5,WMEM=1
# The core configuration synthesized by test-lint: P=8, sized for R1 (4-64-64-2).
SYNTH_CHPARAM := -set P 8 -set MAXW 64 -set LG_WD 7 -set LG_RD 5 -set ACCW 24

.PHONY: lint test-lint
lint: ## Verilator --lint-only -Wall on every rtl/*.v (core at P=1,3,8,16)
	$(Q)rc=0; \
	for f in $(RTL_SRCS); do \
	  top=$$(basename $$f .v); \
	  if $(VERILATOR) --lint-only -Wall -Irtl $(RTL_WAIVER) --top-module $$top $$f \
	       >$(BUILD)/lint-$$top.log 2>&1; then echo "PASS: lint $$top"; \
	  else echo "FAIL: lint $$top"; sed 's/^/    /' $(BUILD)/lint-$$top.log | head -20; rc=1; fi; \
	done; \
	for s in $(LINT_CORE_SETS); do \
	  g=$$(echo $$s | tr ',' '\n' | sed 's/^/-G/' | tr '\n' ' '); \
	  if $(VERILATOR) --lint-only -Wall -Irtl $(RTL_WAIVER) --top-module sq_core $$g rtl/sq_core.v \
	       >$(BUILD)/lint-core.log 2>&1; then echo "PASS: lint sq_core $$s"; \
	  else echo "FAIL: lint sq_core $$s"; sed 's/^/    /' $(BUILD)/lint-core.log | head -20; rc=1; fi; \
	done; \
	if $(VERILATOR) --lint-only -Wall -Irtl --top-module sq_core_fmax tests/cosim/sq_core_fmax.v \
	     rtl/sq_core.v >$(BUILD)/lint-core.log 2>&1; then echo "PASS: lint sq_core_fmax (bench fixture)"; \
	else echo "FAIL: lint sq_core_fmax (bench fixture)"; sed 's/^/    /' $(BUILD)/lint-core.log | head -20; rc=1; fi; \
	for s in P=17 P=4,ACCW=6 MAXW=0; do \
	  g=$$(echo $$s | tr ',' '\n' | sed 's/^/-G/' | tr '\n' ' '); \
	  if $(VERILATOR) --lint-only -Wall -Irtl --top-module sq_core $$g rtl/sq_core.v \
	       >$(BUILD)/lint-core.log 2>&1; then echo "FAIL: lint sq_core rejects $$s"; rc=1; \
	  else echo "PASS: lint sq_core rejects $$s"; fi; \
	done; exit $$rc

$(BUILD)/lint:
	@mkdir -p $@

# Yosys: the core at P=8 through synth_ice40 and synth_ecp5 (no place and route);
# and a bad parameter must stop it.
test-lint: | $(BUILD)/lint ## suite: lint, plus Yosys synth_ice40/synth_ecp5 of the core at P=8
	@mkdir -p $(BUILD)
	$(Q)$(MAKE) --no-print-directory lint; rc=$$?; \
	for arch in ice40 ecp5; do \
	  if $(YOSYS) -q -l $(BUILD)/lint/synth-$$arch.log -p "read_verilog rtl/sq_wmem.v rtl/sq_core.v; \
	       chparam $(SYNTH_CHPARAM) sq_core; synth_$$arch -top sq_core" >/dev/null 2>&1; \
	  then echo "PASS: yosys synth_$$arch sq_core P=8"; \
	  else echo "FAIL: yosys synth_$$arch sq_core P=8 (see $(BUILD)/lint/synth-$$arch.log)"; rc=1; fi; \
	done; \
	if $(YOSYS) -q -p "read_verilog -formal rtl/sq_wmem.v rtl/sq_core.v; chparam -set P 3 -set MAXW 16 -set LG_WD 4 \
	     -set LG_RD 3 sq_core; prep -top sq_core" >/dev/null 2>&1; \
	then echo "PASS: yosys reads the FORMAL properties of sq_core"; \
	else echo "FAIL: yosys reads the FORMAL properties of sq_core"; rc=1; fi; \
	if $(YOSYS) -q -p "read_verilog rtl/sq_wmem.v rtl/sq_core.v; chparam -set P 17 sq_core; hierarchy -check -top sq_core" \
	     >/dev/null 2>&1; then echo "FAIL: yosys rejects sq_core P=17"; rc=1; \
	else echo "PASS: yosys rejects sq_core P=17"; fi; \
	exit $$rc
TEST_SUITES += test-lint
