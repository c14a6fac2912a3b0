// The objective's audit (docs/model.md): what eq33 pays for swinging energy against the exact
// drift, on the same slots. Prints one JSON line per policy and objective.
//   node --import tsx scripts/audit-objective.ts [N]     (TABLE=path: another fidelity table)
import { defaultScenario } from '../src/config/scenario.ts';
import { simulateBuiltin, simulatePolicy } from '../src/experiments/simulate.ts';

const N = Number(process.argv[2] ?? 5);
const table = process.env.TABLE ? { fidelityTable: process.env.TABLE } : {};
const options = { episodes: 10, seed: 1 };
const round = (x: number) => +x.toFixed(1);
for (const objective of ['eq33', 'drift'] as const) {
  const scenario = { ...defaultScenario(), vehicles: N, objective, rewardSharing: 'own' as const, ...table };
  // the audit's fixed policy: offload everything at lambda 0.4, p 0.6, equal weights
  const fixed = simulatePolicy(
    scenario,
    () => ({
      name: 'fixed',
      label: 'fixed',
      act(_core, out) {
        out.rho.fill(1);
        out.lambda.fill(0.4);
        out.p.fill(0.6);
        out.w.fill(1);
      },
    }),
    options,
  );
  const oracle = simulateBuiltin(scenario, 'oracle', options);
  console.log(
    JSON.stringify({
      N,
      objective,
      policy: 'offload all at lambda 0.4, p 0.6',
      teamReward: round(fixed.teamReward),
      utilityPart: round(fixed.utilityPart),
      oracle: round(oracle.teamReward),
      oracleUtilityPart: round(oracle.utilityPart),
    }),
  );
  // swinging: local slots (overspending) alternate with offloaded ones, period 2, 4, 8 slots
  for (const period of [2, 4, 8]) {
    const swing = simulatePolicy(
      scenario,
      () => ({
        name: 'swing',
        label: 'swing',
        act(core, out) {
          const local = Math.floor(core.slot / (period / 2)) % 2 === 0;
          out.rho.fill(local ? 0 : 1);
          out.lambda.fill(0.4);
          out.p.fill(0.6);
          out.w.fill(1);
        },
      }),
      options,
    );
    console.log(
      JSON.stringify({
        N,
        objective,
        policy: `swing, period ${period}`,
        teamReward: round(swing.teamReward),
        utilityPart: round(swing.utilityPart),
        finalBacklog: round(swing.finalBacklog),
      }),
    );
  }
}
