#!/usr/bin/env python3
"""Stable-Baselines3 DQN on CartPole-v1 with the rl-baselines3-zoo
hyperparameters and a 64,64 network (R1's shape), for make bench-train.

Evaluates 10 greedy episodes every 1000 steps (like sparq train --keep-best 10
--log-every 1000), stops at a mean of 475, then reports the wall time to that
point and the mean of 100 greedy episodes. Prints one line of text.
Only runs where stable_baselines3 (and torch) are installed.
"""
import sys
import time

import gymnasium as gym
import numpy as np
from stable_baselines3 import DQN
from stable_baselines3.common.callbacks import EvalCallback, StopTrainingOnRewardThreshold
from stable_baselines3.common.evaluation import evaluate_policy


def main():
    seed = int(sys.argv[1]) if len(sys.argv) > 1 else 1
    env = gym.make("CartPole-v1")
    model = DQN("MlpPolicy", env, learning_rate=2.3e-3, batch_size=64, buffer_size=100000,
                learning_starts=1000, gamma=0.99, target_update_interval=10, train_freq=256,
                gradient_steps=128, exploration_fraction=0.16, exploration_final_eps=0.04,
                policy_kwargs=dict(net_arch=[64, 64]), seed=seed, device="cpu", verbose=0)
    stop = StopTrainingOnRewardThreshold(reward_threshold=475, verbose=0)
    cb = EvalCallback(gym.make("CartPole-v1"), eval_freq=1000, n_eval_episodes=10,
                      callback_on_new_best=stop, deterministic=True, verbose=0)
    t0 = time.time()
    model.learn(total_timesteps=50000, callback=cb)
    wall = time.time() - t0
    mean, std = evaluate_policy(model, gym.make("CartPole-v1"), n_eval_episodes=100,
                                deterministic=True)
    print("SB3 DQN (zoo hyperparameters, 64,64, seed %d): stopped at step %d after %.1f s wall, "
          "100-episode mean %.2f +- %.2f" % (seed, model.num_timesteps, wall, np.float64(mean),
                                             np.float64(std)))


if __name__ == "__main__":
    main()
