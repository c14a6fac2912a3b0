// The dashboard page: lists the runs under the served folder, draws the curves of the selected
// runs with vega-embed from the Vega-Lite specs the server builds (the same builders as the static
// figures), and redraws when the server reports (server-sent events) that a metrics.jsonl grew.
// Every text from a run folder goes into the page as text (textContent), never as HTML.
/* global vegaEmbed */
'use strict';

const state = {
  discovery: null,
  selected: new Set(),
  combine: true,
  smooth: 1,
  folder: null, // { kind: 'reproduce' | 'compare', id }
  charts: new Map(), // field -> { el, view, shape }
  events: null,
  refreshing: false,
  refreshAgain: false,
  updates: 0, // finished chart refreshes (a hook for tests and curious users)
};
window.svecDashboard = state;

// ---------------------------------------------------------------------------------------------
// Small helpers.

function h(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'className') node.className = value;
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else if (key === 'checked') node.checked = Boolean(value);
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** URL of a file under the runs folder (each path segment encoded). */
function fileUrl(path) {
  return `/files/${path.split('/').map(encodeURIComponent).join('/')}`;
}

async function getJson(url) {
  const response = await fetch(url, { headers: { accept: 'application/json' } });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.error || `${response.status} ${response.statusText}`);
  return body;
}

function formatNumber(value) {
  if (typeof value !== 'number' || !Number.isFinite(value)) return '—';
  const magnitude = Math.abs(value);
  if (magnitude !== 0 && (magnitude >= 1e5 || magnitude < 1e-3)) return value.toExponential(2);
  return value.toPrecision(4).replace(/\.?0+$/, (m) => (m.includes('.') ? '' : m));
}

function setStatus(text, kind) {
  const status = document.getElementById('status');
  status.textContent = text;
  status.className = `status ${kind ?? ''}`;
}

// ---------------------------------------------------------------------------------------------
// State in the address (#runs=a,b&combine=1&smooth=1&folder=reproduce:ID), so a view can be reloaded or shared.

function readHash() {
  const params = new URLSearchParams(location.hash.slice(1));
  const runs = params.get('runs');
  if (runs) for (const id of runs.split(',')) state.selected.add(decodeURIComponent(id));
  if (params.get('combine') === '0') state.combine = false;
  const smooth = Number(params.get('smooth'));
  if (Number.isInteger(smooth) && smooth >= 1) state.smooth = smooth;
  const folder = params.get('folder');
  if (folder && folder.includes(':')) {
    const colon = folder.indexOf(':');
    state.folder = { kind: folder.slice(0, colon), id: folder.slice(colon + 1) };
  }
}

function writeHash() {
  const params = new URLSearchParams();
  if (state.selected.size > 0) params.set('runs', [...state.selected].map(encodeURIComponent).join(','));
  if (!state.combine) params.set('combine', '0');
  if (state.smooth !== 1) params.set('smooth', String(state.smooth));
  if (state.folder) params.set('folder', `${state.folder.kind}:${state.folder.id}`);
  history.replaceState(null, '', `#${params.toString()}`);
}

// ---------------------------------------------------------------------------------------------
// Run list.

function runRow(run) {
  const episodes = run.episodesPlanned ? `${run.episodesDone}/${run.episodesPlanned}` : String(run.episodesDone);
  return h(
    'label',
    { className: 'run', title: run.id || '.' },
    h('input', {
      type: 'checkbox',
      'data-run': run.id,
      checked: state.selected.has(run.id),
      onchange: (event) => {
        if (event.target.checked) state.selected.add(run.id);
        else state.selected.delete(run.id);
        selectionChanged();
      },
    }),
    h('span', { className: 'label' }, run.live ? h('span', { className: 'dot', title: 'training' }) : null, run.label),
    h('span', { className: 'episodes', 'data-episodes': run.id }, episodes, ' ep'),
  );
}

function selectAll(ids, on) {
  for (const id of ids) {
    if (on) state.selected.add(id);
    else state.selected.delete(id);
  }
  renderRunList();
  selectionChanged();
}

function renderRunList() {
  const { runs, compares, reproductions, truncated } = state.discovery;
  const byId = new Map(runs.map((r) => [r.id, r]));
  const list = document.getElementById('runlist');
  const groups = [];
  const groupOf = (kind, folder, ids, extra) => {
    const members = ids
      .map((id) => byId.get(id))
      .filter(Boolean)
      .sort((a, b) => a.label.localeCompare(b.label, 'en', { numeric: true }));
    // a long list of cells stays folded unless one of them is selected
    const open = members.length <= 8 || members.some((r) => state.selected.has(r.id));
    return h(
      'div',
      { className: 'group' },
      h(
        'h3',
        null,
        h('span', { className: 'kind' }, kind),
        folder.id || '.',
        extra,
        h('button', { type: 'button', onclick: () => openFolder(kind, folder.id) }, 'open'),
        members.length > 0
          ? h(
              'button',
              {
                type: 'button',
                onclick: () =>
                  selectAll(
                    members.map((r) => r.id),
                    true,
                  ),
              },
              'select runs',
            )
          : null,
      ),
      members.length > 0 ? h('details', { open }, h('summary', null, `${members.length} run${members.length === 1 ? '' : 's'}`), members.map(runRow)) : null,
    );
  };
  for (const rep of reproductions) {
    groups.push(groupOf('reproduce', rep, rep.runs, h('span', { className: 'muted' }, `${rep.finished}/${rep.cells} cells${rep.profile ? `, ${rep.profile}` : ''}`)));
  }
  for (const cmp of compares) groups.push(groupOf('compare', cmp, cmp.runs, null));
  const loose = runs.filter((r) => r.container === null);
  if (loose.length > 0) {
    groups.push(
      h(
        'div',
        { className: 'group' },
        h(
          'h3',
          null,
          h('span', { className: 'kind' }, 'train runs'),
          h(
            'button',
            {
              type: 'button',
              onclick: () =>
                selectAll(
                  loose.map((r) => r.id),
                  true,
                ),
            },
            'select all',
          ),
          h('button', { type: 'button', onclick: () => selectAll([...state.selected], false) }, 'clear'),
        ),
        loose.map(runRow),
      ),
    );
  }
  if (runs.length === 0 && compares.length === 0 && reproductions.length === 0) {
    groups.push(h('p', { className: 'muted' }, 'No runs here yet. Start one, e.g. ', h('code', null, 'svec train --out DIR/run'), '; it appears within seconds.'));
  }
  if (truncated) groups.push(h('p', { className: 'muted' }, 'The folder is very large: only part of it was searched.'));
  list.replaceChildren(...groups);
}

async function loadRuns() {
  state.discovery = await getJson('/api/runs');
  document.getElementById('root').textContent = state.discovery.root;
  const known = new Set(state.discovery.runs.map((r) => r.id));
  for (const id of [...state.selected]) if (!known.has(id)) state.selected.delete(id);
  if (state.selected.size === 0 && !state.folder && state.discovery.runs.length > 0) {
    // nothing chosen yet: the run updated last
    const latest = [...state.discovery.runs].sort((a, b) => (b.updatedAt ?? 0) - (a.updatedAt ?? 0))[0];
    state.selected.add(latest.id);
  }
  renderRunList();
}

// ---------------------------------------------------------------------------------------------
// Curves.

/** A spec without its data: when it is unchanged, only the data of the drawn view are replaced. */
function shapeOf(spec) {
  return JSON.stringify({ ...spec, data: null });
}

async function drawChart(chart, container) {
  let entry = state.charts.get(chart.field);
  const shape = shapeOf(chart.spec);
  if (entry && entry.shape === shape) {
    // same series and axes: swap the rows in place (no flicker, the view keeps its size)
    await entry.view.data('source_0', chart.spec.data.values).runAsync();
    entry.el.dataset.points = String(chart.points);
    return entry;
  }
  const el = entry ? entry.el : h('div', { className: 'chart', id: `chart-${chart.field}`, 'data-field': chart.field });
  if (!entry) container.append(el);
  if (entry) entry.view.finalize();
  // ast: Vega's expression interpreter, so the page needs no eval (script-src 'self')
  const result = await vegaEmbed(el, chart.spec, { renderer: 'svg', ast: true, actions: { export: true, source: false, compiled: false, editor: false } });
  entry = { el, view: result.view, shape };
  el.dataset.points = String(chart.points);
  state.charts.set(chart.field, entry);
  return entry;
}

async function refreshCharts() {
  if (state.refreshing) {
    state.refreshAgain = true;
    return;
  }
  state.refreshing = true;
  try {
    do {
      state.refreshAgain = false;
      await refreshChartsOnce();
    } while (state.refreshAgain);
  } catch (err) {
    document.getElementById('selection').textContent = `Could not draw the curves: ${err.message}`;
  } finally {
    state.refreshing = false;
  }
}

async function refreshChartsOnce() {
  const container = document.getElementById('charts');
  const selection = document.getElementById('selection');
  const ids = [...state.selected];
  if (ids.length === 0) {
    for (const entry of state.charts.values()) entry.view.finalize();
    state.charts.clear();
    container.replaceChildren();
    selection.textContent = 'no run selected';
    document.getElementById('empty-metrics').textContent = '';
    state.updates += 1;
    return;
  }
  const params = new URLSearchParams();
  for (const id of ids) params.append('run', id);
  params.set('combine', state.combine ? '1' : '0');
  params.set('smooth', String(state.smooth));
  const payload = await getJson(`/api/charts?${params}`);
  selection.replaceChildren(
    `${ids.length} run${ids.length === 1 ? '' : 's'} in ${payload.series.length} series: `,
    ...payload.series.map((s, i) => h('span', { title: s.runs.join('\n') }, i > 0 ? '; ' : '', s.name, s.runs.length > 1 ? ` (${s.runs.length} seeds)` : '')),
  );
  const wanted = new Set(payload.charts.map((c) => c.field));
  for (const [field, entry] of state.charts) {
    if (wanted.has(field)) continue;
    entry.view.finalize();
    entry.el.remove();
    state.charts.delete(field);
  }
  for (const chart of payload.charts) {
    const entry = await drawChart(chart, container);
    container.append(entry.el); // keeps the server's order
  }
  document.getElementById('empty-metrics').textContent = payload.empty.length > 0 ? `No values yet: ${payload.empty.join(', ')}.` : '';
  state.updates += 1;
}

async function renderConfigs() {
  const box = document.getElementById('configs');
  const ids = [...state.selected].slice(0, 12);
  const items = await Promise.all(ids.map((id) => getJson(`/api/run?id=${encodeURIComponent(id)}`).catch((err) => ({ error: err.message, id }))));
  box.replaceChildren(
    ...items.map((item) => {
      if (item.error) return h('p', { className: 'muted' }, `${item.id}: ${item.error}`);
      const run = item.run;
      const summary = `${run.id || '.'} — ${run.algo}${run.seed !== null ? `, seed ${run.seed}` : ''}, ${item.episodes}${run.episodesPlanned ? `/${run.episodesPlanned}` : ''} episodes${item.malformedLines ? ` (${item.malformedLines} unreadable lines)` : ''}`;
      return h('details', null, h('summary', null, summary), h('pre', null, JSON.stringify(item.config, null, 2)));
    }),
  );
  if (state.selected.size > ids.length) box.append(h('p', { className: 'muted' }, `and ${state.selected.size - ids.length} more`));
}

// ---------------------------------------------------------------------------------------------
// Live updates.

let refreshTimer = null;
function scheduleRefresh() {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(refreshCharts, 100);
}

function subscribe() {
  if (state.events) state.events.close();
  const params = new URLSearchParams();
  for (const id of state.selected) params.append('run', id);
  const events = new EventSource(`/api/events?${params}`);
  state.events = events;
  events.addEventListener('open', () => setStatus('live', 'live'));
  events.addEventListener('error', () => setStatus('reconnecting…', 'down'));
  // once subscribed, draw again: a line appended between the first drawing and the subscription is not missed
  events.addEventListener('hello', () => scheduleRefresh());
  events.addEventListener('metrics', (event) => {
    const { id, episodes } = JSON.parse(event.data);
    const run = state.discovery?.runs.find((r) => r.id === id);
    if (run) {
      run.episodesDone = episodes;
      const cell = document.querySelector(`[data-episodes="${CSS.escape(id)}"]`);
      if (cell) cell.textContent = `${run.episodesPlanned ? `${episodes}/${run.episodesPlanned}` : episodes} ep`;
    }
    scheduleRefresh();
  });
  events.addEventListener('runs', async () => {
    await loadRuns();
    if (state.folder) openFolder(state.folder.kind, state.folder.id, false);
  });
}

function selectionChanged() {
  writeHash();
  subscribe();
  refreshCharts();
  renderConfigs();
}

// ---------------------------------------------------------------------------------------------
// Compare and reproduce folders.

function closeFolder() {
  state.folder = null;
  const view = document.getElementById('folder-view');
  view.hidden = true;
  view.replaceChildren();
  writeHash();
}

async function openFolder(kind, id, scroll = true) {
  state.folder = { kind, id };
  writeHash();
  const view = document.getElementById('folder-view');
  view.hidden = false;
  const header = h('h2', null, `${kind} ${id || '.'}`, h('button', { type: 'button', className: 'close', onclick: closeFolder }, 'close'));
  try {
    const body = kind === 'reproduce' ? await reproduceView(id) : await compareView(id);
    view.replaceChildren(header, ...body.nodes);
    for (const [el, spec] of body.charts) await vegaEmbed(el, spec, { renderer: 'svg', ast: true, actions: { export: true, source: false, compiled: false, editor: false } });
  } catch (err) {
    view.replaceChildren(header, h('p', { className: 'muted' }, err.message));
  }
  if (scroll) view.scrollIntoView({ behavior: 'smooth', block: 'start' });
}

async function reproduceView(id) {
  const rep = await getJson(`/api/reproduce?id=${encodeURIComponent(id)}`);
  const nodes = [];
  if (rep.profile) nodes.push(h('p', null, h('b', null, rep.profile.name ?? ''), ': ', rep.profile.description ?? ''));
  nodes.push(
    h(
      'p',
      null,
      `${rep.finished} of ${rep.cells} cells finished`,
      rep.experiments ? ` (experiments ${rep.experiments.join(', ')})` : '',
      '. ',
      ...rep.report.map((path, i) => [i > 0 ? ' · ' : '', h('a', { href: fileUrl(path), target: '_blank', rel: 'noopener' }, path.split('/').pop())]),
    ),
  );
  if (rep.claims.length > 0) {
    nodes.push(h('h3', null, 'Claims'));
    nodes.push(
      h(
        'table',
        null,
        h('thead', null, h('tr', null, h('th', null, 'claim'), h('th', null, 'test'), h('th', null, 'measured'), h('th', null, 'verdict'))),
        h(
          'tbody',
          null,
          rep.claims.map((c) =>
            h(
              'tr',
              null,
              h('td', null, c.claim ?? ''),
              h('td', null, c.test ?? ''),
              h('td', null, c.measured ?? ''),
              h('td', { className: `verdict-${String(c.verdict ?? '').replace(/\s+/g, '-')}` }, c.verdict ?? ''),
            ),
          ),
        ),
      ),
    );
  } else {
    nodes.push(h('p', { className: 'muted' }, 'No claims yet: summary.json is written when the reproduction finishes.'));
  }
  if (rep.figures.length > 0) {
    nodes.push(h('h3', null, 'Figures'));
    nodes.push(
      h(
        'div',
        { className: 'figures' },
        rep.figures.map((f) =>
          h(
            'figure',
            null,
            h('img', { src: fileUrl(f.png), alt: f.name, loading: 'lazy' }),
            h(
              'figcaption',
              null,
              `${f.name} (${f.experiment}) `,
              f.svg ? h('a', { href: fileUrl(f.svg), target: '_blank', rel: 'noopener' }, 'svg') : null,
              ' ',
              f.csv ? h('a', { href: fileUrl(f.csv), target: '_blank', rel: 'noopener' }, 'csv') : null,
            ),
          ),
        ),
      ),
    );
  }
  return { nodes, charts: [] };
}

async function compareView(id) {
  const cmp = await getJson(`/api/compare?id=${encodeURIComponent(id)}`);
  const nodes = [
    h(
      'p',
      null,
      `seeds ${cmp.seeds ? cmp.seeds.join(', ') : '?'}; ${cmp.trainingEpisodes ?? '?'} training episodes; ${cmp.evalEpisodes ?? '?'} held-out evaluation episodes per seed`,
    ),
  ];
  const fields = ['teamReward', 'latencyMs', 'energyMJ', 'fidelity', 'offloadFraction', 'queue', 'highPriorityMissRate', 'cost'];
  nodes.push(
    h(
      'div',
      { className: 'table-wrap' },
      h(
        'table',
        null,
        h(
          'thead',
          null,
          h(
            'tr',
            null,
            h('th', null, 'policy'),
            h('th', null, 'seeds'),
            fields.map((f) => h('th', null, f)),
          ),
        ),
        h(
          'tbody',
          null,
          cmp.rows.map((row) =>
            h(
              'tr',
              null,
              h('td', null, row.name),
              h('td', { className: 'num' }, row.seeds ?? ''),
              fields.map((f) => {
                const m = row.metrics?.[f];
                return h('td', { className: 'num' }, m ? `${formatNumber(m.mean)}${m.n >= 2 ? ` ± ${formatNumber(m.halfWidth)}` : ''}` : '—');
              }),
            ),
          ),
        ),
      ),
    ),
  );
  const charts = [];
  const grid = h('div', { className: 'grid' });
  for (const chart of cmp.charts) {
    const el = h('div', { className: 'chart' });
    grid.append(el);
    charts.push([el, chart.spec]);
  }
  nodes.push(grid);
  return { nodes, charts };
}

// ---------------------------------------------------------------------------------------------
// Start.

async function start() {
  readHash();
  const combine = document.getElementById('combine');
  const smooth = document.getElementById('smooth');
  combine.checked = state.combine;
  smooth.value = String(state.smooth);
  combine.addEventListener('change', () => {
    state.combine = combine.checked;
    writeHash();
    refreshCharts();
  });
  smooth.addEventListener('change', () => {
    const value = Number(smooth.value);
    state.smooth = Number.isInteger(value) && value >= 1 && value <= 1000 ? value : 1;
    smooth.value = String(state.smooth);
    writeHash();
    refreshCharts();
  });
  try {
    await loadRuns();
  } catch (err) {
    setStatus(`cannot list runs: ${err.message}`, 'down');
    return;
  }
  selectionChanged();
  if (state.folder) openFolder(state.folder.kind, state.folder.id, false);
}

start();
