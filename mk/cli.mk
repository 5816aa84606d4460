# mk/cli.mk - behaviour tests of the sparq CLI (tests/cli/cli.sh), run on the
# ASan/UBSan build of the binary.

.PHONY: test-cli
TEST_SUITES += test-cli
test-cli: $(BUILD)/bin/sparq-san ## CLI behaviour tests: random/info/infer/export, good and bad arguments
	$(Q)bash tests/cli/cli.sh $(BUILD)/bin/sparq-san
