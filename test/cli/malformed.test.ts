// Every failure is one clear line and exit status 2, and nothing saved is harmed: a battery of
// malformed inputs across every command. Each case runs the CLI's main() in this process (a
// child process per case would take minutes), inside a sandbox folder holding fixtures (a
// trained run, corrupted copies of it, bad configs and tables); after each case the sandbox must
// be byte-for-byte what it was, and standard error exactly one line naming the problem.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { main } from '../../src/cli/main.ts';
import { defaultScenario } from '../../src/config/scenario.ts';
import { resolveFidelityTablePath } from '../../src/sim/fidelity.ts';
import { train } from '../../src/train/run.ts';

const sandbox = mkdtempSync(join(tmpdir(), 'svec-malformed-'));
const run = join(sandbox, 'run');
const tinyHp = { hiddenSize: 4, batchSize: 4, learningStarts: 4, randomWarmupSlots: 4, checkpointEvery: 1 };

/** A copy of the trained run with `damage` applied to it. */
function brokenRun(name: string, damage: (dir: string, checkpoint: string) => void): string {
  const dir = join(sandbox, name);
  cpSync(run, dir, { recursive: true });
  const checkpoint = join(dir, 'checkpoints', readFileSync(join(dir, 'checkpoints', 'latest'), 'utf8').trim());
  damage(dir, checkpoint);
  return dir;
}

before(async () => {
  const scenario = { ...defaultScenario(), vehicles: 2, slotsPerEpisode: 4 };
  await train({ algo: 'ddpg', scenario, hyperparameters: tinyHp, seed: 1, episodes: 2, runDir: run });
  brokenRun('truncated-data', (_d, c) => truncateSync(join(c, 'data.bin'), 100));
  brokenRun('random-data', (_d, c) => {
    const size = statSync(join(c, 'data.bin')).size;
    writeFileSync(join(c, 'data.bin'), Buffer.from(Array.from({ length: size }, (_, k) => (k * 131 + 7) % 256)));
  });
  brokenRun('broken-state', (_d, c) => writeFileSync(join(c, 'state.json'), '{"episode": 2, "sect'));
  brokenRun('broken-config', (d) => writeFileSync(join(d, 'config.json'), '{ not json'));
  brokenRun('config-without-seed', (d) => {
    const config = JSON.parse(readFileSync(join(d, 'config.json'), 'utf8'));
    delete config.seed;
    writeFileSync(join(d, 'config.json'), JSON.stringify(config));
  });
  brokenRun('latest-missing', (d) => writeFileSync(join(d, 'checkpoints', 'latest'), 'ep-000099\n'));
  brokenRun('latest-garbage', (d) => writeFileSync(join(d, 'checkpoints', 'latest'), '../../etc\n'));
  brokenRun('no-checkpoint', (d) => {
    for (const f of readdirSync(join(d, 'checkpoints'))) if (f !== 'latest') cpSync(join(d, 'checkpoints', f), join(d, `moved-${f}`), { recursive: true });
    writeFileSync(join(d, 'checkpoints', 'latest'), 'ep-000007\n');
  });
  mkdirSync(join(sandbox, 'empty'));
  mkdirSync(join(sandbox, 'a-folder'));
  writeFileSync(join(sandbox, 'a-file'), 'not a folder\n');
  writeFileSync(join(sandbox, 'bad.yaml'), 'vehicles: [1, 2\n');
  writeFileSync(join(sandbox, 'list.yaml'), '- 1\n- 2\n');
  writeFileSync(join(sandbox, 'typo.yaml'), 'vehicels: 5\n');
  writeFileSync(
    join(sandbox, 'laughs.yaml'),
    'a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\ng: [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n',
  );
  writeFileSync(join(sandbox, 'deep.json'), `${'['.repeat(20000)}${']'.repeat(20000)}`);
  writeFileSync(join(sandbox, 'garbage.yaml'), Buffer.from(Array.from({ length: 512 }, (_, k) => (k * 197 + 3) % 256)));
  writeFileSync(join(sandbox, 'not-a-table.json'), JSON.stringify({ kind: 'something-else' }));
  writeFileSync(join(sandbox, 'half-table.json'), JSON.stringify({ kind: 'svec-fidelity-table', provenance: {}, lambdas: [0.4, 1], snrDb: [0, 10], fidelity: { text: [[0.5]] } }));
  const measured = JSON.parse(readFileSync(resolveFidelityTablePath(defaultScenario().fidelityTable), 'utf8'));
  measured.fidelity.image[3][7] = Math.min(1, measured.fidelity.image[3][7] + 0.01);
  writeFileSync(join(sandbox, 'edited-table.json'), JSON.stringify(measured));
  writeFileSync(join(sandbox, 'not-json.json'), 'nope');
  writeFileSync(join(sandbox, 'run-config-ddpg.json'), readFileSync(join(run, 'config.json')));
  writeFileSync(join(sandbox, 'hp-typo.yaml'), 'batchsize: 3\n');
});

/** path -> SHA-256 of every file under the sandbox (and its mode for folders). */
function snapshot(): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        files.set(`${relative(sandbox, path)}/`, 'dir');
        walk(path);
      } else files.set(relative(sandbox, path), createHash('sha256').update(readFileSync(path)).digest('hex'));
    }
  };
  walk(sandbox);
  return files;
}

async function runCli(args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((chunk: string | Uint8Array) => ((stdout += chunk.toString()), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => ((stderr += chunk.toString()), true)) as typeof process.stderr.write;
  const cwd = process.cwd();
  process.chdir(sandbox);
  process.exitCode = undefined;
  try {
    const status = await main(['node', 'svec', ...args]);
    return { status, stdout, stderr };
  } finally {
    process.chdir(cwd);
    process.stdout.write = out;
    process.stderr.write = err;
    process.exitCode = undefined;
  }
}

/** [command line, what the one line must mention (regex)] */
const CASES: [string[], RegExp][] = [
  // svec simulate
  [['simulate', '--episodes', '0'], /--episodes must be an integer/],
  [['simulate', '--episodes', 'abc'], /--episodes must be an integer/],
  [['simulate', '--seed', '-1'], /--seed must be an integer/],
  [['simulate', '--seed', '1.5'], /--seed must be an integer/],
  [['simulate', '--policies', 'nosuch'], /--policies: unknown policy 'nosuch'/],
  [['simulate', '--policies', ','], /--policies: empty item/],
  [['simulate', '--policies', 'greedy,,oracle'], /--policies: empty item/],
  [['simulate', '--policies', 'greedy,greedy'], /'greedy' is listed twice/],
  [['simulate', '--policies', 'offload-all:abc'], /'abc' is not a number/],
  [['simulate', '--set', 'vehicles=0'], /vehicles: .*>=1/],
  [['simulate', '--set', 'vehicles=abc'], /vehicles: .*expected number/i],
  [['simulate', '--set', 'vehicels=5'], /'vehicels' \(did you mean 'vehicles'\?\)/],
  [['simulate', '--set', 'lambda.max=2'], /lambda.max: Too big/],
  [['simulate', '--set', 'slotsPerEpisode=1e12'], /slotsPerEpisode: Too big/],
  [['simulate', '--set', 'fidelityTable=no-such-table.json'], /fidelityTable: no-such-table.json does not exist/],
  [['simulate', '--set', 'fidelityTable=not-a-table.json'], /not an svec fidelity table/],
  [['simulate', '--set', 'fidelityTable=half-table.json'], /fidelityTable half-table.json: .*'text' must have 2 rows/],
  [['simulate', '--set', 'fidelityTable=edited-table.json'], /do not match the hash it records/],
  [['simulate', '--set', 'fidelityTable=not-json.json'], /cannot read not-json.json as JSON/],
  [['simulate', '--scenario', 'no-such.yaml'], /cannot read config file no-such.yaml/],
  [['simulate', '--scenario', 'bad.yaml'], /bad.yaml: not valid YAML/],
  [['simulate', '--scenario', 'list.yaml'], /the top level must be a mapping/],
  [['simulate', '--scenario', 'typo.yaml'], /did you mean 'vehicles'/],
  [['simulate', '--scenario', 'laughs.yaml'], /laughs.yaml/],
  [['simulate', '--scenario', 'deep.json'], /deep.json/],
  [['simulate', '--scenario', 'garbage.yaml'], /garbage.yaml/],
  [['simulate', '--out', 'a-folder'], /--out a-folder is a directory/],
  [['simulate', '--out', 'a-file/x.json'], /a-file is a file, not a directory/],
  [['simulate', '--set', '=3'], /expected KEY=VALUE|empty field name/],
  [['simulate', '--set', 'vehicles'], /--set vehicles: expected KEY=VALUE/],
  [['simulate', '--no-such-option'], /unknown option '--no-such-option'/],
  [['no-such-command'], /unknown command 'no-such-command'/],
  // svec model step
  [['model', 'step', '--input', 'no-such-case.json'], /--input: cannot read no-such-case.json/],
  [['model', 'step', '--input', 'not-json.json'], /--input: not valid JSON/],
  [['model', 'step'], /required option '--input <file>' not specified/],
  // svec train
  [['train', '--algo', 'nosuch', '--episodes', '2', '--out', 'new-run'], /argument 'nosuch' is invalid/],
  [['train', '--episodes', '2'], /--out DIR is required/],
  [['train', '--out', 'new-run'], /--episodes is required/],
  [['train', '--episodes', '0', '--out', 'new-run'], /--episodes must be an integer/],
  [['train', '--episodes', '2', '--out', 'a-file'], /--out a-file exists and is not a directory/],
  [['train', '--episodes', '2', '--out', 'a-file/run'], /a-file is a file, not a directory/],
  [['train', '--episodes', '2', '--out', '/proc/svec-cannot-write-here'], /cannot write the run directory|not a directory|EACCES|ENOENT/],
  [['train', '--episodes', '2', '--out', 'run'], /run already holds a run/],
  [['train', '--episodes', '2', '--out', 'new-run', '--hp', 'batchSize'], /--hp batchSize: expected KEY=VALUE/],
  [['train', '--episodes', '2', '--out', 'new-run', '--hp', 'nosuch=1'], /unknown field\(s\) 'nosuch'/],
  [['train', '--episodes', '2', '--out', 'new-run', '--hp', 'batchSize=0'], /batchSize: Too small/],
  [['train', '--episodes', '2', '--out', 'new-run', '--hp', 'batchsize=3'], /did you mean 'batchSize'/],
  [['train', '--episodes', '2', '--out', 'new-run', '--config', 'no-such.yaml'], /cannot read config file no-such.yaml/],
  [['train', '--episodes', '2', '--out', 'new-run', '--config', 'hp-typo.yaml'], /did you mean 'batchSize'/],
  [['train', '--algo', 'sac', '--out', 'new-run', '--config', 'run-config-ddpg.json'], /--algo sac contradicts --config/],
  [['train', '--episodes', '2', '--out', 'new-runs', '--seeds', '1,,2'], /--seeds: empty item/],
  [['train', '--episodes', '2', '--out', 'new-runs', '--seeds', ''], /--seeds: empty item/],
  [['train', '--episodes', '2', '--out', 'new-runs', '--seeds', '1,1'], /'1' is listed twice/],
  [['train', '--episodes', '2', '--out', 'new-runs', '--seeds', '1,x'], /--seeds: 'x' is not a seed/],
  [['train', '--episodes', '2', '--out', 'new-run', '--set', 'fidelityTable=no-such-table.json'], /no-such-table.json does not exist/],
  [['train', '--resume', 'no-such-run'], /no-such-run does not exist/],
  [['train', '--resume', 'empty'], /empty is not an svec run directory/],
  [['train', '--resume', 'a-file'], /a-file is not a directory/],
  [['train', '--resume', 'truncated-data'], /data.bin: holds 100 bytes/],
  [['train', '--resume', 'random-data'], /SHA-256 does not match/],
  [['train', '--resume', 'broken-state'], /state.json: cannot be read as JSON/],
  [['train', '--resume', 'broken-config'], /config.json: not valid JSON/],
  [['train', '--resume', 'config-without-seed'], /config.json: seed/],
  [['train', '--resume', 'latest-missing'], /names ep-000099, which is missing/],
  [['train', '--resume', 'latest-garbage'], /does not name a checkpoint/],
  [['train', '--resume', 'run', '--episodes', '1'], /already at episode 2/],
  [['train', '--resume', 'run', '--set', 'vehicles=3'], /--set and --hp cannot be combined/],
  [['train', '--resume', 'run', '--out', 'x'], /--out cannot be combined/],
  // svec eval
  [['eval', '--run', 'a-folder'], /a-folder is not an svec run directory/],
  [['eval', '--run', 'no-such-run'], /no-such-run does not exist/],
  [['eval', '--run', 'run', '--policies', 'nosuch'], /--policies: unknown policy 'nosuch'/],
  [['eval', '--run', 'run', '--policies', 'greedy,'], /--policies: empty item/],
  [['eval', '--run', 'run', '--episodes', '0'], /--episodes must be an integer/],
  [['eval', '--run', 'no-checkpoint'], /names ep-000007, which is missing/],
  [['eval', '--run', 'random-data'], /SHA-256 does not match/],
  [['eval'], /required option '--run <dir>'/],
  // svec compare
  [['compare', '--algos', 'nosuch', '--episodes', '1', '--out', 'new-compare'], /'nosuch' is neither a learning algorithm/],
  [['compare', '--algos', '', '--episodes', '1', '--out', 'new-compare'], /--algos: empty item/],
  [['compare', '--algos', 'ddpg,ddpg', '--episodes', '1', '--out', 'new-compare'], /'ddpg' is listed twice/],
  [['compare', '--seeds', '0', '--episodes', '1', '--out', 'new-compare'], /--seeds: expected a number of seeds/],
  [['compare', '--hp', 'dmadrl.batchSize', '--episodes', '1', '--out', 'new-compare'], /--hp batchSize: expected KEY=VALUE/],
  [['compare', '--hp', 'nosuch.x=1', '--episodes', '1', '--out', 'new-compare'], /expected ALGO.key=value/],
  [['compare', '--hp', 'ddpg.batchSize=0', '--algos', 'ddpg', '--episodes', '1', '--out', 'new-compare'], /ddpg hyperparameters: batchSize/],
  [['compare', '--episodes', '1', '--out', 'a-file'], /--out a-file exists and is not a directory/],
  [['compare', '--out', 'new-compare'], /required option '--episodes <n>'/],
  // svec reproduce
  [['reproduce', '--only', ''], /--only: empty item/],
  [['reproduce', '--only', 'fig99'], /unknown experiment 'fig99'/],
  [['reproduce', '--profile', 'huge'], /argument 'huge' is invalid/],
  [['reproduce', '--workers', '0'], /--workers must be an integer/],
  [['reproduce', '--out', 'a-file'], /--out a-file exists and is not a directory/],
  [['reproduce', '--set', 'vehicles=-2'], /vehicles: Too small/],
  // svec data, svec config, svec codec
  [['data', 'prepare', '--only', 'video'], /unknown modality 'video'/],
  [['data', 'prepare', '--only', ''], /--only: empty item/],
  [['config', 'fields', '--format', 'xml'], /argument 'xml' is invalid/],
  [['config', 'show', '--set', 'preferences.energy=0.9'], /must sum to 1/],
  [['codec', 'train', '--modality', 'video'], /--modality must be one of/],
  [['codec', 'eval', '--modality', 'text,video'], /--modality must be one of/],
  [['codec', 'table', '--conventional-lambda', '2'], /--conventional-lambda must lie in \(0, 1\]/],
];

test(`${CASES.length} malformed inputs: exit status 2, one line naming the problem, no stack trace, nothing created or changed`, async () => {
  assert.ok(CASES.length >= 60);
  const failures: string[] = [];
  for (const [args, expected] of CASES) {
    const before = snapshot();
    if (process.env.SVEC_TEST_VERBOSE) process.stderr.write(`case: ${args.join(' ')}\n`);
    const result = await runCli(args);
    const label = `svec ${args.map((a) => (a === '' ? "''" : a)).join(' ')}`;
    const lines = result.stderr.split('\n');
    const after = snapshot();
    const changed = [...new Set([...before.keys(), ...after.keys()])].filter((k) => before.get(k) !== after.get(k));
    if (result.status !== 2) failures.push(`${label}: exit status ${result.status} (stderr: ${result.stderr.slice(0, 300)})`);
    else if (!(result.stderr.endsWith('\n') && lines.length === 2 && lines[0]!.startsWith('svec: ')))
      failures.push(`${label}: not one line: ${JSON.stringify(result.stderr.slice(0, 300))}`);
    else if (!expected.test(lines[0]!)) failures.push(`${label}: '${lines[0]}' does not match ${expected}`);
    else if (/\n\s+at |\bat file:|Error: .*\n/.test(result.stderr)) failures.push(`${label}: a stack trace`);
    else if (result.stdout !== '') failures.push(`${label}: printed on standard output: ${result.stdout.slice(0, 100)}`);
    if (changed.length > 0) failures.push(`${label}: created or changed ${changed.slice(0, 5).join(', ')}`);
  }
  assert.deepEqual(failures, []);
});
