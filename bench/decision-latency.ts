// Joint decision latency: N = 20 vehicles, K = 7 denoising steps, default network sizes; the
// time of one greedy joint action (all reverse steps of all agents) for one slot, over many slots.
// Prints {"name": "decision-latency", "N": 20, "K": 7, "p50_ms", "p99_ms", ...} as the last line.
import { DmadrlAgent, DmadrlConfigSchema } from '../src/agents/dmadrl.ts';
import { defaultScenario } from '../src/config/scenario.ts';
import { initNeuralBackend } from '../src/nn/backend.ts';
import { RandomStreams } from '../src/random/stream.ts';
import { SvecCore } from '../src/sim/core.ts';
import { observationDim, writeObservations } from '../src/sim/observation.ts';

await initNeuralBackend();
const N = 20;
const config = DmadrlConfigSchema.parse({ denoisingSteps: 7 });
const streams = new RandomStreams(1);
const agent = new DmadrlAgent(
  config,
  { agents: N, observationSize: observationDim('paper'), action: { discrete: [2], continuous: 3 } },
  { init: streams.get('init'), policy: streams.get('policy'), learner: streams.get('learner') },
);
const core = new SvecCore({ ...defaultScenario(), vehicles: N }, { seed: 1 });
core.reset(1);
const obs = new Float32Array(N * observationDim('paper'));
const samples: number[] = [];
for (let slot = 0; slot < 3000; slot++) {
  if (core.episodeDone) core.reset();
  writeObservations(core, 'paper', obs);
  const start = process.hrtime.bigint();
  agent.act(obs, false);
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (slot >= 200) samples.push(ms); // after JIT warm-up and the first weight snapshot
  core.step({ rho: new Uint8Array(N), lambda: new Float64Array(N).fill(1), p: new Float64Array(N).fill(0.7), w: new Float64Array(N).fill(1) });
}
samples.sort((a, b) => a - b);
const q = (p: number) => samples[Math.min(samples.length - 1, Math.floor(p * samples.length))]!;
console.log(
  JSON.stringify({
    name: 'decision-latency',
    N,
    K: config.denoisingSteps,
    hiddenSize: config.hiddenSize,
    hiddenLayers: config.hiddenLayers,
    activation: config.activation,
    p50_ms: +q(0.5).toFixed(4),
    p99_ms: +q(0.99).toFixed(4),
    max_ms: +samples[samples.length - 1]!.toFixed(4),
    slots: samples.length,
    path: 'plain TypeScript forward on weight snapshots (nn/inference.ts)',
  }),
);
