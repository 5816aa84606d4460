# mk/hil.mk - hardware-in-the-loop, host side: the sparqd daemon (the only
# program that links libusb-1.0/libftdi1, through host/daemon/transport_usb.c),
# the device emulator and tools of tests/hil/, and the HIL test suites.

HIL_USB_CFLAGS := $(shell pkg-config --cflags libusb-1.0 libftdi1 2>/dev/null)
HIL_USB_LIBS   := $(shell pkg-config --libs libusb-1.0 libftdi1 2>/dev/null)
SPARQD_SRCS    := $(sort $(wildcard host/daemon/*.c))
SPARQD_OBJS    := $(SPARQD_SRCS:%.c=$(BUILD)/obj/%.o)
SPARQD_SOBJS   := $(SPARQD_SRCS:%.c=$(BUILD)/san/%.o)
HIL_BIN        := $(BUILD)/tests/hil
# mk/host.mk is read after this file (sorted includes): name its libraries
# directly, not through its variables.

$(SPARQD_OBJS) $(SPARQD_SOBJS): ALL_CFLAGS += $(HIL_USB_CFLAGS)

$(BUILD)/bin/sparqd: $(SPARQD_OBJS) $(BUILD)/lib/libsparq.a
	$(call say,LD,$@)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) -o $@ $(SPARQD_OBJS) $(BUILD)/lib/libsparq.a $(HIL_USB_LIBS) $(LDLIBS)

$(BUILD)/bin/sparqd-san: $(SPARQD_SOBJS) $(BUILD)/lib/libsparq-san.a
	$(call say,LD,$@)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) $(SAN_FLAGS) -o $@ $(SPARQD_SOBJS) $(BUILD)/lib/libsparq-san.a $(HIL_USB_LIBS) $(LDLIBS)

# sparq-usb: the sparq CLI with the usb: transport linked in (sparq hil/load
# --device usb:... without a daemon).
HIL_CLI_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(sort $(wildcard host/cli/*.c)))
$(BUILD)/bin/sparq-usb: $(HIL_CLI_OBJS) $(BUILD)/obj/host/daemon/transport_usb.o $(BUILD)/lib/libsparq.a
	$(call say,LD,$@)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(HIL_USB_LIBS) $(LDLIBS)

all: $(BUILD)/bin/sparqd $(BUILD)/bin/sparq-usb

# Test tools: plain -O2 (they are the reference side, not under test).
$(HIL_BIN)/sq-emu $(HIL_BIN)/mkmodel $(HIL_BIN)/evalref: $(HIL_BIN)/%: tests/hil/%.c $(BUILD)/lib/libsparq.a
	$(call say,CC,$<)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $< $(BUILD)/lib/libsparq.a $(LDLIBS)

# The link tests against the emulator, under ASan + UBSan.
$(HIL_BIN)/test_hil_link: tests/hil/test_hil_link.c tests/unit/testlib.h $(BUILD)/lib/libsparq-san.a
	$(call say,CC-SAN,$<)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_CFLAGS) $(SAN_FLAGS) -Itests/unit -o $@ $< $(BUILD)/lib/libsparq-san.a $(LDLIBS)

# The usb: transport against a fake FTDI and CDC-ACM device served in-process
# through umockdev (tests/hil/test_usb.c), run under umockdev-wrapper. GLib and
# umockdev keep allocations for the process lifetime: no leak check there.
HIL_UMOCKDEV_CFLAGS := $(shell pkg-config --cflags umockdev-1.0 2>/dev/null)
HIL_UMOCKDEV_LIBS   := $(shell pkg-config --libs umockdev-1.0 2>/dev/null)
$(HIL_BIN)/test_usb: tests/hil/test_usb.c tests/unit/testlib.h $(BUILD)/san/host/daemon/transport_usb.o $(BUILD)/lib/libsparq-san.a
	$(call say,CC-SAN,$<)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_CFLAGS) $(SAN_FLAGS) -Itests/unit $(HIL_USB_CFLAGS) $(HIL_UMOCKDEV_CFLAGS) -o $@ $< \
	  $(BUILD)/san/host/daemon/transport_usb.o $(BUILD)/lib/libsparq-san.a \
	  $(HIL_UMOCKDEV_LIBS) $(HIL_USB_LIBS) -lpthread $(LDLIBS)

.PHONY: test-hil-usb
TEST_SUITES += test-hil-usb
test-hil-usb: $(HIL_BIN)/test_usb ## usb: transport on a scripted FTDI/CDC-ACM device (umockdev)
	$(Q)if command -v umockdev-wrapper >/dev/null; then \
	  ASAN_OPTIONS=verify_asan_link_order=0:detect_leaks=0 timeout 120 umockdev-wrapper $(HIL_BIN)/test_usb; \
	else echo "SKIP: test_usb (umockdev-wrapper not installed: apt-get install umockdev)"; fi

HIL_TOOLS := $(HIL_BIN)/sq-emu $(HIL_BIN)/mkmodel $(HIL_BIN)/evalref

.PHONY: test-hil
TEST_SUITES += test-hil
test-hil: $(HIL_TOOLS) $(HIL_BIN)/test_hil_link $(BUILD)/bin/sparqd-san ## HIL link + sparqd tests: faults on an emulated device (ASan + UBSan)
	$(Q)HIL_BIN=$(HIL_BIN) SPARQD=$(BUILD)/bin/sparqd-san $(HIL_BIN)/test_hil_link

# sparq hil / sparq load / sparqd end to end (tests/hil/test_hil_cli.sh), against
# the emulator and, when it builds, the board-level model (mk/link.mk).
HIL_EPISODES ?= 20

# R1 for the board-level runs: the shipped float checkpoint compressed once
# (90% sparse, 8-bit). Order-only on sparq, so a rebuilt sparq does not redo it.
HIL_R1_FLOAT := models/r1-cartpole-float.sqm
HIL_R1       := $(BUILD)/hil/r1.sqm
$(HIL_R1): $(HIL_R1_FLOAT) | $(BUILD)/bin/sparq
	$(call say,COMPRESS,$@)
	@mkdir -p $(dir $@)
	$(Q)$(BUILD)/bin/sparq compress $< --sparsity 0.9 --wbits 8 --abits 8 --seed 1 -o $@ > $@.log 2>&1 || \
	  { tail -5 $@.log; exit 1; }

.PHONY: test-hil-cli
TEST_SUITES += test-hil-cli
test-hil-cli: $(HIL_TOOLS) $(BUILD)/bin/sparq-san $(BUILD)/bin/sparqd-san $(BUILD)/bin/sparq-sim $(BUILD)/sim/board/spram-p4/sparq-sim $(HIL_R1) ## HIL end to end: sparq hil/load through sparqd, emulator and sparq-sim (R1; and an SPRAM build loaded at boot)
	$(Q)SPARQ=$(BUILD)/bin/sparq-san SPARQD=$(BUILD)/bin/sparqd-san HIL_BIN=$(HIL_BIN) \
	  SPARQ_SIM=$(BUILD)/bin/sparq-sim EPISODES=$(HIL_EPISODES) HIL_RESULT=$(BUILD)/hil/board.json \
	  SPARQ_SIM_SPRAM=$(BUILD)/sim/board/spram-p4/sparq-sim \
	  R1=$(HIL_R1) bash tests/hil/test_hil_cli.sh

BENCH_TARGETS += bench-hil
.PHONY: bench-hil
bench-hil: $(BUILD)/bin/sparq $(BUILD)/bin/sparqd $(BUILD)/bin/sparq-sim $(HIL_BIN)/sq-emu $(HIL_R1) ## HIL figures: steps/s, RTT, bytes/step, link bound (docs/benchmarks.md)
	$(Q)bash tests/hil/bench.sh $(BUILD)

# The frame parser's fuzz target (tests/fuzz/fuzz_frame.c, built by mk/fuzz.mk)
# needs only the link layer; its seeds are a few real frames.
FUZZ_SOURCES_frame := host/link_frame.c host/link_proto.c
$(BUILD)/fuzz/seeds/frame/.stamp: mk/hil.mk
	@rm -rf $(dir $@) && mkdir -p $(dir $@)
	$(Q)printf '\300\001\007\000\000\344\167\300' > $(dir $@)info-req
	$(Q)printf '\300\002\001\004\000\001\002\003\004\000\000\300\300\333\334\333\335\300' > $(dir $@)infer-junk
	$(Q)touch $@

-include $(SPARQD_OBJS:.o=.d) $(SPARQD_SOBJS:.o=.d)
