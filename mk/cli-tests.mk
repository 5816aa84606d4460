# mk/cli-tests.mk - end-to-end tests of the sparq CLI (tests/cli/*.sh), run
# against the ASan/UBSan build build/bin/sparq-san.

# The .sqm model library: its sources, the tests' shared headers, and the
# helper that writes valid and malformed .sqm files (these CLI tests and the
# fuzz seeds of mk/fuzz.mk). Built from the sources, so it does not depend on
# the rest of host/ compiling.
SQM_SRCS := host/crc32.c host/sqm_model.c host/sqm_read.c host/sqm_validate.c host/sqm_write.c
SQM_HDRS := host/sqm.h host/sqm_internal.h host/crc32.h host/fixed.h host/rng.h \
            tests/unit/sqm_testutil.h tests/unit/sqm_badcases.h
MKBAD    := $(BUILD)/tests/cli/mkbad

$(BUILD)/tests/unit/test_sqm: $(SQM_HDRS)

$(MKBAD): tests/cli/mkbad.c $(SQM_SRCS) $(SQM_HDRS)
	$(call say,CC,$@)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_CFLAGS) -Itests/unit -o $@ tests/cli/mkbad.c $(SQM_SRCS) $(LDLIBS)

.PHONY: test-cli-malformed
TEST_SUITES += test-cli-malformed
test-cli-malformed: $(BUILD)/bin/sparq-san $(MKBAD) ## sparq info on every malformed .sqm: nonzero exit, one clear line
	$(Q)rm -rf $(BUILD)/tests/cli/malformed && mkdir -p $(BUILD)/tests/cli/malformed
	$(Q)$(MKBAD) $(BUILD)/tests/cli/malformed
	$(Q)bash tests/cli/malformed.sh $(BUILD)/bin/sparq-san $(BUILD)/tests/cli/malformed
