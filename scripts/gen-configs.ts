// Writes configs/ from the schemas: configs/scenarios/default.yaml and configs/algos/NAME.yaml.
// Run `npm run configs` after changing a schema; test/config/configs.test.ts checks it was run.
import { writeFileSync, mkdirSync } from 'node:fs';
import { ScenarioSchema } from '../src/config/scenario.ts';
import { documentedDefaults } from '../src/config/document.ts';
import { allAlgorithms } from '../src/agents/catalog.ts';

export async function generatedConfigs(): Promise<Record<string, string>> {
  const files: Record<string, string> = {
    'configs/scenarios/default.yaml': documentedDefaults(
      ScenarioSchema,
      'The default SVEC scenario (Table II of the paper plus our calibrated open parameters).\nGenerated from src/config/scenario.ts by `npm run configs`; copy it to make your own scenario.\nUse: svec simulate --scenario FILE, svec train --scenario FILE, or --set field=value.',
    ),
  };
  for (const entry of allAlgorithms()) {
    const { name } = entry;
    files[`configs/algos/${name}.yaml`] = documentedDefaults(
      (await entry.load()).schema,
      `${name}: ${entry.description}.\nDefault hyperparameters, generated from the algorithm's schema by \`npm run configs\`.\nUse: svec train --algo ${name} --config FILE, or --hp field=value.`,
    );
  }
  return files;
}

if (process.argv[1]?.endsWith('gen-configs.ts')) {
  for (const [path, text] of Object.entries(await generatedConfigs())) {
    mkdirSync(path.slice(0, path.lastIndexOf('/')), { recursive: true });
    writeFileSync(path, text);
    console.log(`wrote ${path}`);
  }
}
