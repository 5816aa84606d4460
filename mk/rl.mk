# mk/rl.mk - the RL side: environments, the float MLP, the DQN trainer and
# evaluation (host/env*.c, nn.c, replay.c, dqn.c, eval.c; sparq train/eval).
# Their unit tests (tests/unit/test_env.c, test_nn.c, test_dqn.c) run in
# test-unit; this file adds the optimization flags of the hot loops and the
# training benchmarks.

# The MLP kernels and the trainer loop are the hot paths of `sparq train`.
RL_HOT := host/nn.c host/dqn.c host/replay.c host/env_cartpole.c host/env_acrobot.c \
          host/env_mountaincar.c host/env.c
$(RL_HOT:%.c=$(BUILD)/obj/%.o): ALL_CFLAGS += -O3

# ---- benchmarks ----------------------------------------------------------------
.PHONY: bench-train
BENCH_TARGETS += bench-train
# install-deps.sh --bench: stable-baselines3 + torch for the SB3 reference,
# only here (torch is several GB; make deps/test/demo never pull it in).
bench-train: $(BUILD)/bin/sparq ## training figures: steps/s (CleanRL settings), time to 475 (zoo), vs SB3
	$(Q)bash scripts/install-deps.sh --bench
	$(Q)bash scripts/rl/bench_train.sh $(BUILD)

# ---- CLI tests -----------------------------------------------------------------
.PHONY: test-rl-cli
TEST_SUITES += test-rl-cli
test-rl-cli: $(BUILD)/bin/sparq-san ## sparq train/eval end to end: outputs, resume, --init, bad input (ASan)
	$(Q)bash tests/env/test_train_cli.sh $(BUILD)/bin/sparq-san
