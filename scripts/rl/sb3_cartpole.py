#!/usr/bin/env python3
"""Stable-Baselines3 DQN on CartPole-v1, the reference of make bench-train.

    sb3_cartpole.py zoo SEED       rl-baselines3-zoo hyperparameters, 64,64 (R1's
                                   shape): 10 greedy episodes every 1000 steps
                                   (as sparq train --keep-best 10 --log-every
                                   1000), stop at a mean of 475, then 100 greedy
                                   episodes of that network (seed 1000)
    sb3_cartpole.py cleanrl SEED   CleanRL dqn.py defaults (120,84, 500k steps,
                                   no evaluation): raw training throughput

Prints one JSON object. One thread (torch.set_num_threads(1)) on the CPU;
the caller pins the process to one core (taskset), so both sides get one core.
Times start when learn() starts (imports and construction excluded, as sparq's
figures exclude process start). Needs stable_baselines3 and torch
(scripts/install-deps.sh --bench).
"""
import json
import sys
import time

import torch

torch.set_num_threads(1)
torch.set_num_interop_threads(1)

import gymnasium as gym  # noqa: E402
import numpy as np  # noqa: E402
import stable_baselines3  # noqa: E402
from stable_baselines3 import DQN  # noqa: E402
from stable_baselines3.common.callbacks import (  # noqa: E402
    EvalCallback, StopTrainingOnRewardThreshold)
from stable_baselines3.common.env_util import make_vec_env  # noqa: E402
from stable_baselines3.common.evaluation import evaluate_policy  # noqa: E402

ENV = "CartPole-v1"


def zoo(seed):
    # rl-baselines3-zoo hyperparams/dqn.yml, CartPole-v1 (net_arch 64,64 instead
    # of the zoo's 256,256, to match R1 and sparq's default)
    model = DQN("MlpPolicy", gym.make(ENV), learning_rate=2.3e-3, batch_size=64,
                buffer_size=100000, learning_starts=1000, gamma=0.99,
                target_update_interval=10, train_freq=256, gradient_steps=128,
                exploration_fraction=0.16, exploration_final_eps=0.04,
                policy_kwargs=dict(net_arch=[64, 64]), seed=seed, device="cpu", verbose=0)
    eval_env = make_vec_env(ENV, n_envs=1, seed=2000)
    stop = StopTrainingOnRewardThreshold(reward_threshold=475, verbose=0)
    cb = EvalCallback(eval_env, eval_freq=1000, n_eval_episodes=10, callback_on_new_best=stop,
                      deterministic=True, verbose=0)
    t0, c0 = time.perf_counter(), time.process_time()
    model.learn(total_timesteps=50000, callback=cb)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    final_env = make_vec_env(ENV, n_envs=1, seed=1000)
    rets, _ = evaluate_policy(model, final_env, n_eval_episodes=100, deterministic=True,
                              return_episode_rewards=True)
    return {"reached": bool(cb.best_mean_reward >= 475), "step": int(model.num_timesteps),
            "wall_s": round(wall, 3), "cpu_s": round(cpu, 3),
            "best_selection_mean": float(cb.best_mean_reward),
            "eval": {"episodes": 100, "mean": float(np.mean(rets)), "std": float(np.std(rets))}}


def cleanrl(seed):
    # CleanRL dqn.py defaults; SB3 keeps its Huber loss and gradient clipping
    # (10), which cost nothing measurable next to the forward/backward passes
    model = DQN("MlpPolicy", gym.make(ENV), learning_rate=2.5e-4, batch_size=128,
                buffer_size=10000, learning_starts=10000, gamma=0.99,
                target_update_interval=500, train_freq=10, gradient_steps=1,
                exploration_initial_eps=1.0, exploration_fraction=0.5,
                exploration_final_eps=0.05, policy_kwargs=dict(net_arch=[120, 84]),
                seed=seed, device="cpu", verbose=0)
    n = 500000
    t0, c0 = time.perf_counter(), time.process_time()
    model.learn(total_timesteps=n)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    last = [ep["r"] for ep in list(model.ep_info_buffer)]
    return {"steps": n, "wall_s": round(wall, 3), "cpu_s": round(cpu, 3),
            "steps_per_s": round(n / wall, 1), "steps_per_cpu_s": round(n / cpu, 1),
            "train_return_last100": float(np.mean(last)) if last else None}


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("zoo", "cleanrl"):
        sys.exit("usage: sb3_cartpole.py zoo|cleanrl SEED")
    seed = int(sys.argv[2])
    r = zoo(seed) if sys.argv[1] == "zoo" else cleanrl(seed)
    r.update({"mode": sys.argv[1], "seed": seed, "sb3": stable_baselines3.__version__,
              "torch": torch.__version__, "threads": torch.get_num_threads()})
    print(json.dumps(r))


if __name__ == "__main__":
    main()
