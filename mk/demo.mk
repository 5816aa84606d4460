# mk/demo.mk - `make demo`: the main job, end to end, on the default workload.
.PHONY: demo
demo: deps $(BUILD)/bin/sparq ## the main job end to end on R1 (train/compress/cosim/bitstream/HIL), one summary table
	$(Q)BUILD=$(BUILD) bash scripts/demo.sh
