// The live dashboard: a real run (svec train) served over a temporary folder, opened in Debian's
// headless chromium (puppeteer-core); the reward curve is drawn, gains a point when a line is
// appended to metrics.jsonl, nothing outside the folder is served, and the run folders are left
// exactly as they were.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Browser } from 'puppeteer-core';
import { startDashboard, type Dashboard } from '../../src/interfaces/dashboard/server.ts';
import { discoverRuns, MetricsStore } from '../../src/interfaces/dashboard/runs.ts';
import { buildCharts, groupSeries, metricFields } from '../../src/interfaces/dashboard/charts.ts';
import { confidenceInterval } from '../../src/report/stats.ts';

const CHROMIUM = process.env.SVEC_CHROMIUM ?? '/usr/bin/chromium';
const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

let base: string; // temporary folder: runs/ (served) and outside/ (must never be served)
let runsDir: string;
let dashboard: Dashboard;

function svec(args: string[]) {
  return spawnSync(process.execPath, ['bin/svec.mjs', ...args], { encoding: 'utf8', env: { ...process.env, CI: '1' } });
}

/** Hash of a folder tree: every file's relative path, size, modification time and contents. */
function hashTree(dir: string, skip: (relative: string) => boolean = () => false): string {
  const hash = createHash('sha256');
  const walk = (relative: string) => {
    for (const name of readdirSync(join(dir, relative)).sort()) {
      const path = join(relative, name);
      const stats = lstatSync(join(dir, path));
      if (stats.isDirectory()) {
        hash.update(`d ${path}\n`);
        walk(path);
      } else {
        hash.update(`f ${path} ${stats.mode}\n`);
        if (skip(path)) continue;
        hash.update(`${stats.size} ${stats.mtimeMs}\n`);
        hash.update(readFileSync(join(dir, path)));
      }
    }
  };
  walk('');
  return hash.digest('hex');
}

/** GET with the path sent exactly as written (fetch would normalize '..' away). */
function rawGet(port: number, path: string, host = `127.0.0.1:${port}`): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET', headers: { host } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

before(() => {
  base = mkdtempSync(join(tmpdir(), 'svec-dashboard-'));
  runsDir = join(base, 'runs');
  mkdirSync(runsDir);
  const trained = svec(['train', '--algo', 'ddpg', '--episodes', '3', '--seed', '1', '--set', 'vehicles=4', '--set', 'slotsPerEpisode=10', '--out', join(runsDir, 'a')]);
  assert.equal(trained.status, 0, trained.stderr);
  cpSync(join(runsDir, 'a'), join(runsDir, 'b'), { recursive: true, preserveTimestamps: true });
  mkdirSync(join(base, 'outside'));
  writeFileSync(join(base, 'outside', 'secret.txt'), 'SECRET-OUTSIDE');
  // outside/ looks like a run, so following the symlink to it would show
  writeFileSync(join(base, 'outside', 'config.json'), '{"algo":"ddpg","secret":"SECRET-OUTSIDE"}');
  writeFileSync(join(base, 'outside', 'metrics.jsonl'), '{"episode":1,"teamReward":1}\n');
  // symlinks out of the folder, beside the runs (a file and a folder)
  symlinkSync(join(base, 'outside', 'secret.txt'), join(runsDir, 'link-out.txt'));
  symlinkSync(join(base, 'outside'), join(runsDir, 'link-dir'));
});

after(async () => {
  await dashboard?.close();
  if (base) rmSync(base, { recursive: true, force: true });
});

test('the page draws the reward curve in chromium and adds a point when metrics.jsonl grows; run folders are left untouched', async () => {
  assert.ok(existsSync(CHROMIUM), `no browser at ${CHROMIUM}: scripts/setup.sh installs Debian's chromium (or set SVEC_CHROMIUM)`);
  const runA = join(runsDir, 'a');
  const metricsA = join(runA, 'metrics.jsonl');
  const linesBefore = readFileSync(metricsA, 'utf8');
  const hashA = hashTree(runA, (p) => p === 'metrics.jsonl');
  const hashB = hashTree(join(runsDir, 'b'));

  dashboard = await startDashboard({ runsDir, port: 0, pollMs: 100, discoveryMs: 500 });
  assert.match(dashboard.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);

  const profile = mkdtempSync(join(tmpdir(), 'svec-chromium-'));
  let browser: Browser | undefined;
  try {
    browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: [...CHROMIUM_FLAGS, `--user-data-dir=${profile}`] });
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('pageerror', (err) => problems.push(`page error: ${(err as Error).message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });
    await page.setViewport({ width: 1280, height: 900 });
    await page.goto(`${dashboard.url}#runs=a`);

    // points of the drawn reward line (the SVG path of the line mark: one M, then an L per point)
    const rewardPoints = () =>
      page.evaluate(() => [...document.querySelectorAll('#chart-teamReward g.mark-line path')].reduce((n, p) => n + (p.getAttribute('d')?.match(/[ML]/g)?.length ?? 0), 0));
    await page.waitForFunction(() => document.querySelectorAll('#chart-teamReward g.mark-line path').length > 0, { timeout: 20_000 });
    assert.equal(await rewardPoints(), 3, 'three episodes, three points');
    // the other metrics are drawn too, and the run's config is listed
    const fields = await page.evaluate(() => [...document.querySelectorAll('#charts .chart')].map((el) => (el as HTMLElement).dataset.field));
    // the reward first, then its two parts, its two readings (drift, eq. 33), the overspend that drives the backlog, latency
    assert.deepEqual(fields.slice(0, 7), ['teamReward', 'utilityPart', 'finalBacklog', 'teamRewardDrift', 'teamRewardEq33', 'overspend', 'latencyMs']);
    await page.waitForFunction(() => document.querySelector('#configs pre')?.textContent?.includes('"algo": "ddpg"'), { timeout: 10_000 });

    // the run trains on: one more episode, with a reward far below the others
    const last = JSON.parse(linesBefore.trim().split('\n').at(-1)!) as Record<string, number | null>;
    const appended = { ...last, episode: (last.episode as number) + 1, teamReward: -123456.5 };
    const line = `${JSON.stringify(appended)}\n`;
    appendFileSync(metricsA, line);
    await page.waitForFunction(
      () => [...document.querySelectorAll('#chart-teamReward g.mark-line path')].reduce((n, p) => n + (p.getAttribute('d')?.match(/[ML]/g)?.length ?? 0), 0) === 4,
      { timeout: 15_000 },
    );
    assert.equal(await rewardPoints(), 4);
    // the new point carries the appended value
    const plotted = await page.evaluate(() => {
      const entry = (
        window as unknown as { svecDashboard: { charts: Map<string, { view: { data(name: string): Array<{ episode: number; mean: number }> } }> } }
      ).svecDashboard.charts.get('teamReward');
      return entry!.view.data('source_0').map((d) => [d.episode, d.mean]);
    });
    assert.deepEqual(plotted.at(-1), [4, -123456.5]);
    assert.deepEqual(await page.evaluate(() => document.querySelector('[data-episodes="a"]')?.textContent), '4/3 ep');
    assert.deepEqual(problems, []);

    // nothing was written into the run folders
    assert.equal(readFileSync(metricsA, 'utf8'), linesBefore + line);
    assert.equal(
      hashTree(runA, (p) => p === 'metrics.jsonl'),
      hashA,
    );
    assert.equal(hashTree(join(runsDir, 'b')), hashB);
    assert.deepEqual(readdirSync(runsDir).sort(), ['a', 'b', 'link-dir', 'link-out.txt']);
  } finally {
    await browser?.close();
    rmSync(profile, { recursive: true, force: true });
  }
});

test('files outside the runs folder are never served (traversal, encoded forms, absolute paths, symlinks out)', async () => {
  dashboard ??= await startDashboard({ runsDir, port: 0, pollMs: 100 });
  const { port } = dashboard;
  const ok = await rawGet(port, '/files/a/config.json');
  assert.equal(ok.status, 200, 'a file under the folder is served');
  assert.match(ok.body, /"algo": "ddpg"/);
  const attempts = [
    '/files/../outside/secret.txt',
    '/files/a/../../outside/secret.txt',
    '/files/%2e%2e/outside/secret.txt',
    '/files/%2E%2E%2Foutside%2Fsecret.txt',
    '/files/a/..%2f..%2foutside%2fsecret.txt',
    '/files/..%5coutside%5csecret.txt',
    `/files/${encodeURIComponent(join(base, 'outside', 'secret.txt'))}`,
    `/files/${join(base, 'outside', 'secret.txt')}`,
    '/files//etc/passwd',
    '/files/link-out.txt',
    '/files/link-dir/secret.txt',
    '/files/link-dir/config.json',
    '/files/%00secret',
    '/../outside/secret.txt',
    '/api/run?id=../outside',
    '/api/run?id=link-dir',
  ];
  for (const path of attempts) {
    const res = await rawGet(port, path);
    assert.ok(res.status === 403 || res.status === 404 || res.status === 400, `${path}: status ${res.status}`);
    assert.doesNotMatch(res.body, /SECRET-OUTSIDE/, path);
  }
  // the traversal forms are refused as such (403), not merely missing
  assert.equal((await rawGet(port, '/files/../outside/secret.txt')).status, 403);
  assert.equal((await rawGet(port, '/files/%2e%2e/outside/secret.txt')).status, 403);
  assert.equal((await rawGet(port, '/files/link-out.txt')).status, 403);
  // a page elsewhere that rebinds its name to 127.0.0.1 is refused by the Host check
  assert.equal((await rawGet(port, '/api/runs', `evil.example:${port}`)).status, 403);
  // the symlinked folder is not a run of this folder
  const runs = JSON.parse((await rawGet(port, '/api/runs')).body) as { runs: Array<{ id: string }> };
  assert.deepEqual(runs.runs.map((r) => r.id).sort(), ['a', 'b']);
});

test('svec dashboard: a missing folder and a busy port are one line on stderr and exit status 2', async () => {
  const missing = svec(['dashboard', '--runs', join(base, 'no-such-folder'), '--port', '0']);
  assert.equal(missing.status, 2);
  assert.equal(missing.stderr.trim().split('\n').length, 1, missing.stderr);
  assert.match(missing.stderr, /^svec: --runs: no such folder/);

  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const busyPort = (blocker.address() as AddressInfo).port;
  try {
    const child = spawn(process.execPath, ['bin/svec.mjs', 'dashboard', '--runs', runsDir, '--port', String(busyPort)], { env: { ...process.env, CI: '1' } });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const status = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    assert.equal(status, 2);
    assert.equal(stderr.trim().split('\n').length, 1, stderr);
    assert.match(stderr, new RegExp(`^svec: port ${busyPort} on 127\\.0\\.0\\.1 is already in use`));
  } finally {
    blocker.close();
  }
});

test('discovery and charts: seeds of one setting share a series with the t interval; reproduce and compare folders are found', () => {
  const dir = join(base, 'layout');
  const row = (episode: number, teamReward: number, extra: Record<string, number | null> = {}) =>
    `${JSON.stringify({ episode, teamReward, latencyMs: 10 + episode, criticLoss: null, ...extra })}\n`;
  const writeRun = (path: string, seed: number, rewards: number[], algo = 'dmadrl') => {
    mkdirSync(join(dir, path, 'checkpoints', 'ep-000001'), { recursive: true });
    writeFileSync(join(dir, path, 'config.json'), JSON.stringify({ algo, seed, episodes: 5, scenario: { vehicles: 5 }, hyperparameters: { batchSize: 8 } }));
    writeFileSync(join(dir, path, 'metrics.jsonl'), rewards.map((r, i) => row(i + 1, r, { rewardBacklogPart: -i, offloadFraction: 0.9 + 0.03 * seed })).join(''));
  };
  writeRun('seeds/seed-1', 1, [1, 2, 3]);
  writeRun('seeds/seed-2', 2, [3, 4, 5]);
  writeRun('seeds/seed-3', 3, [2, 9]);
  writeRun('other', 1, [0, 0, 0], 'ddpg');
  // a reproduce folder (plan.json, cells/<key>/run) and a compare folder (comparison.json, runs/)
  mkdirSync(join(dir, 'rep', 'cells', 'k1'), { recursive: true });
  writeFileSync(
    join(dir, 'rep', 'plan.json'),
    JSON.stringify({
      profile: { name: 'demo' },
      cells: [
        { key: 'k1', algo: 'dmadrl', seed: 1, scenario: { vehicles: 3 } },
        { key: 'k2', algo: 'greedy', seed: 1, scenario: {} },
      ],
    }),
  );
  writeRun('rep/cells/k1/run', 1, [5]);
  writeFileSync(join(dir, 'rep', 'cells', 'k1', 'result.json'), '{}');
  mkdirSync(join(dir, 'cmp', 'runs', 'ddpg'), { recursive: true });
  writeFileSync(join(dir, 'cmp', 'comparison.json'), JSON.stringify({ rows: [] }));
  writeRun('cmp/runs/ddpg/seed-1', 1, [7, 8], 'ddpg');
  // a half-written last line is not read yet
  appendFileSync(join(dir, 'seeds', 'seed-3', 'metrics.jsonl'), '{"episode": 3, "teamRe');

  const store = new MetricsStore(dir);
  const found = discoverRuns(dir, store);
  assert.deepEqual(
    found.runs.map((r) => r.id),
    ['cmp/runs/ddpg/seed-1', 'other', 'rep/cells/k1/run', 'seeds/seed-1', 'seeds/seed-2', 'seeds/seed-3'],
  );
  assert.deepEqual(found.compares, [{ id: 'cmp', runs: ['cmp/runs/ddpg/seed-1'] }]);
  assert.deepEqual(
    found.reproductions.map((r) => [r.id, r.profile, r.cells, r.finished, r.runs]),
    [['rep', 'demo', 2, 1, ['rep/cells/k1/run']]],
  );
  assert.match(found.runs.find((r) => r.id === 'rep/cells/k1/run')!.label, /^dmadrl · vehicles=3 · seed 1/);
  assert.equal(found.runs.find((r) => r.id === 'seeds/seed-3')!.episodesDone, 2);

  const data = found.runs
    .filter((r) => r.id.startsWith('seeds/') || r.id === 'other')
    .map((run) => ({ run, config: JSON.parse(readFileSync(join(dir, run.id, 'config.json'), 'utf8')), rows: store.read(run.id).rows }));
  // the reward comes first, then its parts, then latency; a field with no value yet is listed as empty
  assert.deepEqual(metricFields(data.flatMap((d) => d.rows)), ['teamReward', 'rewardBacklogPart', 'latencyMs', 'offloadFraction', 'criticLoss']);
  assert.deepEqual(
    groupSeries(data, true).map((s) => [s.name, s.runs]),
    [
      ['ddpg', ['other']],
      ['dmadrl', ['seeds/seed-1', 'seeds/seed-2', 'seeds/seed-3']],
    ],
  );
  assert.deepEqual(
    groupSeries(data, false).map((s) => s.name),
    ['ddpg', 'dmadrl:seeds seed 1', 'dmadrl:seeds seed 2', 'dmadrl:seeds seed 3'],
  );
  const charts = buildCharts(data, { combineSeeds: true, smooth: 1 });
  assert.deepEqual(charts.empty, ['criticLoss']);
  const reward = charts.charts[0]!;
  const values = (reward.spec as unknown as { data: { values: Array<Record<string, unknown>> } }).data.values;
  const episode1 = values.find((v) => v.series === 'dmadrl' && v.episode === 1)!;
  const expected = confidenceInterval([1, 3, 2]);
  assert.equal(episode1.mean, expected.mean);
  assert.equal(episode1.lo, expected.lo);
  assert.equal(episode1.hi, expected.hi);
  assert.equal(values.find((v) => v.series === 'dmadrl' && v.episode === 3)!.n, 2, 'seed 3 has no complete third episode yet');
  // a share's band is clipped to [0, 1] (the t interval of 0.93, 0.96, 0.99 reaches past 1)
  assert.ok(confidenceInterval([0.93, 0.96, 0.99]).hi > 1);
  const offload = charts.charts.find((c) => c.field === 'offloadFraction')!;
  const offloadFirst = (offload.spec as unknown as { data: { values: Array<Record<string, unknown>> } }).data.values.find((v) => v.series === 'dmadrl' && v.episode === 1)!;
  assert.equal(offloadFirst.hi, 1);
  // the same spec builder as the static figures: a band layer under the line layer
  assert.deepEqual(
    (reward.spec as unknown as { layer: Array<{ mark: { type: string } }> }).layer.map((l) => l.mark.type),
    ['area', 'line'],
  );
});
