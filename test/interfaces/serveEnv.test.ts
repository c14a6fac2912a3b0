// svec serve env: the protocol session in-process, and the command over real pipes.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { loadScenario } from '../../src/config/load.ts';
import { EnvSession } from '../../src/interfaces/serve/envSession.ts';
import { SvecParallelEnv } from '../../src/sim/parallelEnv.ts';

const OVERRIDES = ['vehicles=3', 'slotsPerEpisode=4'];
const scenario = () => loadScenario({ overrides: OVERRIDES });

function request(session: EnvSession, method: string, params?: unknown, id: string | number = 1) {
  // through JSON, as over the pipe
  return JSON.parse(JSON.stringify(session.handleLine(JSON.stringify({ id, method, params })))) as { id: unknown; result?: any; error?: any };
}

const goodActions = (agents: string[]) => Object.fromEntries(agents.map((a, i) => [a, { offload: i % 2, continuous: [0.5 - i, 0.25, -0.75] }]));

test('spaces: the agents and the spaces the environment declares', () => {
  const session = new EnvSession(scenario());
  const { result } = request(session, 'spaces');
  const { spec } = session.env.env;
  assert.deepEqual(result.possibleAgents, ['vehicle_0', 'vehicle_1', 'vehicle_2']);
  assert.deepEqual(result.observationSpace.shape, [spec.observation.size]);
  assert.deepEqual(result.observationSpace.low, spec.observation.low);
  assert.deepEqual(result.actionSpace.spaces.offload, { type: 'discrete', n: 2 });
  assert.deepEqual(result.actionSpace.spaces.continuous.shape, [3]);
  assert.equal(result.maxEpisodeSteps, 4);
  assert.equal(result.scenario.vehicles, 3);
});

test('reset and step answer what SvecParallelEnv gives for the same seed and actions', () => {
  const session = new EnvSession(scenario());
  const direct = new SvecParallelEnv(scenario());
  const reset = request(session, 'reset', { seed: 9 }).result;
  const expected = direct.reset(9);
  assert.deepEqual(reset.infos, expected.infos);
  assert.deepEqual(reset.observations.vehicle_1, Array.from(expected.observations.vehicle_1!));
  let steps = 0;
  while (direct.agents.length > 0) {
    const actions = goodActions(direct.agents);
    const answer = request(session, 'step', { actions }, `s${steps}`);
    assert.equal(answer.id, `s${steps}`);
    const want = direct.step(Object.fromEntries(Object.entries(actions).map(([a, x]) => [a, { offloadLogits: x.offload ? [0, 1] : [1, 0], continuous: x.continuous }])));
    assert.deepEqual(answer.result.rewards, want.rewards);
    assert.deepEqual(answer.result.truncations, want.truncations);
    assert.deepEqual(answer.result.infos, JSON.parse(JSON.stringify(want.infos)));
    assert.deepEqual(answer.result.observations.vehicle_2, Array.from(want.observations.vehicle_2!));
    assert.deepEqual(answer.result.agents, direct.agents);
    steps++;
  }
  assert.equal(steps, 4);
});

test('a malformed request is answered with an InvalidRequest naming the field, and changes nothing', () => {
  const session = new EnvSession(scenario());
  request(session, 'reset', { seed: 1 });
  const good = goodActions(session.env.possibleAgents);
  const cases: [unknown, string][] = [
    [{ id: 1, method: 'step', params: { actions: { ...good, vehicle_1: { offload: 1, continuous: [0, 0] } } } }, 'params.actions.vehicle_1.continuous'],
    [{ id: 1, method: 'step', params: { actions: { ...good, vehicle_0: { offload: true, continuous: [0, 0, 0] } } } }, 'params.actions.vehicle_0.offload'],
    [{ id: 1, method: 'step', params: { actions: { ...good, vehicle_2: { offload: 1, continuous: [0, null, 0] } } } }, 'params.actions.vehicle_2.continuous.1'],
    [{ id: 1, method: 'step', params: { actions: { ...good, vehicle_2: { offload: 1, continuous: [0, 0, 0], power: 1 } } } }, 'params.actions.vehicle_2.power'],
    [{ id: 1, method: 'step', params: { actions: { vehicle_0: good.vehicle_0, vehicle_1: good.vehicle_1 } } }, 'params.actions.vehicle_2'],
    [{ id: 1, method: 'step', params: { actions: { ...good, vehicle_7: good.vehicle_0 } } }, 'params.actions.vehicle_7'],
    [{ id: 1, method: 'step', params: {} }, 'params.actions'],
    [{ id: 1, method: 'reset', params: { seed: 1.5 } }, 'params.seed'],
    [{ id: 1, method: 'rest' }, 'method'],
    [{ method: 'spaces' }, 'id'],
  ];
  for (const [body, field] of cases) {
    const answer = JSON.parse(JSON.stringify(session.handleLine(JSON.stringify(body))));
    assert.equal(answer.error?.type, 'InvalidRequest', JSON.stringify(body));
    assert.equal(answer.error.field, field);
    assert.match(answer.error.message, new RegExp(`${field.replaceAll('.', '\\.')}: `));
  }
  assert.equal(session.env.core.slot, 0, 'no refused step ran');
  const parse = JSON.parse(JSON.stringify(session.handleLine('{"id": 3, "method": ')));
  assert.equal(parse.id, null);
  assert.equal(parse.error.type, 'ParseError');
  assert.ok(!('error' in request(session, 'step', { actions: good })));
});

test('a step before the first reset or after the episode ended is a StateError', () => {
  const session = new EnvSession(loadScenario({ overrides: ['vehicles=2', 'slotsPerEpisode=1'] }));
  const actions = goodActions(session.env.possibleAgents);
  assert.equal(request(session, 'step', { actions }).error.type, 'StateError');
  request(session, 'reset', { seed: 2 });
  assert.deepEqual(request(session, 'step', { actions }).result.agents, []);
  const after = request(session, 'step', { actions }).error;
  assert.equal(after.type, 'StateError');
  assert.match(after.message, /episode is over/);
});

function serve(args: string[], input: string) {
  return spawnSync(process.execPath, ['bin/svec.mjs', 'serve', 'env', ...args], { input, encoding: 'utf8', timeout: 60_000 });
}

test('svec serve env: one response line per request, in order, and exit status 0 at close', () => {
  const lines = [
    { id: 'a', method: 'spaces' },
    { id: 'b', method: 'reset', params: { seed: 4 } },
    { id: 'c', method: 'step', params: { actions: { vehicle_0: { offload: 1, continuous: [0, 0, 0] } } } },
    { id: 'd', method: 'close' },
    { id: 'e', method: 'spaces' }, // after close: not read
  ];
  const run = serve(OVERRIDES.map((o) => ['--set', o]).flat(), lines.map((l) => JSON.stringify(l)).join('\n') + '\n\n');
  assert.equal(run.status, 0, run.stderr);
  const responses = run.stdout
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.deepEqual(
    responses.map((r) => r.id),
    ['a', 'b', 'c', 'd'],
  );
  assert.equal(responses[2].error.field, 'params.actions.vehicle_1');
  assert.equal(responses[3].result, null);
});

test('svec serve env: the end of the input ends it too; a bad scenario is one line on stderr and exit status 2', () => {
  const eof = serve([], '{"id":1,"method":"spaces"}\n');
  assert.equal(eof.status, 0, eof.stderr);
  assert.equal(eof.stdout.trimEnd().split('\n').length, 1);
  const bad = serve(['--set', 'vehicles=0'], '{"id":1,"method":"spaces"}\n');
  assert.equal(bad.status, 2);
  assert.equal(bad.stdout, '');
  assert.match(bad.stderr, /^svec: scenario: vehicles: .*\n$/);
});

test('while serving, what else writes to standard output goes to standard error', () => {
  // a library's console.log while the server runs must not corrupt the protocol
  const script = `
    import { serveEnvOverStdio } from './src/interfaces/serve/stdio.ts';
    import { loadScenario } from './src/config/load.ts';
    const serving = serveEnvOverStdio(loadScenario({ overrides: ['vehicles=2'] }));
    console.log('noise from a library');
    process.stdout.write('more noise\\n');
    await serving;`;
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    input: '{"id":1,"method":"reset","params":{"seed":1}}\n{"id":2,"method":"close"}\n',
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(run.status, 0, run.stderr);
  const out = run.stdout.trimEnd().split('\n');
  assert.deepEqual(
    out.map((l) => JSON.parse(l).id),
    [1, 2],
  );
  assert.match(run.stderr, /noise from a library\nmore noise/);
});
