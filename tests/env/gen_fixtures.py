#!/usr/bin/env python3
"""Record transitions of Gymnasium's classic-control tasks as parity fixtures.

For each environment it sets env.unwrapped.state directly (and the TimeLimit
step counter), takes one step with gymnasium itself and writes one line:

    t a s[0..S-1] ns[0..S-1] reward terminated truncated obs[0..O-1]

t: steps already taken in the episode; a: action; s: the state before the
step; ns: the state after it (float64, %.17g); obs: the float32 observation
Gymnasium returned (%.9g, exact for float32); flags 0/1. Lines starting with
'#' are comments. States come from random rollouts, broad random draws, and
draws placed on every termination / clipping / wrapping boundary, with step
counters near the truncation limit.

    python3 tests/env/gen_fixtures.py [outdir]    (default: tests/env)

tests/unit/test_env.c reads the files and checks sparq's step against them.
"""
import math
import os
import sys

import gymnasium as gym
import numpy as np

N_PER_ENV = {"CartPole-v1": 3000, "Acrobot-v1": 2400, "MountainCar-v0": 3000}
FILES = {"CartPole-v1": "cartpole.txt", "Acrobot-v1": "acrobot.txt",
         "MountainCar-v0": "mountaincar.txt"}


def time_limit(env):
    w = env
    while w is not None:
        if hasattr(w, "_elapsed_steps") and hasattr(w, "_max_episode_steps"):
            return w
        w = getattr(w, "env", None)
    raise RuntimeError("no TimeLimit wrapper")


def cartpole_states(rng, n):
    thr = 12 * 2 * math.pi / 360
    out = []
    for i in range(n):
        k = i % 6
        s = rng.uniform(-0.05, 0.05, 4)
        if k == 1:  # broad
            s = rng.uniform([-2.4, -3, -0.21, -3.5], [2.4, 3, 0.21, 3.5])
        elif k == 2:  # x right at the edge, step may or may not cross
            sign = rng.choice([-1.0, 1.0])
            s[1] = rng.uniform(-1, 1)
            s[0] = sign * 2.4 - 0.02 * s[1] + rng.uniform(-1e-3, 1e-3)
        elif k == 3:  # theta at the edge
            sign = rng.choice([-1.0, 1.0])
            s[3] = rng.uniform(-1, 1)
            s[2] = sign * thr - 0.02 * s[3] + rng.uniform(-1e-4, 1e-4)
        elif k == 4:  # exactly on a threshold after the step is unlikely; on it before
            s[0] = rng.choice([-2.4, 2.4])
            s[2] = rng.choice([-thr, thr]) * rng.choice([0.0, 1.0])
            s[1] = rng.uniform(-0.1, 0.1)
            s[3] = rng.uniform(-0.1, 0.1)
        elif k == 5:  # beyond the limits already
            s = rng.uniform([-3, -4, -0.4, -4], [3, 4, 0.4, 4])
        out.append(s)
    return out


def acrobot_states(rng, n):
    out = []
    for i in range(n):
        k = i % 6
        s = rng.uniform(-0.1, 0.1, 4).astype(np.float32).astype(np.float64)
        if k == 1:  # broad
            s = rng.uniform([-math.pi, -math.pi, -4 * math.pi, -9 * math.pi],
                            [math.pi, math.pi, 4 * math.pi, 9 * math.pi])
        elif k == 2:  # near the terminal height: -cos(t1) - cos(t1+t2) ~ 1
            t1 = rng.uniform(-math.pi, math.pi)
            c = -1.0 - math.cos(t1) + rng.uniform(-0.05, 0.05)
            c = max(-1.0, min(1.0, c))
            t12 = math.acos(c) * rng.choice([-1.0, 1.0])
            t2 = (t12 - t1 + math.pi) % (2 * math.pi) - math.pi
            s = np.array([t1, t2, rng.uniform(-1, 1), rng.uniform(-1, 1)])
        elif k == 3:  # angles near the wrap at +-pi
            s = np.array([rng.choice([-1.0, 1.0]) * (math.pi - rng.uniform(0, 0.3)),
                          rng.choice([-1.0, 1.0]) * (math.pi - rng.uniform(0, 0.3)),
                          rng.uniform(-4 * math.pi, 4 * math.pi),
                          rng.uniform(-9 * math.pi, 9 * math.pi)])
        elif k == 4:  # velocities at the bounds
            s = np.array([rng.uniform(-math.pi, math.pi), rng.uniform(-math.pi, math.pi),
                          rng.choice([-1.0, 1.0]) * 4 * math.pi * rng.uniform(0.95, 1.0),
                          rng.choice([-1.0, 1.0]) * 9 * math.pi * rng.uniform(0.95, 1.0)])
        elif k == 5:  # hanging, moderate swing
            s = rng.uniform([-1.5, -2, -3, -5], [1.5, 2, 3, 5])
        out.append(s)
    return out


def mountaincar_states(rng, n):
    out = []
    for i in range(n):
        k = i % 6
        s = np.array([rng.uniform(-0.6, -0.4), 0.0])
        if k == 1:  # broad
            s = np.array([rng.uniform(-1.2, 0.6), rng.uniform(-0.07, 0.07)])
        elif k == 2:  # the left wall, moving left
            s = np.array([-1.2 + rng.uniform(0, 0.02), -rng.uniform(0, 0.07)])
        elif k == 3:  # the goal line
            s = np.array([0.5 + rng.uniform(-0.02, 0.01), rng.uniform(-0.01, 0.07)])
        elif k == 4:  # speed at the clip
            s = np.array([rng.uniform(-1.2, 0.6), rng.choice([-1.0, 1.0]) * rng.uniform(0.068, 0.07)])
        elif k == 5:  # exactly on limits
            s = np.array([rng.choice([-1.2, 0.5, 0.6]), rng.choice([-0.07, 0.0, 0.07])])
        out.append(s)
    return out


def record(name, rng):
    env = gym.make(name)
    env.reset(seed=int(rng.integers(1 << 31)))
    tl = time_limit(env)
    u = env.unwrapped
    n = N_PER_ENV[name]
    nact = env.action_space.n
    maxt = tl._max_episode_steps
    gen = {"CartPole-v1": cartpole_states, "Acrobot-v1": acrobot_states,
           "MountainCar-v0": mountaincar_states}[name]
    # Half the lines: states of rollouts from gymnasium's own resets under
    # random actions. The other half: the drawn states above.
    lines = []
    drawn = gen(rng, n // 2)
    for s in drawn:
        lines.append((np.array(s, dtype=np.float64), int(rng.integers(nact))))
    roll = []
    while len(roll) < n - len(drawn):
        obs, _ = env.reset(seed=int(rng.integers(1 << 31)))
        done = False
        while not done and len(roll) < n - len(drawn):
            s = np.array(u.state, dtype=np.float64)
            a = int(rng.integers(nact))
            roll.append((s, a))
            _, _, te, tr, _ = env.step(a)
            done = te or tr
    lines += roll
    out = []
    for i, (s, a) in enumerate(lines):
        # step counters: mostly small, some right at the truncation limit
        k = i % 10
        t = maxt - 1 if k == 0 else (maxt - 2 if k == 1 else int(rng.integers(0, maxt - 2)))
        env.reset(seed=0)
        u.state = np.array(s, dtype=np.float64)
        if hasattr(u, "steps_beyond_terminated"):
            u.steps_beyond_terminated = None
        tl._elapsed_steps = t
        obs, r, te, tr, _ = env.step(a)
        ns = np.array(u.state, dtype=np.float64)
        f = [str(t), str(a)]
        f += ["%.17g" % v for v in s]
        f += ["%.17g" % v for v in ns]
        f += ["%.17g" % r, str(int(te)), str(int(tr))]
        f += ["%.9g" % v for v in np.asarray(obs, dtype=np.float32)]
        out.append(" ".join(f))
    env.close()
    return out


def main():
    outdir = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    rng = np.random.default_rng(20261123)
    for name in ("CartPole-v1", "Acrobot-v1", "MountainCar-v0"):
        rows = record(name, rng)
        path = os.path.join(outdir, FILES[name])
        tmp = path + ".tmp"
        with open(tmp, "w") as fh:
            fh.write("# %s transitions recorded from gymnasium %s by tests/env/gen_fixtures.py\n"
                     % (name, gym.__version__))
            fh.write("# t a state[] next_state[] reward terminated truncated obs[]\n")
            for r in rows:
                fh.write(r + "\n")
        os.replace(tmp, path)
        print("%s: %d transitions -> %s" % (name, len(rows), path))


if __name__ == "__main__":
    main()
