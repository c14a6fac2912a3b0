"""Tests of the Python client against svec itself (run from a checkout of svec).

    PYTHONPATH=python python3 -m unittest discover -s python/tests -v

npm test runs them too (test/interfaces/pythonClient.test.ts, with Debian's /usr/bin/python3).
The client starts svec from this checkout (bin/svec.mjs, through tsx); the rewards are compared
with svec's batched environment called directly by test/interfaces/replayEpisode.ts.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import unittest
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "python"))

import svec  # noqa: E402
from svec.env import _to_json  # noqa: E402

SMALL = ["vehicles=3", "slotsPerEpisode=8"]


def random_actions(env, rng):
    # continuous values a little outside [-1, 1] too: svec clips them, on both sides alike
    return {agent: {"offload": int(rng.integers(2)), "continuous": rng.uniform(-1.2, 1.2, 3)} for agent in env.agents}


def replay_in_typescript(overrides, seed, actions):
    """The same actions on svec's SvecEnv, called directly from TypeScript (no server)."""
    node = shutil.which("node")
    request = json.dumps({"overrides": overrides, "seed": seed, "actions": actions}, default=_to_json)
    done = subprocess.run([node, "--import", "tsx", "test/interfaces/replayEpisode.ts"], input=request, cwd=REPO,
                          capture_output=True, text=True, timeout=120, check=False)
    if done.returncode != 0:
        raise AssertionError(f"replayEpisode.ts failed: {done.stderr}")
    return json.loads(done.stdout)


class EpisodeTest(unittest.TestCase):
    def test_an_episode_gives_the_rewards_of_the_typescript_environment(self):
        rng = np.random.default_rng(3)
        seed = 11
        sent, rewards, observations = [], [], []
        with svec.parallel_env(overrides=SMALL) as env:
            self.assertEqual(env.possible_agents, ["vehicle_0", "vehicle_1", "vehicle_2"])
            first, infos = env.reset(seed=seed)
            observations.append(first)
            self.assertEqual(set(infos), set(env.possible_agents))
            self.assertIn(infos["vehicle_0"]["modality"], ("text", "image", "speech"))
            while env.agents:
                actions = random_actions(env, rng)
                obs, rew, terminations, truncations, step_infos = env.step(actions)
                sent.append(actions)
                rewards.append(rew)
                observations.append(obs)
            self.assertEqual(len(rewards), env.max_episode_steps)
            self.assertEqual(env.max_episode_steps, 8)
            # episodes end by time limit: every agent truncated at the last slot, none terminated
            self.assertTrue(all(truncations.values()) and not any(terminations.values()))
            self.assertEqual(env.agents, [])
            # svec's per-agent infos, as SvecParallelEnv gives them
            self.assertLessEqual({"offload", "lambda", "powerW", "latencyMs", "energyJ", "fidelity", "utility", "queue"},
                                 set(step_infos["vehicle_2"]))

        reference = replay_in_typescript(SMALL, seed, sent)
        # exactly equal: the numbers travel as JSON, which keeps every double
        self.assertEqual(rewards, reference["rewards"])
        self.assertEqual(len(observations), len(reference["observations"]))
        for ours, theirs in zip(observations, reference["observations"]):
            for agent, values in theirs.items():
                self.assertEqual(ours[agent].dtype, np.float32)
                np.testing.assert_array_equal(ours[agent], np.asarray(values, dtype=np.float32))
        # not a constant: the actions change the rewards
        self.assertGreater(len({r["vehicle_0"] for r in rewards}), 1)

    def test_a_seed_fixes_the_episode(self):
        with svec.parallel_env(overrides=SMALL) as env:
            a, _ = env.reset(seed=5)
            b, _ = env.reset(seed=5)
            c, _ = env.reset(seed=6)
        np.testing.assert_array_equal(a["vehicle_1"], b["vehicle_1"])
        self.assertFalse(np.array_equal(a["vehicle_1"], c["vehicle_1"]))

    def test_spaces_describe_what_svec_takes_and_gives(self):
        with svec.parallel_env(overrides=SMALL) as env:
            observations, _ = env.reset(seed=1)
            obs_space = env.observation_space("vehicle_0")
            self.assertIsInstance(obs_space, svec.Box)
            self.assertEqual(obs_space.shape, observations["vehicle_0"].shape)
            self.assertTrue(all(obs_space.contains(o) for o in observations.values()))
            space = env.action_space("vehicle_1")
            self.assertEqual(space["offload"], svec.Discrete(2))
            self.assertEqual(space["continuous"].shape, (3,))
            self.assertEqual(space["continuous"].names, ["lambda", "power", "bandwidth"])
            space.seed(7)
            sample = space.sample()
            self.assertTrue(space.contains(sample))
            # sampled actions are accepted as they are
            env.step({agent: env.action_space(agent).sample() for agent in env.agents})


class ErrorTest(unittest.TestCase):
    def test_a_malformed_action_raises_an_exception_naming_the_field(self):
        with svec.parallel_env(overrides=SMALL) as env:
            env.reset(seed=1)
            good = {agent: {"offload": 0, "continuous": [0.0, 0.0, 0.0]} for agent in env.agents}
            cases = [
                ({**good, "vehicle_1": {"offload": 1, "continuous": [0.5, 0.5]}}, "params.actions.vehicle_1.continuous"),
                ({**good, "vehicle_0": {"offload": 2, "continuous": [0.0, 0.0, 0.0]}}, "params.actions.vehicle_0.offload"),
                ({**good, "vehicle_2": {"offload": 1, "continuous": [0.0, "high", 0.0]}}, "params.actions.vehicle_2.continuous.1"),
                ({a: v for a, v in good.items() if a != "vehicle_2"}, "params.actions.vehicle_2"),
                ({**good, "vehicle_9": good["vehicle_0"]}, "params.actions.vehicle_9"),
            ]
            for actions, field in cases:
                with self.subTest(field=field):
                    with self.assertRaises(svec.SvecError) as raised:
                        env.step(actions)
                    self.assertEqual(raised.exception.type, "InvalidRequest")
                    self.assertEqual(raised.exception.field, field)
                    self.assertIn(field, str(raised.exception))
            # a refused request changes nothing: the episode goes on
            env.step(good)

    def test_a_bad_scenario_raises_with_svecs_message(self):
        with self.assertRaises(svec.SvecError) as raised:
            svec.parallel_env(overrides=["vehicles=0"])
        self.assertEqual(raised.exception.type, "Exited")
        self.assertRegex(str(raised.exception), r"status 2: svec: scenario: vehicles: .*>=1")

    def test_steps_outside_an_episode_are_refused(self):
        with svec.parallel_env(overrides=["vehicles=2", "slotsPerEpisode=1"]) as env:
            action = {agent: {"offload": 1, "continuous": [0, 0, 0]} for agent in env.possible_agents}
            with self.assertRaisesRegex(svec.SvecError, "call reset before the first step"):
                env.step(action)
            env.reset(seed=3)
            env.step(action)
            with self.assertRaises(svec.SvecError) as raised:
                env.step(action)
            self.assertEqual(raised.exception.type, "StateError")
            with self.assertRaisesRegex(svec.SvecError, "reset: params.seed"):
                env.reset(seed=-1)
        with self.assertRaisesRegex(svec.SvecError, "closed"):
            env.reset(seed=1)


class ExampleTest(unittest.TestCase):
    EXAMPLE = REPO / "python" / "examples" / "random_policy.py"

    def test_the_documented_example_runs(self):
        env = dict(os.environ, PYTHONPATH=str(REPO / "python"))
        done = subprocess.run([sys.executable, str(self.EXAMPLE)], capture_output=True, text=True, timeout=120, env=env,
                              cwd=REPO, check=False)
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertRegex(done.stdout, r"\d+ slots, team reward -?\d+\.\d, last slot's mean latency \d+\.\d\d ms")

    def test_the_docs_show_the_example_as_it_is(self):
        for page in ("docs/python.md", "README.md"):
            with self.subTest(page=page):
                blocks = re.findall(r"```python\n(.*?)```", (REPO / page).read_text(encoding="utf-8"), flags=re.S)
                self.assertIn(self.EXAMPLE.read_text(encoding="utf-8"), blocks)
        self.assertLessEqual(len(self.EXAMPLE.read_text(encoding="utf-8").splitlines()), 20)


if __name__ == "__main__":
    unittest.main()
