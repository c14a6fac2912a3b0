// The duration `svec reproduce` states for a profile, split by algorithm, without running anything:
//   node --import tsx scripts/estimate-reproduce.ts [demo|quick|standard|paper] [--only fig4,fig5,...] [--workers 2]
// (docs/performance.md, "The paper profile's duration").
import { algorithmNames } from '../src/agents/catalog.ts';
import { defaultScenario } from '../src/config/scenario.ts';
import { cellScenario } from '../src/experiments/cellTask.ts';
import { EXPERIMENTS, PROFILES, type ExperimentId, type Profile } from '../src/experiments/definitions.ts';
import { estimateCellSeconds, estimateReproduction, parseExperimentIds } from '../src/experiments/reproduce.ts';

const args = process.argv.slice(2);
const option = (name: string) => {
  const k = args.indexOf(`--${name}`);
  return k >= 0 ? args[k + 1] : undefined;
};
const profileName = (args.find((a) => !a.startsWith('--') && !args[args.indexOf(a) - 1]?.startsWith('--')) ?? 'paper') as Profile['name'];
const profile = PROFILES[profileName];
if (!profile) throw new Error(`unknown profile '${profileName}' (known: ${Object.keys(PROFILES).join(', ')})`);
const only = option('only');
const ids: ExperimentId[] = only ? parseExperimentIds(only) : (profile.experiments ?? (Object.keys(EXPERIMENTS) as ExperimentId[]));
const workers = Number(option('workers') ?? 2);
const base = defaultScenario();
const { cells, seconds } = await estimateReproduction(ids, profile, base, '/nonexistent', workers);
const byAlgo: Record<string, number> = {};
for (const cell of cells) byAlgo[cell.algo] = (byAlgo[cell.algo] ?? 0) + estimateCellSeconds(cell, cellScenario(base, cell), profile.evalEpisodes);
const order = [...algorithmNames(), ...Object.keys(byAlgo).filter((a) => !algorithmNames().includes(a))];
console.log(
  JSON.stringify({
    profile: profileName,
    experiments: ids,
    cells: cells.length,
    workers,
    hours: Number((seconds / 3600).toFixed(2)),
    core_hours_by_algorithm: Object.fromEntries(order.filter((a) => a in byAlgo).map((a) => [a, Number((byAlgo[a]! / 3600).toFixed(2))])),
  }),
);
