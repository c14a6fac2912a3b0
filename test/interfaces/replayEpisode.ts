// The TypeScript side of the Python client's test (python/tests/test_client.py): replays given
// actions on the batched environment SvecEnv, called directly (no server, no per-agent adapter),
// and prints what it gave. Input on stdin, one JSON object:
//   {"overrides": ["vehicles=3", ...], "seed": 11, "actions": [{"vehicle_0": {"offload": 1, "continuous": [c, c, c]}, ...}, ...]}
// Output on stdout: {"observations": [first, after step 1, ...], "rewards": [{agent: reward}, ...]}
// (observations as {agent: [numbers]}). Run: node --import tsx test/interfaces/replayEpisode.ts < input.json
import { readFileSync } from 'node:fs';
import { loadScenario } from '../../src/config/load.ts';
import { actionWidth } from '../../src/env/environment.ts';
import { SvecEnv } from '../../src/env/svec.ts';

interface Input {
  overrides: string[];
  seed: number;
  actions: Record<string, { offload: number; continuous: number[] }>[];
}

const input = JSON.parse(readFileSync(0, 'utf8')) as Input;
const env = new SvecEnv(loadScenario({ overrides: input.overrides }));
const n = env.spec.agents;
const size = env.spec.observation.size;
const width = actionWidth(env.spec.action);
const agents = Array.from({ length: n }, (_, i) => `vehicle_${i}`);
const perAgent = (flat: Float32Array) => Object.fromEntries(agents.map((agent, i) => [agent, Array.from(flat.subarray(i * size, (i + 1) * size))]));

const observations = [perAgent(env.reset(input.seed))];
const rewards: Record<string, number>[] = [];
for (const actions of input.actions) {
  // one agent's raw action (env/environment.ts): the two offload scores, then the continuous values
  const raw = new Float32Array(n * width);
  agents.forEach((agent, i) => {
    const action = actions[agent]!;
    raw.set(action.offload === 1 ? [0, 1] : [1, 0], i * width);
    raw.set(action.continuous, i * width + 2);
  });
  const step = env.step(raw);
  rewards.push(Object.fromEntries(agents.map((agent, i) => [agent, step.rewards[i]!])));
  observations.push(perAgent(step.observations));
}
process.stdout.write(`${JSON.stringify({ observations, rewards })}\n`);
