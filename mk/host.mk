# mk/host.mk - the host C library (host/*.c), the sparq CLI (host/cli/*.c) and
# the C unit tests (tests/unit/test_*.c, built with ASan + UBSan).

HOST_SRCS   := $(sort $(wildcard host/*.c))
CLI_SRCS    := $(sort $(wildcard host/cli/*.c))
HOST_OBJS   := $(HOST_SRCS:%.c=$(BUILD)/obj/%.o)
CLI_OBJS    := $(CLI_SRCS:%.c=$(BUILD)/obj/%.o)
HOST_SOBJS  := $(HOST_SRCS:%.c=$(BUILD)/san/%.o)
UNIT_SRCS   := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS   := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/unit/%)

# The subcommand table: every `SQ_COMMAND(name, "help")` line of host/cli/*.c.
CMD_TABLE := $(BUILD)/gen/commands.inc
# Rebuilt every run (cheap) but only replaced when it changes, so a removed
# command file also drops out.
$(CMD_TABLE): FORCE
	@mkdir -p $(dir $@)
	$(Q)grep -h '^SQ_COMMAND(' $(CLI_SRCS) | sort > $@.tmp && \
	  (cmp -s $@.tmp $@ && rm -f $@.tmp || mv $@.tmp $@)
$(BUILD)/obj/host/cli/sparq.o $(BUILD)/san/host/cli/sparq.o: $(CMD_TABLE)
$(BUILD)/obj/host/cli/%.o $(BUILD)/san/host/cli/%.o: ALL_CFLAGS += -I$(BUILD)/gen -Ihost/cli

$(BUILD)/obj/%.o: %.c
	$(call say,CC,$<)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/san/%.o: %.c
	$(call say,CC-SAN,$<)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_CFLAGS) $(SAN_FLAGS) -MMD -MP -c -o $@ $<

$(LIBSPARQ): $(HOST_OBJS)
	@mkdir -p $(dir $@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(LIBSPARQ_SAN): $(HOST_SOBJS)
	@mkdir -p $(dir $@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/bin/sparq: $(CLI_OBJS) $(LIBSPARQ)
	$(call say,LD,$@)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) -o $@ $(CLI_OBJS) $(LIBSPARQ) $(LDLIBS)

# The same CLI under ASan/UBSan, for the CLI tests.
$(BUILD)/bin/sparq-san: $(CLI_SRCS:%.c=$(BUILD)/san/%.o) $(LIBSPARQ_SAN)
	$(call say,LD,$@)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) $(SAN_FLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/unit/%: tests/unit/%.c tests/unit/testlib.h $(LIBSPARQ_SAN)
	$(call say,CC-SAN,$<)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_CFLAGS) $(SAN_FLAGS) -Itests/unit -o $@ $< $(LIBSPARQ_SAN) $(LDLIBS)

.PHONY: test-unit
TEST_SUITES += test-unit
test-unit: $(UNIT_BINS) ## C unit tests of the host library (ASan + UBSan)
	$(Q)rc=0; for t in $(UNIT_BINS); do $$t || rc=1; done; exit $$rc

.PHONY: FORCE
FORCE:

CLI_SOBJS   := $(CLI_SRCS:%.c=$(BUILD)/san/%.o)
-include $(HOST_OBJS:.o=.d) $(CLI_OBJS:.o=.d) $(HOST_SOBJS:.o=.d) $(CLI_SOBJS:.o=.d)
