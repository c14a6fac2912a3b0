// Simulator throughput: N = 20 vehicles, a trivial fixed policy (every vehicle offloads at
// lambda 0.7, mid power, equal weights), whole episodes through the batched core.
// Prints {"name": "simulator", "vehicle_slots_per_s": ...} as the last line.
import { defaultScenario } from '../src/config/scenario.ts';
import { SvecCore } from '../src/sim/core.ts';
import { allocateSlotActions } from '../src/sim/slotModel.ts';

const scenario = { ...defaultScenario(), vehicles: 20 };
const core = new SvecCore(scenario, { seed: 1 });
const actions = allocateSlotActions(core.n);
for (let i = 0; i < core.n; i++) {
  actions.rho[i] = i % 2; // half offload, half local: both code paths run
  actions.lambda[i] = 0.7;
  actions.p[i] = 0.7;
  actions.w[i] = 1;
}

function run(slots: number): number {
  let checksum = 0;
  core.reset(7);
  for (let s = 0; s < slots; s++) {
    if (core.episodeDone) core.reset();
    core.step(actions);
    checksum += core.out.reward[0]!;
  }
  return checksum;
}

run(20_000); // warm-up: let the JIT settle
const rounds: number[] = [];
for (let k = 0; k < 5; k++) {
  const slots = 200_000;
  const start = process.hrtime.bigint();
  run(slots);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  rounds.push((slots * core.n) / seconds);
}
rounds.sort((a, b) => a - b);
const median = rounds[Math.floor(rounds.length / 2)]!;
console.log(JSON.stringify({ name: 'simulator', N: core.n, vehicle_slots_per_s: Math.round(median), rounds: rounds.map(Math.round) }));
