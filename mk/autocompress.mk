# mk/autocompress.mk - the resource model (host/estimate.c, sparq estimate) and
# automatic compression (host/autocompress.c, sparq autocompress);
# docs/autocompress.md. The estimator's unit test (tests/unit/test_estimate.c,
# against tests/estimate/fixtures.txt) runs in test-unit.

.PHONY: test-autocompress estimate-fixtures bench-autocompress
TEST_SUITES += test-autocompress
test-autocompress: $(BUILD)/bin/sparq-san ## sparq autocompress on R1 (ASan): the model fits half the 90%/8-bit weight memory
	$(Q)bash tests/estimate/test_autocompress.sh $(BUILD)/bin/sparq-san

estimate-fixtures: ## re-synthesize the estimator's calibration set -> build/estimate-fixtures/fixtures.txt (long, niced)
	$(Q)nice bash tests/estimate/gen_fixtures.sh $(BUILD)/estimate-fixtures/fixtures.txt

BENCH_TARGETS += bench-autocompress
bench-autocompress: $(BUILD)/bin/sparq ## autocompress figures: agent vs best uniform vs random search on R1 (long)
	$(Q)SPARQ=$(BUILD)/bin/sparq nice bash tests/estimate/bench_autocompress.sh
