"""A random policy for one episode of the SVEC simulator, from Python (docs/python.md)."""
import numpy as np

import svec

rng = np.random.default_rng(1)
with svec.parallel_env(overrides=["vehicles=5"]) as env:
    observations, infos = env.reset(seed=42)
    print("agents:", env.agents, "observation space:", env.observation_space("vehicle_0"))
    team_reward, slots = 0.0, 0
    while env.agents:
        # one action per agent: offload or not, then lambda, power, bandwidth in [-1, 1]
        actions = {agent: {"offload": int(rng.integers(2)), "continuous": rng.uniform(-1, 1, 3)}
                   for agent in env.agents}
        observations, rewards, terminations, truncations, infos = env.step(actions)
        team_reward += sum(rewards.values())
        slots += 1
    latency = np.mean([info["latencyMs"] for info in infos.values()])
    print(f"{slots} slots, team reward {team_reward:.1f}, last slot's mean latency {latency:.2f} ms")
