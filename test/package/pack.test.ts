// The npm package as a user gets it: `npm pack` (which rebuilds dist/ from scratch, the prepack
// script), the tarball installed into a fresh project from the npm cache, then
//   - plain Node (an .mjs file, no tsx anywhere in that project) imports 'svec', loads the default
//     scenario and runs one episode, with the same team reward as the sources give here;
//   - the installed `svec` command runs, parallel training included (piscina workers loading the
//     compiled tasks), and so does the Python client shipped in the package;
//   - a TypeScript file typechecks against the shipped .d.ts (tsc --noEmit with this checkout's
//     TypeScript), its @ts-expect-error lines proving the types are not `any`.
// About 30 s on the 2-core development machine, most of it tsc and npm install.
import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, test } from 'node:test';
import { loadScenario } from '../../src/config/load.ts';
import { SvecParallelEnv } from '../../src/sim/parallelEnv.ts';

const ROOT = resolve(import.meta.dirname, '..', '..');
const work = mkdtempSync(join(tmpdir(), 'svec-pack-'));
const project = join(work, 'project');
after(() => rmSync(work, { recursive: true, force: true }));

// npm itself: the one running `npm test` when there is one, else npm on PATH
const npmCli = process.env.npm_execpath;
function npm(args: string[], cwd: string) {
  const [command, prefix] = npmCli && npmCli.endsWith('.js') ? [process.execPath, [npmCli]] : ['npm', []];
  return run(command, [...prefix, ...args], { cwd });
}

function run(command: string, args: string[], options: SpawnSyncOptions = {}) {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 240_000, ...options });
  const output = `${command} ${args.join(' ')}\n${String(result.stdout)}\n${String(result.stderr)}`;
  assert.equal(result.status, 0, output);
  return { stdout: String(result.stdout), stderr: String(result.stderr) };
}

/** The episode both sides play: the default scenario, seed 7, every agent offloading at mid lambda, full power. */
const EPISODE = `
  const env = new SvecParallelEnv(loadScenario());
  env.reset(7);
  let teamReward = 0, steps = 0;
  while (env.agents.length > 0) {
    const { rewards } = env.step(Object.fromEntries(env.agents.map((a) => [a, { offloadLogits: [0, 1], continuous: [0, 1, 0] }])));
    for (const r of Object.values(rewards)) teamReward += r;
    steps++;
  }`;

test('npm pack, install the tarball into a fresh project, use it from plain Node and from TypeScript', () => {
  // 1. Pack: what goes in and what stays out.
  const packed = JSON.parse(npm(['pack', '--json', '--pack-destination', work], ROOT).stdout.replace(/^[^[]*/, '')) as { filename: string; files: { path: string }[] }[];
  const files = packed[0]!.files.map((f) => f.path);
  for (const needed of [
    'dist/index.js',
    'dist/index.d.ts',
    'dist/cli/main.js',
    'dist/experiments/trainWorker.mjs',
    'dist/experiments/cellWorker.mjs',
    'bin/svec.mjs',
    'models/fidelity/measured.json',
    'models/codecs/text/weights.bin',
    'native/svec_blas.c',
    'native/tanhf_fdlibm.h',
    'scripts/build-native.mjs',
    'python/svec/env.py',
    'dist/interfaces/dashboard/assets/index.html',
    'traces/highway.trace.gz',
  ]) {
    assert.ok(files.includes(needed), `${needed} is in the package`);
  }
  for (const path of files) assert.doesNotMatch(path, /^(src|test|docs|bench|runs|scratch|data)\/|^python\/tests\/|\.test\.|__pycache__/, `${path} stays out of the package`);

  // 2. Install into a fresh project, from the npm cache (npm ci filled it with every dependency).
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'svec-consumer', private: true, type: 'module' }));
  npm(['install', join(work, packed[0]!.filename), '--prefer-offline', '--no-audit', '--no-fund'], project);
  assert.ok(!existsSync(join(project, 'node_modules', 'tsx')), 'tsx is not installed with the package');
  assert.ok(!existsSync(join(project, 'node_modules', 'svec', 'src')), 'no sources in the installed package');
  // where the addon builds in this checkout, the package's install step builds it from the packed sources too
  if (existsSync(join(ROOT, 'native', 'build', 'Release', 'svec_blas.node')))
    assert.ok(existsSync(join(project, 'node_modules', 'svec', 'native', 'build', 'Release', 'svec_blas.node')), 'the installed package built its native addon');

  // 3. Plain Node: the package root, the default scenario (its measured fidelity table), one episode.
  writeFileSync(
    join(project, 'episode.mjs'),
    `
    import { loadScenario, SvecParallelEnv } from 'svec';
    ${EPISODE}
    console.log(JSON.stringify({ resolved: import.meta.resolve('svec'), steps, teamReward, provisional: env.core.fidelity.provenance.provisional }));`,
  );
  const episode = JSON.parse(run(process.execPath, ['episode.mjs'], { cwd: project }).stdout) as { resolved: string; steps: number; teamReward: number; provisional: boolean };
  assert.match(episode.resolved, /\/node_modules\/svec\/dist\/index\.js$/);
  assert.equal(episode.provisional, false, 'the measured table, found under the package root');
  // the same episode from the sources of this checkout
  const here = new Function('SvecParallelEnv', 'loadScenario', `${EPISODE}; return { steps, teamReward };`)(SvecParallelEnv, loadScenario) as { steps: number; teamReward: number };
  assert.equal(episode.steps, loadScenario().slotsPerEpisode);
  assert.equal(episode.teamReward, here.teamReward);

  // 4. The installed command, on plain Node: its version, and two training runs in worker threads.
  const svec = join(project, 'node_modules', '.bin', 'svec');
  assert.equal(run(svec, ['--version'], { cwd: project }).stdout.trim(), JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version);
  const trained = run(svec, ['train', '--algo', 'ddpg', '--episodes', '1', '--seeds', '1,2', '--set', 'vehicles=2', '--set', 'slotsPerEpisode=3', '--out', 'runs/t'], {
    cwd: project,
  });
  assert.match(trained.stdout + trained.stderr, /runs\/t\/seed-2/);
  assert.ok(existsSync(join(project, 'runs', 't', 'seed-1', 'metrics.csv')));
  const config = JSON.parse(readFileSync(join(project, 'runs', 't', 'seed-1', 'config.json'), 'utf8')) as { codeVersion: string };
  assert.doesNotMatch(config.codeVersion, /\+/, 'no git commit claimed outside a checkout');

  // 5. The Python client shipped in the package finds the package's own svec.
  if (existsSync('/usr/bin/python3')) {
    const python = run(
      '/usr/bin/python3',
      ['-c', 'import svec\nwith svec.parallel_env(overrides=["vehicles=2"]) as env:\n    obs, _ = env.reset(seed=1)\n    print(len(obs), env.max_episode_steps)'],
      {
        cwd: project,
        env: { ...process.env, PYTHONPATH: join(project, 'node_modules', 'svec', 'python'), SVEC_COMMAND: '' },
      },
    );
    assert.equal(python.stdout.trim(), `2 ${loadScenario().slotsPerEpisode}`);
  }

  // 6. TypeScript against the shipped declarations.
  writeFileSync(
    join(project, 'consumer.ts'),
    `
    import { algorithmNames, evaluateSlotCase, loadScenario, runHarness, SvecEnv, SvecParallelEnv, train, type AgentInfo, type HarnessOptions, type MultiAgentEnv, type Scenario } from 'svec';
    const scenario: Scenario = loadScenario({ overrides: ['vehicles=3'] });
    const env: MultiAgentEnv = new SvecEnv(scenario);
    const first: Float32Array = env.reset(1);
    const agents: number = env.spec.agents;
    // @ts-expect-error the agent count is a number, not a string
    const wrong: string = env.spec.agents;
    const parallel = new SvecParallelEnv(scenario);
    const info: AgentInfo | undefined = parallel.step({ vehicle_0: { offloadLogits: [0, 1], continuous: [0, 0, 0] } }).infos['vehicle_0'];
    const latency: number | undefined = info?.latencyMs;
    // @ts-expect-error an action needs its continuous part
    parallel.step({ vehicle_0: { offloadLogits: [0, 1] } });
    const names: string[] = algorithmNames();
    const harness: (options: HarnessOptions) => Promise<unknown> = runHarness;
    // @ts-expect-error train needs its options
    void train();
    export { first, agents, wrong, latency, names, harness, evaluateSlotCase };
  `,
  );
  // what \`tsc --init\` sets up (skipLibCheck too: TF.js's own declarations need it); no @types/node
  writeFileSync(
    join(project, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: true, types: [] },
      files: ['consumer.ts'],
    }),
  );
  run(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', project], { cwd: project });
});
