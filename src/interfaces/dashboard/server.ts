// The dashboard's HTTP server (fastify): the page and its scripts, the run list and charts as
// JSON, server-sent events when a watched run's metrics.jsonl grows, and read-only access to the
// files under the runs folder. It binds to 127.0.0.1 unless told otherwise, answers only
// requests whose Host header names the address it serves (a DNS-rebinding page cannot read it),
// serves nothing outside the runs folder, and never writes into it.
import { closeSync, createReadStream, readFileSync, statSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { z } from 'zod';
import { buildCharts, comparisonChart, type ComparisonRow, type RunData } from './charts.ts';
import { fileExistsInside, joinRelative, openInside, PathRefused, readJsonInside, readTextInside, realRunsRoot, resolveInside } from './files.ts';
import { discoverRuns, MetricsStore, readRunConfig, type Discovery, type RunInfo } from './runs.ts';

/** A problem the user can fix (missing folder, busy port): one line, exit status 2 from the CLI. */
export class DashboardError extends Error {}

export interface DashboardOptions {
  /** folder whose runs are shown */
  runsDir: string;
  /** address to bind (default 127.0.0.1) */
  host?: string;
  /** port (default 8765; 0 picks a free one) */
  port?: number;
  /** how often watched metrics files are checked for growth, ms (default 1000) */
  pollMs?: number;
  /** how often the folder is walked again for new runs while a page is open, ms (default 5000) */
  discoveryMs?: number;
}

export interface Dashboard {
  url: string;
  host: string;
  port: number;
  root: string;
  app: FastifyInstance;
  close(): Promise<void>;
}

export const DEFAULT_PORT = 8765;

/** File types served from the runs folder, with their content types; anything else is 404. */
const SERVED_TYPES: Record<string, string> = {
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.csv': 'text/csv; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.jsonl': 'text/plain; charset=utf-8',
  '.md': 'text/plain; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
};

const PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  // vega-embed adds its style element; the charts set inline styles
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');
/** Run-folder files (report.html, SVGs) open in a sandbox: no scripts, no access to the dashboard's origin. */
const FILE_CSP = "sandbox; default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'";

const COMMON_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-resource-policy': 'same-origin',
};

// ---------------------------------------------------------------------------------------------
// Page assets: the page itself and the browser builds of vega, vega-lite and vega-embed from
// node_modules (no CDN: machines and clusters may be offline). Read once at start.

function packageDir(name: string): string {
  let dir = dirname(fileURLToPath(import.meta.resolve(name)));
  for (;;) {
    try {
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string };
      if (manifest.name === name) return dir;
    } catch {
      // no package.json at this level
    }
    const up = dirname(dir);
    if (up === dir) throw new Error(`cannot find the folder of the installed package '${name}'`);
    dir = up;
  }
}

interface Asset {
  body: Buffer;
  type: string;
}

function loadAssets(): Map<string, Asset> {
  const here = join(dirname(fileURLToPath(import.meta.url)), 'assets');
  const assets = new Map<string, Asset>();
  assets.set('/', { body: readFileSync(join(here, 'index.html')), type: 'text/html; charset=utf-8' });
  assets.set('/assets/app.js', { body: readFileSync(join(here, 'app.js')), type: 'text/javascript; charset=utf-8' });
  assets.set('/assets/style.css', { body: readFileSync(join(here, 'style.css')), type: 'text/css; charset=utf-8' });
  for (const name of ['vega', 'vega-lite', 'vega-embed']) {
    assets.set(`/vendor/${name}.min.js`, { body: readFileSync(join(packageDir(name), 'build', `${name}.min.js`)), type: 'text/javascript; charset=utf-8' });
  }
  return assets;
}

// ---------------------------------------------------------------------------------------------
// Requests.

const runList = z.union([z.string(), z.array(z.string())]).transform((v) => (Array.isArray(v) ? v : [v]));
const ChartsQuery = z.object({
  run: runList,
  combine: z.enum(['0', '1']).default('1'),
  smooth: z.coerce.number().int().min(1).max(1000).default(1),
});
const EventsQuery = z.object({ run: runList.optional() });
const IdQuery = z.object({ id: z.string() });

function isLoopback(host: string): boolean {
  return host === '127.0.0.1' || host === 'localhost' || host === '::1' || /^127\./.test(host);
}

function isWildcard(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '';
}

/** Host header values that name this server (a bracketed IPv6 address keeps its brackets). */
function allowedHosts(host: string, port: number): Set<string> {
  const names = new Set([host.includes(':') ? `[${host}]` : host]);
  if (isLoopback(host)) for (const n of ['127.0.0.1', 'localhost', '[::1]']) names.add(n);
  const out = new Set<string>();
  for (const name of names) {
    out.add(`${name}:${port}`.toLowerCase());
    if (port === 80) out.add(name.toLowerCase());
  }
  return out;
}

function sendJson(reply: FastifyReply, value: unknown, status = 200) {
  return reply.code(status).header('content-type', 'application/json; charset=utf-8').header('cache-control', 'no-store').send(JSON.stringify(value));
}

function sendError(reply: FastifyReply, status: number, message: string) {
  return sendJson(reply, { error: message }, status);
}

interface EventClient {
  write(event: string, data: unknown): void;
  runs: Set<string>;
}

/** Starts the dashboard; resolves once it listens. Throws DashboardError for a user mistake. */
export async function startDashboard(options: DashboardOptions): Promise<Dashboard> {
  let root: string;
  try {
    root = realRunsRoot(options.runsDir);
  } catch (err) {
    throw new DashboardError((err as Error).message);
  }
  const host = options.host ?? '127.0.0.1';
  const requestedPort = options.port ?? DEFAULT_PORT;
  const pollMs = options.pollMs ?? 1000;
  const discoveryMs = options.discoveryMs ?? 5000;
  const assets = loadAssets();
  const metrics = new MetricsStore(root);

  let discovery: Discovery = discoverRuns(root, metrics);
  const rediscover = (): Discovery => (discovery = discoverRuns(root, metrics));
  const findRun = (id: string): RunInfo | undefined => discovery.runs.find((r) => r.id === id) ?? rediscover().runs.find((r) => r.id === id);

  // forceCloseConnections: open event streams must not keep close() waiting
  const app = Fastify({ logger: false, forceCloseConnections: true, routerOptions: { maxParamLength: 4096 } });
  let hosts = new Set<string>();

  app.addHook('onRequest', async (request, reply) => {
    if (!isWildcard(host) && !hosts.has(String(request.headers.host ?? '').toLowerCase())) {
      return sendError(reply, 403, 'unexpected Host header');
    }
  });
  app.addHook('onSend', async (_request, reply, payload) => {
    for (const [k, v] of Object.entries(COMMON_HEADERS)) reply.header(k, v);
    return payload;
  });

  for (const [path, asset] of assets) {
    app.get(path, async (_request, reply) => {
      if (asset.type.startsWith('text/html')) reply.header('content-security-policy', PAGE_CSP);
      return reply.header('content-type', asset.type).header('cache-control', 'no-cache').send(asset.body);
    });
  }

  app.get('/api/runs', async (_request, reply) => {
    const found = rediscover();
    return sendJson(reply, { root, ...found });
  });

  app.get('/api/run', async (request, reply) => {
    const query = IdQuery.safeParse(request.query);
    if (!query.success) return sendError(reply, 400, 'expected ?id=RUN');
    const run = findRun(query.data.id);
    if (!run) return sendError(reply, 404, `no run '${query.data.id}'`);
    const { rows, malformed } = metrics.read(run.id);
    return sendJson(reply, { run, config: readRunConfig(root, run.id) ?? null, episodes: rows.length, malformedLines: malformed });
  });

  app.get('/api/charts', async (request, reply) => {
    const query = ChartsQuery.safeParse(request.query);
    if (!query.success) return sendError(reply, 400, `bad query: ${z.prettifyError(query.error).replace(/\s*\n\s*/g, ' ')}`);
    const data: RunData[] = [];
    for (const id of new Set(query.data.run)) {
      const run = findRun(id);
      if (!run) return sendError(reply, 404, `no run '${id}'`);
      const { rows } = metrics.read(run.id);
      data.push({ run: { ...run, episodesDone: rows.length }, config: readRunConfig(root, run.id), rows });
    }
    return sendJson(reply, buildCharts(data, { combineSeeds: query.data.combine === '1', smooth: query.data.smooth }));
  });

  app.get('/api/compare', async (request, reply) => {
    const query = IdQuery.safeParse(request.query);
    if (!query.success) return sendError(reply, 400, 'expected ?id=FOLDER');
    const found = discovery.compares.find((c) => c.id === query.data.id) ?? rediscover().compares.find((c) => c.id === query.data.id);
    if (!found) return sendError(reply, 404, `no compare folder '${query.data.id}'`);
    const comparison = readJsonInside(root, joinRelative(found.id, 'comparison.json')) as
      { rows?: ComparisonRow[]; evalEpisodes?: number; seeds?: number[]; trainingEpisodes?: number } | undefined;
    const rows = Array.isArray(comparison?.rows) ? comparison!.rows : [];
    const charts = ['teamReward', 'latencyMs', 'energyMJ']
      .map((field) => ({ field, spec: comparisonChart(rows, field, comparison?.evalEpisodes) }))
      .filter((c) => c.spec !== undefined);
    return sendJson(reply, {
      id: found.id,
      runs: found.runs,
      seeds: comparison?.seeds ?? null,
      trainingEpisodes: comparison?.trainingEpisodes ?? null,
      evalEpisodes: comparison?.evalEpisodes ?? null,
      rows,
      charts,
      table: readTextInside(root, joinRelative(found.id, 'comparison.md')) ?? null,
    });
  });

  app.get('/api/reproduce', async (request, reply) => {
    const query = IdQuery.safeParse(request.query);
    if (!query.success) return sendError(reply, 400, 'expected ?id=FOLDER');
    const found = discovery.reproductions.find((c) => c.id === query.data.id) ?? rediscover().reproductions.find((c) => c.id === query.data.id);
    if (!found) return sendError(reply, 404, `no reproduce folder '${query.data.id}'`);
    const summary = readJsonInside(root, joinRelative(found.id, 'summary.json')) as Record<string, unknown> | undefined;
    const plan = readJsonInside(root, joinRelative(found.id, 'plan.json')) as Record<string, unknown> | undefined;
    const figures = (Array.isArray(summary?.figures) ? (summary!.figures as Array<Record<string, unknown>>) : [])
      .map((f) => ({
        experiment: f.experiment,
        name: f.name,
        svg: typeof f.svg === 'string' ? joinRelative(found.id, f.svg) : null,
        png: typeof f.png === 'string' ? joinRelative(found.id, f.png) : null,
        csv: typeof f.csv === 'string' ? joinRelative(found.id, f.csv) : null,
      }))
      // only figures whose files are really there (and under the folder)
      .filter((f) => f.png !== null && fileExistsInside(root, f.png));
    const report = ['report.html', 'report.md'].filter((name) => fileExistsInside(root, joinRelative(found.id, name))).map((name) => joinRelative(found.id, name));
    return sendJson(reply, {
      ...found,
      profile: (plan?.profile as Record<string, unknown> | undefined) ?? null,
      experiments: plan?.experiments ?? null,
      claims: Array.isArray(summary?.claims) ? summary!.claims : [],
      figures,
      report,
    });
  });

  // Live updates: the page subscribes to the runs it shows; the server polls their metrics.jsonl
  // (a stat per run per poll: works on network filesystems where change notification does not).
  const clients = new Set<EventClient>();
  const fileStamps = new Map<string, string>();
  let runsStamp = '';
  const stampOf = (id: string): string => {
    try {
      const stats = statSync(resolveInside(root, joinRelative(id, 'metrics.jsonl')));
      return `${stats.ino}:${stats.size}:${stats.mtimeMs}`;
    } catch {
      return 'missing';
    }
  };
  const listStamp = (d: Discovery): string =>
    JSON.stringify([d.runs.map((r) => [r.id, r.live]), d.reproductions.map((r) => [r.id, r.finished, r.hasSummary]), d.compares.map((c) => c.id)]);
  let lastDiscovery = Date.now();
  runsStamp = listStamp(discovery);
  const poll = (): void => {
    if (clients.size === 0) return;
    const watched = new Set<string>();
    for (const client of clients) for (const id of client.runs) watched.add(id);
    for (const id of watched) {
      const stamp = stampOf(id);
      const before = fileStamps.get(id);
      fileStamps.set(id, stamp);
      if (before === undefined || before === stamp) continue;
      const { episodes } = metrics.count(id);
      for (const client of clients) if (client.runs.has(id)) client.write('metrics', { id, episodes });
    }
    for (const id of fileStamps.keys()) if (!watched.has(id)) fileStamps.delete(id);
    if (Date.now() - lastDiscovery >= discoveryMs) {
      lastDiscovery = Date.now();
      const stamp = listStamp(rediscover());
      if (stamp !== runsStamp) {
        runsStamp = stamp;
        for (const client of clients) client.write('runs', { runs: discovery.runs.length });
      }
    }
  };
  const timer = setInterval(poll, pollMs);
  timer.unref();

  app.get('/api/events', async (request, reply) => {
    const query = EventsQuery.safeParse(request.query);
    if (!query.success) return sendError(reply, 400, 'expected ?run=RUN (repeatable)');
    const ids = query.data.run ?? [];
    for (const id of ids) if (!findRun(id)) return sendError(reply, 404, `no run '${id}'`);
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { ...COMMON_HEADERS, 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive' });
    const client: EventClient = {
      runs: new Set(ids),
      write(event, data) {
        res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      },
    };
    for (const id of ids) if (!fileStamps.has(id)) fileStamps.set(id, stampOf(id));
    clients.add(client);
    res.write('retry: 2000\n\n');
    client.write('hello', { runs: ids.map((id) => ({ id, episodes: metrics.count(id).episodes })) });
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
    heartbeat.unref();
    request.raw.on('close', () => {
      clearInterval(heartbeat);
      clients.delete(client);
    });
  });

  // Files under the runs folder (figures, reports, CSV), read-only, never outside it.
  app.get('/files/*', async (request, reply) => {
    const relative = (request.params as Record<string, string>)['*'] ?? '';
    let file: ReturnType<typeof openInside>;
    try {
      resolveInside(root, relative); // a path leaving the folder is refused (403) whatever its type
      if (SERVED_TYPES[extname(relative).toLowerCase()] === undefined) return sendError(reply, 404, 'this kind of file is not served');
      file = openInside(root, relative);
    } catch (err) {
      if (err instanceof PathRefused) return sendError(reply, err.status, err.message);
      throw err;
    }
    reply.header('content-type', SERVED_TYPES[extname(relative).toLowerCase()]!).header('content-security-policy', FILE_CSP).header('cache-control', 'no-cache');
    if (file.size === 0) {
      closeSync(file.fd);
      return reply.send('');
    }
    return reply.header('content-length', String(file.size)).send(createReadStream('', { fd: file.fd, start: 0, end: file.size - 1, autoClose: true }));
  });

  app.setNotFoundHandler(async (_request, reply) => sendError(reply, 404, 'not found'));

  app.addHook('onClose', async () => {
    clearInterval(timer);
    clients.clear();
  });

  try {
    await app.listen({ host, port: requestedPort });
  } catch (err) {
    await app.close().catch(() => undefined);
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new DashboardError(`port ${requestedPort} on ${host} is already in use; choose another with --port`);
    if (code === 'EACCES') throw new DashboardError(`no permission to listen on port ${requestedPort} (ports below 1024 need privileges); choose another with --port`);
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') throw new DashboardError(`--host: cannot listen on '${host}' (not an address of this machine)`);
    throw err;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : requestedPort;
  hosts = allowedHosts(host, port);
  const urlHost = isWildcard(host) ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${port}/`,
    host,
    port,
    root,
    app,
    close: () => app.close(),
  };
}
