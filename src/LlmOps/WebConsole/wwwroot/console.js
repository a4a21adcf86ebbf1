// The LlmOps web console: pages routed in the fragment (#/datasets?source=tickets), each reading the HTTP API with
// the key the console was opened with. Charts are Chart.js, the lineage graph Cytoscape.js, both loaded on first use.
(() => {
  'use strict';

  const query = new URLSearchParams(location.search);
  const key = query.get('code') || '';
  const apiRoot = location.pathname.replace(/console(\/.*)?$/, '');
  const main = document.getElementById('main');
  let charts = [];
  let graph = null;
  let renderCount = 0;
  let flash = null;

  class ApiError extends Error {
    constructor(status, message) { super(message); this.status = status; }
  }

  async function api(path, options) {
    const init = Object.assign({}, options || {});
    init.headers = Object.assign({}, init.headers || {});
    if (key) init.headers['x-functions-key'] = key;
    const response = await fetch(apiRoot + path, init);
    const type = response.headers.get('content-type') || '';
    const body = type.includes('json') ? await response.json() : await response.text();
    if (!response.ok) {
      const detail = body && typeof body === 'object' ? (body.detail || body.title) : body;
      throw new ApiError(response.status, `${response.status}: ${detail || response.statusText}`);
    }
    return body;
  }

  // The libraries (Cytoscape.js for the lineage explorer, Chart.js for charts) load the first time a page needs them,
  // from files named by their content's hash that the browser keeps and compiles once; the lineage explorer starts its
  // API call first and loads its library while the call is in flight.
  const libraryFiles = JSON.parse(document.getElementById('libraries').textContent);
  const libraries = new Map();
  function library(name) {
    if (!libraries.has(name)) {
      libraries.set(name, new Promise((resolve, reject) => {
        const script = document.createElement('script');
        script.src = apiRoot + 'console/lib/' + libraryFiles[name] + (key ? '?code=' + encodeURIComponent(key) : '');
        script.onload = resolve;
        script.onerror = () => { libraries.delete(name); reject(new ApiError(0, `The console could not load ${name} (${libraryFiles[name]}).`)); };
        document.head.append(script);
      }));
    }
    return libraries.get(name);
  }

  // Charts being drawn: a page counts as rendered once they are.
  let drawing = [];

  const view = (name, params) => api('console-api/' + name + (params ? '?' + new URLSearchParams(params) : ''));

  // h('a', {href: '#/'}, 'text', child...): an element; attributes starting with 'on' are listeners.
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name.startsWith('on')) el.addEventListener(name.slice(2), value);
      else if (name === 'dataset') Object.assign(el.dataset, value);
      else if (name === 'className') el.className = value;
      else el.setAttribute(name, value === true ? '' : value);
    }
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined || child === false) continue;
      el.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return el;
  }

  const link = (hash, text, attrs) => h('a', Object.assign({ href: hash }, attrs || {}), text);
  const route = (page, params) => '#/' + page + (params ? '?' + new URLSearchParams(params) : '');
  const num = (v, digits) => v === null || v === undefined ? '–' : typeof v === 'number' ? (Number.isInteger(v) && digits === undefined ? v.toLocaleString('en-US') : v.toFixed(digits === undefined ? 3 : digits)) : String(v);
  const when = (t) => t ? new Date(t).toISOString().replace('T', ' ').slice(0, 19) : '–';
  const badge = (text, level) => h('span', { className: 'badge ' + (level || '') }, text);

  function table(columns, rows, attrs) {
    return h('div', { className: 'scroll' }, h('table', attrs || {},
      h('thead', {}, h('tr', {}, columns.map(c => h('th', { className: c.num ? 'num' : '' }, c.title)))),
      h('tbody', {}, rows.map(row => h('tr', row.attrs || {}, columns.map(c => {
        const value = c.cell(row.data === undefined ? row : row.data);
        return h('td', { className: c.num ? 'num' : c.id ? 'id' : '' }, value);
      }))))));
  }

  const rows = (items, attrs) => (items || []).map(data => ({ data, attrs: attrs ? attrs(data) : {} }));
  const col = (title, cell, options) => Object.assign({ title, cell }, options || {});

  function stat(label, value, testid) {
    return h('div', { className: 'stat' }, h('b', { 'data-testid': testid }, value), label);
  }

  function chart(kind, labels, datasets, options, testid) {
    const canvas = h('canvas', {});
    const box = h('div', { className: 'chart', 'data-testid': testid || null }, canvas);
    drawing.push(library('chart').then(() => new Promise(resolve => requestAnimationFrame(resolve))).then(() => {
      if (!canvas.isConnected) return;
      charts.push(new Chart(canvas, {
        type: kind,
        data: { labels, datasets },
        options: Object.assign({ responsive: true, maintainAspectRatio: false, animation: false, plugins: { legend: { position: 'bottom' } } }, options || {}),
      }));
    }).catch(err => { box.replaceChildren(h('div', { className: 'error' }, err.message)); }));
    return box;
  }

  const palette = ['#0969da', '#cf222e', '#1a7f37', '#8250df', '#bf8700', '#0a3069', '#bc4c00', '#57606a'];

  function kvTable(object, keyTitle, valueTitle) {
    const entries = Object.entries(object || {});
    if (entries.length === 0) return h('p', { className: 'muted' }, 'none');
    return table([col(keyTitle || 'name', e => e[0]), col(valueTitle || 'value', e => typeof e[1] === 'number' ? num(e[1]) : String(e[1]), { num: entries.every(e => typeof e[1] === 'number') })], entries);
  }

  // ---------------------------------------------------------------- pages

  async function overview() {
    const data = await view('overview');
    const content = [h('h1', {}, 'Overview'), h('p', { className: 'muted' }, `As of ${when(data.at)}; hosts: ${(data.hosts || []).join(', ') || 'none reporting'}; worker: ${data.worker || '–'}`)];
    const cards = data.features.map(f => h('div', { className: 'card', 'data-testid': 'feature-card', dataset: { feature: f.feature } },
      h('h2', {}, f.feature),
      h('h3', {}, 'Newest versions'),
      table([
        col('source', s => link(route('datasets', { source: s.name }), s.name)),
        col('dataset', s => s.dataset ? link(route('dataset', { id: s.dataset.id }), s.dataset.id) : '–', { id: true }),
        col('records', s => s.dataset ? num(s.dataset.records) : '–', { num: true }),
        col('index', s => s.index ? `${s.index.id} (${num(s.index.vectors)} vectors)` : '–', { id: true }),
      ], f.sources),
      h('h3', {}, 'Releases'),
      f.releases.length === 0 ? h('p', { className: 'muted' }, 'nothing registered') : table([
        col('item', r => link(route('release', { name: r.name }), r.name)),
        col('aliases', r => r.aliases.map(a => badge(`${a.alias} → v${a.version}`, a.alias === 'champion' ? 'ok' : ''))),
        col('deployments', r => r.deployments.map(d => badge(`${d.environment}: v${d.version} ${d.status}${d.canaryPercent ? ' ' + d.canaryPercent + '%' : ''}`, d.status === 'canary' ? 'warn' : 'ok'))),
      ], f.releases),
      h('h3', {}, 'Open drift alerts'),
      f.driftAlerts.length === 0 ? h('p', { className: 'muted' }, 'none') :
        h('ul', {}, f.driftAlerts.map(a => h('li', {}, link(route('drift', { feature: f.feature }), `${a.source}: ${a.alerts} alert(s), ${a.warnings} warning(s)`), ' ', h('span', { className: 'muted' }, when(a.checkedAt))))),
      f.labelingProjects.length ? h('p', {}, 'Labeling: ', f.labelingProjects.map(p => [link(route('labeling', { project: p }), p), ' '])) : null,
      h('p', {}, link(route('drift', { feature: f.feature }), 'drift'), ' · ', link(route('feedback', { feature: f.feature }), 'feedback'))));
    content.push(h('div', { className: 'grid' }, cards.length ? cards : h('p', { className: 'muted' }, 'No lifecycle is published yet: llmops lifecycle publish FILE.')));
    const failures = data.failures;
    content.push(h('h2', {}, 'Recent failures'));
    content.push(h('h3', {}, `Poison queues (${failures.poisoned.length})`));
    content.push(failures.poisoned.length === 0 ? h('p', { className: 'muted' }, 'empty') : table([
      col('id', p => p.id, { id: true }), col('function', p => p.function), col('subject', p => p.subject, { id: true }), col('attempts', p => num(p.attempts), { num: true }),
      col('replay or discard', p => h('code', {}, `llmops poison replay ${p.id}`)),
    ], failures.poisoned));
    content.push(h('h3', {}, `Quarantined drops (${failures.quarantinedDrops.length})`));
    content.push(failures.quarantinedDrops.length === 0 ? h('p', { className: 'muted' }, 'none') : table([
      col('source', d => d.source), col('drop', d => d.blobName, { id: true }), col('status', d => d.status),
      col('quarantined', d => num(d.quarantined), { num: true }),
      col('version', d => d.versionId ? link(route('dataset', { id: d.versionId }), d.versionId) : (d.reason || '–'), { id: true }),
      col('at', d => when(d.ingestedAt)),
    ], failures.quarantinedDrops));
    content.push(h('h3', {}, `Functions needing attention (${failures.functions.length})`));
    content.push(failures.functions.length === 0 ? h('p', { className: 'muted' }, 'none') : table([
      col('function', f => f.function), col('attention', f => f.attention), col('state', f => [f.state || '', f.stateError ? ' ' + f.stateError : '']), col('last run', f => when(f.lastRun)),
    ], failures.functions));
    return content;
  }

  async function datasets(params) {
    const data = await view('datasets', params.source ? { source: params.source } : null);
    const picked = new Set();
    const compare = h('button', { disabled: true, 'data-testid': 'compare-datasets', onclick: () => { const [a, b] = [...picked]; location.hash = route('diff', { from: a, to: b }); } }, 'Diff the two selected');
    const select = h('select', { 'aria-label': 'Source', onchange: e => { location.hash = route('datasets', e.target.value ? { source: e.target.value } : null); } },
      h('option', { value: '' }, 'every source'), data.sources.map(s => h('option', { value: s, selected: s === params.source }, s)));
    return [
      h('h1', {}, 'Datasets'),
      h('div', { className: 'toolbar' }, select, compare),
      table([
        col('', v => h('input', { type: 'checkbox', 'aria-label': 'select ' + v.id, onchange: e => { if (e.target.checked) picked.add(v.id); else picked.delete(v.id); compare.disabled = picked.size !== 2; } })),
        col('version', v => link(route('dataset', { id: v.id }), v.id), { id: true }),
        col('source', v => v.source), col('records', v => num(v.records), { num: true }), col('chunks', v => num(v.chunks), { num: true }),
        col('tokens', v => num(v.tokens), { num: true }), col('quarantined', v => num(v.quarantined), { num: true }), col('created', v => when(v.createdAt)),
      ], rows(data.versions, v => ({ 'data-testid': 'dataset-row', 'data-id': v.id }))),
    ];
  }

  async function dataset(params) {
    const data = await view('datasets/version', { id: params.id });
    const m = data.manifest;
    const q = m.quality;
    return [
      h('h1', {}, m.id),
      h('p', {}, `Feature ${m.feature}, source ${m.source}, from `, h('code', {}, m.sourceBlob), ` at ${when(m.createdAt)}. `,
        link(route('lineage', { id: m.id }), 'Lineage'), ' · ',
        data.verified ? badge('verified: every part matches its hash', 'ok') : badge('verify failed: ' + data.problems.join('; '), 'bad'),
        data.tombstone ? badge('erased: has a successor', 'warn') : null),
      h('div', { className: 'stats' },
        stat('records', num(m.records), 'records-count'), stat('chunks', num(m.chunks), 'chunks-count'), stat('tokens', num(m.tokens), 'tokens-count'),
        stat('read', num(q.read), 'read-count'), stat('accepted', num(q.accepted), 'accepted-count'), stat('quarantined', num(q.quarantined), 'quarantined-count'),
        stat('quarantine rate', num(q.quarantineRate * 100, 1) + '%', 'quarantine-rate')),
      h('div', { className: 'grid' },
        h('div', { className: 'card' }, h('h2', {}, 'Quarantine reasons'), kvTable(q.quarantinedByRule, 'rule', 'records')),
        h('div', { className: 'card' }, h('h2', {}, 'PII redacted'), kvTable(m.pii, 'kind', 'count')),
        h('div', { className: 'card' }, h('h2', {}, 'Languages'), chart('bar', Object.keys(m.languages), [{ label: 'records', data: Object.values(m.languages), backgroundColor: palette[0] }], null, 'languages-chart')),
        h('div', { className: 'card' }, h('h2', {}, 'Token length'), chart('bar', data.tokenHistogram.map(b => `${b.from}–${b.to - 1}`), [{ label: 'records', data: data.tokenHistogram.map(b => b.records), backgroundColor: palette[2] }], null, 'tokens-chart'))),
      h('h2', {}, 'Quarantined rows (redacted)'),
      !data.quarantined ? h('p', { className: 'muted' }, 'none') : [
        h('p', { className: 'muted' }, `${num(data.quarantined.quarantined)} in ${data.quarantined.folder}; the first ${data.quarantined.rows.length} shown.`),
        table([col('line', r => num(r.line), { num: true }), col('rule', r => r.rule), col('field', r => r.field || '–'), col('reason', r => r.reason), col('fields', r => h('code', {}, JSON.stringify(r.fields || {})))],
          rows(data.quarantined.rows, () => ({ 'data-testid': 'quarantine-row' }))),
      ],
      h('h2', {}, 'Schema'),
      table([col('field', f => f.name), col('type', f => f.type), col('required', f => f.required ? 'yes' : '')], m.schema || []),
    ];
  }

  async function diff(params) {
    const data = await view('datasets/diff', { from: params.from, to: params.to });
    const list = (title, items, testid) => h('div', { className: 'card' }, h('h2', {}, `${title} (${items.length})`),
      items.length === 0 ? h('p', { className: 'muted' }, 'none') : [h('ul', { 'data-testid': testid }, items.slice(0, 500).map(i => h('li', {}, typeof i === 'string' ? i : [i.id, ': ', i.fields.join(', ') || '(content)']))),
        items.length > 500 ? h('p', { className: 'muted' }, `and ${items.length - 500} more`) : null]);
    return [
      h('h1', {}, 'Dataset diff'),
      h('p', {}, link(route('dataset', { id: data.from }), data.from), ' → ', link(route('dataset', { id: data.to }), data.to)),
      h('div', { className: 'grid' }, list('Added', data.added, 'diff-added'), list('Removed', data.removed, 'diff-removed'), list('Changed', data.changed, 'diff-changed')),
    ];
  }

  // The lineage explorer: one level at a time (console-api/lineage: what GET /api/lineage/{id}?depth=1 gives), expanded on click.
  const MaxNewNodes = 150;
  async function lineage(params) {
    const details = h('div', { className: 'side card', 'data-testid': 'lineage-details' });
    const results = h('ul', {});
    const search = h('input', { type: 'search', placeholder: 'search ids (dataset:, blob:, run:, deploy:)', 'aria-label': 'Search lineage', size: 40, 'data-testid': 'lineage-search' });
    search.addEventListener('keydown', async e => {
      if (e.key !== 'Enter' || !search.value.trim()) return;
      const found = await view('lineage/search', { q: search.value.trim(), limit: 25 });
      results.replaceChildren(...found.nodes.map(n => h('li', {}, link(route('lineage', { id: n.id }), n.id, { 'data-testid': 'lineage-result' }))));
      if (found.nodes.length === 0) results.replaceChildren(h('li', { className: 'muted' }, 'nothing matches'));
    });
    const box = h('div', { id: 'graph', 'data-testid': 'lineage-graph' });
    const content = [h('h1', {}, 'Lineage'), h('div', { className: 'toolbar' }, search), results,
      h('div', { className: 'lineage' }, box, details)];
    if (!params.id) {
      details.append(h('p', { className: 'muted' }, 'Search for a node, or open one from a dataset, run or release.'));
      return content;
    }

    const expanded = new Set();
    const edges = new Map();
    const select = (id) => {
      const node = graph.getElementById(id);
      if (!node || node.empty()) return;
      graph.$(':selected').unselect();
      node.select();
      const data = node.data();
      const touching = [...edges.values()].filter(e => e.from === id || e.to === id);
      details.replaceChildren(...[
        h('h2', { 'data-testid': 'lineage-selected' }, id),
        h('p', {}, badge(data.kind), ' ', expanded.has(id) ? badge('expanded', 'ok') : h('button', { 'data-testid': 'lineage-expand', onclick: () => expand(id) }, 'Expand up and down')),
        data.facets && Object.keys(data.facets).length ? kvTable(data.facets, 'facet') : null,
        h('h3', {}, `Edges (${touching.length})`),
        h('ul', {}, touching.map(e => h('li', { 'data-testid': 'lineage-edge' },
          e.from === id ? '→ ' : '← ',
          h('a', { href: 'javascript:void 0', 'data-testid': 'lineage-node', 'data-node-id': e.from === id ? e.to : e.from, onclick: () => { const other = e.from === id ? e.to : e.from; expand(other); } }, e.from === id ? e.to : e.from),
          h('div', { className: 'muted' }, `${e.relation} by ${e.job}`, Object.keys(e.facets || {}).length ? ' · ' + Object.entries(e.facets).map(([k, v]) => `${k}=${v}`).join(', ') : ''))))].filter(Boolean));
    };

    const addNode = (n, level) => {
      if (graph.getElementById(n.id).nonempty()) return false;
      graph.add({ group: 'nodes', data: { id: n.id, label: n.id.length > 38 ? n.id.slice(0, 36) + '…' : n.id, kind: n.kind, facets: n.facets, level } });
      return true;
    };

    const level = (id) => view('lineage', { id });
    async function expand(id, loading) {
      main.dataset.ready = '';
      try {
        await expandLevel(id, loading);
      } catch (err) {
        details.replaceChildren(h('div', { className: 'error', 'data-testid': 'error' }, err.message));
      }
      main.dataset.ready = 'lineage';
    }

    async function expandLevel(id, loading) {
      if (expanded.has(id)) { select(id); return; }
      const data = await (loading || level(id));
      expanded.add(id);
      let added = 0;
      const known = new Map(data.nodes.map(n => [n.id, n]));
      if (!known.has(id)) known.set(id, { id, kind: id.split(':')[0], facets: {} });
      addNode(known.get(id), 0);
      let more = 0;
      for (const e of data.edges) {
        const other = e.from === id ? e.to : e.from;
        if (graph.getElementById(other).empty()) {
          if (added >= MaxNewNodes) { more++; continue; }
          addNode(known.get(other) || { id: other, kind: other.split(':')[0], facets: {} });
          added++;
        }
        const edgeId = `${e.from}\n${e.to}\n${e.relation}`;
        if (!edges.has(edgeId)) {
          edges.set(edgeId, e);
          graph.add({ group: 'edges', data: { id: edgeId, source: e.from, target: e.to, label: e.job } });
        }
      }
      graph.getElementById(id).data('expanded', 1).data('more', more);
      graph.layout({ name: 'breadthfirst', directed: true, spacingFactor: 1.1, animate: false, fit: true, padding: 20 }).run();
      select(id);
      if (more) details.append(h('p', { className: 'muted' }, `${more} more neighbours not drawn; search for them by id.`));
    }

    const draw = async () => {
      const first = level(params.id);
      first.catch(() => { });
      await library('cytoscape');
      graph = cytoscape({
        container: box,
        style: [
          { selector: 'node', style: { label: 'data(label)', 'font-size': 9, 'text-valign': 'bottom', 'text-margin-y': 3, width: 14, height: 14, 'background-color': '#8c959f' } },
          { selector: 'node[kind = "blob"]', style: { 'background-color': '#bf8700', shape: 'round-rectangle' } },
          { selector: 'node[kind = "dataset"]', style: { 'background-color': '#0969da' } },
          { selector: 'node[kind = "index"]', style: { 'background-color': '#8250df' } },
          { selector: 'node[kind = "run"], node[kind = "prep"]', style: { 'background-color': '#57606a', shape: 'diamond' } },
          { selector: 'node[kind = "prompt"], node[kind = "model"]', style: { 'background-color': '#1a7f37' } },
          { selector: 'node[kind = "deploy"]', style: { 'background-color': '#cf222e', shape: 'star' } },
          { selector: 'node[expanded = 1]', style: { 'border-width': 2, 'border-color': '#24292f' } },
          { selector: 'node:selected', style: { 'border-width': 3, 'border-color': '#fb8500' } },
          { selector: 'edge', style: { width: 1, 'line-color': '#afb8c1', 'target-arrow-color': '#afb8c1', 'target-arrow-shape': 'triangle', 'curve-style': 'bezier' } },
        ],
      });
      graph.on('tap', 'node', e => expand(e.target.id()));
      await expand(params.id, first);
    };
    return { content, after: draw };
  }

  async function runs(params) {
    const filters = { experiment: params.experiment || '', q: params.q || '', status: params.status || '', limit: params.limit || '200' };
    const data = await view('runs', Object.fromEntries(Object.entries(filters).filter(e => e[1])));
    const picked = new Set();
    const compare = h('button', { disabled: true, 'data-testid': 'compare-runs', onclick: () => { location.hash = route('compare', { ids: [...picked].join(',') }); } }, 'Compare selected');
    const apply = (change) => { location.hash = route('runs', Object.fromEntries(Object.entries(Object.assign({}, filters, change)).filter(e => e[1] && !(e[0] === 'limit' && e[1] === '200')))); };
    const text = h('input', { type: 'search', value: filters.q, placeholder: 'name, id or user', 'aria-label': 'Filter runs', 'data-testid': 'runs-filter' });
    text.addEventListener('keydown', e => { if (e.key === 'Enter') apply({ q: text.value.trim() }); });
    return [
      h('h1', {}, 'Runs'),
      h('div', { className: 'toolbar' },
        h('select', { 'aria-label': 'Experiment', onchange: e => apply({ experiment: e.target.value }) }, h('option', { value: '' }, 'every experiment'),
          data.experiments.map(x => h('option', { value: x.name, selected: x.name === filters.experiment }, `${x.name} (${x.runs === undefined ? '' : x.runs})`))),
        h('select', { 'aria-label': 'Status', onchange: e => apply({ status: e.target.value }) }, ['', 'Running', 'Finished', 'Failed', 'Killed'].map(s => h('option', { value: s, selected: s === filters.status }, s || 'any status'))),
        text, compare,
        h('span', { className: 'muted', 'data-testid': 'runs-matching' }, `${num(data.matching)} matching, ${data.runs.length} shown`)),
      table([
        col('', r => h('input', { type: 'checkbox', 'aria-label': 'select ' + r.name, onchange: e => { if (e.target.checked) picked.add(r.id); else picked.delete(r.id); compare.disabled = picked.size < 2; } })),
        col('run', r => link(route('run', { id: r.id }), r.name)), col('experiment', r => r.experiment), col('status', r => badge(r.status, r.status === 'Finished' ? 'ok' : r.status === 'Failed' ? 'bad' : '')),
        col('started', r => when(r.startTime)), col('seconds', r => r.endTime ? num((new Date(r.endTime) - new Date(r.startTime)) / 1000, 1) : '–', { num: true }), col('user', r => r.user),
      ], rows(data.runs, r => ({ 'data-testid': 'run-row', 'data-id': r.id }))),
    ];
  }

  function metricCharts(histories, names) {
    const keys = [...new Set(histories.flatMap(hh => Object.keys(hh)))].sort();
    return h('div', { className: 'grid' }, keys.filter(k => histories.some(hh => (hh[k] || []).length > 1)).map(k => h('div', { className: 'card' }, h('h3', {}, k),
      chart('line', [...new Set(histories.flatMap(hh => (hh[k] || []).map(p => p.step)))].sort((a, b) => a - b),
        histories.map((hh, i) => ({ label: names[i], data: (hh[k] || []).map(p => ({ x: p.step, y: p.value })), borderColor: palette[i % palette.length], backgroundColor: palette[i % palette.length], parsing: false })),
        { scales: { x: { type: 'linear', title: { display: true, text: 'step' } } } }, 'metric-chart'))));
  }

  async function run(params) {
    const data = await view('runs/detail', { id: params.id });
    const r = data.run;
    return [
      h('h1', {}, `${r.info.name}`),
      h('p', {}, `${r.info.id} in ${r.info.experiment}, `, badge(r.info.status), ` by ${r.info.user}, ${when(r.info.startTime)} → ${when(r.info.endTime)}`, r.info.gitRevision ? ` at ${r.info.gitRevision}` : '', ' · ', link(route('lineage', { id: r.info.id }), 'Lineage')),
      h('div', { className: 'grid' },
        h('div', { className: 'card' }, h('h2', {}, 'Parameters'), kvTable(r.params, 'param')),
        h('div', { className: 'card' }, h('h2', {}, 'Metrics (latest)'), table([col('metric', m => m.key), col('value', m => num(m.value, 4), { num: true }), col('step', m => num(m.step), { num: true })], Object.values(r.latestMetrics))),
        h('div', { className: 'card' }, h('h2', {}, 'Inputs'), r.inputs.length === 0 ? h('p', { className: 'muted' }, 'none') : h('ul', {}, r.inputs.map(i => h('li', {}, link(route(i.datasetId.startsWith('dataset:') ? 'dataset' : 'lineage', { id: i.datasetId }), i.datasetId), ` (${i.context})`)))),
        h('div', { className: 'card' }, h('h2', {}, 'Artifacts'), r.artifacts.length === 0 ? h('p', { className: 'muted' }, 'none') : h('ul', {}, r.artifacts.map(a => h('li', {}, a)))),
        h('div', { className: 'card' }, h('h2', {}, 'Tags'), kvTable(r.tags, 'tag'))),
      h('h2', {}, 'Metric history'),
      metricCharts([data.history], [r.info.name]),
    ];
  }

  async function compare(params) {
    const ids = (params.ids || '').split(',').filter(Boolean);
    if (ids.length < 2) return [h('h1', {}, 'Compare runs'), h('p', { className: 'muted' }, 'Pick two or more runs on the runs page.')];
    const all = await Promise.all(ids.map(id => view('runs/detail', { id })));
    const names = all.map(d => d.run.info.name);
    const paramKeys = [...new Set(all.flatMap(d => Object.keys(d.run.params)))].sort();
    const metricKeys = [...new Set(all.flatMap(d => Object.keys(d.run.latestMetrics)))].sort();
    const differs = (values) => new Set(values.map(v => String(v))).size > 1;
    const header = h('tr', {}, h('th', {}, ''), all.map(d => h('th', {}, link(route('run', { id: d.run.info.id }), d.run.info.name))));
    const line = (label, values, digits) => h('tr', { className: differs(values) ? 'diff' : '' }, h('th', {}, label), values.map(v => h('td', { className: typeof v === 'number' ? 'num' : '' }, typeof v === 'number' ? num(v, digits) : (v ?? '–'))));
    return [
      h('h1', {}, `Compare ${all.length} runs`),
      h('div', { className: 'scroll' }, h('table', { 'data-testid': 'compare-table' },
        h('thead', {}, header),
        h('tbody', {},
          line('experiment', all.map(d => d.run.info.experiment)), line('status', all.map(d => d.run.info.status)),
          paramKeys.map(k => line('param ' + k, all.map(d => d.run.params[k]))),
          metricKeys.map(k => line(k, all.map(d => d.run.latestMetrics[k] ? d.run.latestMetrics[k].value : null), 4))))),
      h('h2', {}, 'Metrics side by side'),
      h('div', { className: 'grid' }, metricKeys.map(k => h('div', { className: 'card' }, h('h3', {}, k),
        chart('bar', names, [{ label: k, data: all.map(d => d.run.latestMetrics[k] ? d.run.latestMetrics[k].value : null), backgroundColor: names.map((_, i) => palette[i % palette.length]) }], { plugins: { legend: { display: false } } }, 'compare-chart')))),
      h('h2', {}, 'Metric history'),
      metricCharts(all.map(d => d.history), names),
    ];
  }

  async function registry() {
    const data = await view('registry');
    return [
      h('h1', {}, 'Registry and releases'),
      table([
        col('item', i => link(route('release', { name: i.name }), i.name)), col('kind', i => i.kind), col('feature', i => i.feature || '–'),
        col('latest', i => 'v' + i.latestVersion), col('aliases', i => i.aliases.map(a => badge(`${a.alias} → v${a.version}`, a.alias === 'champion' ? 'ok' : ''))),
      ], rows(data.items, i => ({ 'data-testid': 'registry-row' }))),
    ];
  }

  async function release(params) {
    const data = await view('registry/item', { name: params.name });
    return [
      h('h1', {}, data.name),
      h('p', {}, `${data.kind}, feature ${data.feature || '–'}. ${data.description || ''} `, link(route('lineage', { id: data.name + '/' + (data.versions.length ? data.versions[data.versions.length - 1].version : 1) }), 'Lineage of the latest version')),
      h('h2', {}, 'Aliases'),
      data.aliases.map(a => h('div', { className: 'card', 'data-testid': 'alias' }, h('h3', {}, `${a.alias} → v${a.version}`, ' ', h('span', { className: 'muted' }, `moved by ${a.movedBy} at ${when(a.movedAt)}`)),
        table([col('at', e => when(e.at)), col('who', e => e.whoName || e.who), col('action', e => e.action), col('from', e => e.before || '–'), col('to', e => e.after || '–'), col('why', e => e.why || '')], a.history))),
      h('h2', {}, 'Deployments and canaries'),
      table([col('environment', d => d.environment), col('version', d => 'v' + d.version), col('status', d => badge(d.status, d.status === 'rolled_back' ? 'bad' : d.status === 'canary' ? 'warn' : 'ok')),
        col('canary', d => d.canaryPercent ? d.canaryPercent + '%' : '–'), col('stable', d => d.stable || '–'), col('decision', d => d.decision || ''), col('deployed', d => `${when(d.deployedAt)} by ${d.deployedBy}`)],
        rows(data.deployments, () => ({ 'data-testid': 'deployment-row' }))),
      h('h2', {}, 'Evidence: release gates'),
      data.gates.length === 0 ? h('p', { className: 'muted' }, 'no gate decision recorded') : data.gates.map(g => h('div', { className: 'card', 'data-testid': 'gate-report' },
        h('h3', {}, `${g.candidate} vs ${g.baseline || 'no champion'} `, badge(g.rows.every(r => r.passed) ? 'passed' : 'refused', g.rows.every(r => r.passed) ? 'ok' : 'bad')),
        h('p', { className: 'muted' }, `${g.id}, ${num(g.examples)} examples of ${g.dataset}, judged by ${g.model}, ${num(g.confidence * 100, 0)}% intervals, ${when(g.at)}`),
        table([col('metric', r => r.metric), col('candidate', r => num(r.candidate, 4), { num: true }), col('baseline', r => num(r.baseline, 4), { num: true }),
          col('difference [interval]', r => r.comparison ? `${num(r.comparison.difference, 4)} [${num(r.comparison.low, 4)}, ${num(r.comparison.high, 4)}]` : '–'),
          col('requirement', r => r.requirement || '–'), col('result', r => r.passed ? badge('pass', 'ok') : badge(r.failure || 'fail', 'bad'))], g.rows))),
      h('h2', {}, 'Versions'),
      table([col('version', v => 'v' + v.version), col('run', v => v.runId ? link(route('run', { id: v.runId }), v.runId) : '–', { id: true }), col('created', v => `${when(v.createdAt)} by ${v.createdBy}`), col('description', v => v.description || '')], data.versions),
    ];
  }

  const features = async () => (await view('features')).features;

  async function pickFeature(page, params, extra) {
    const list = await features();
    const current = params.feature || (list[0] && list[0].feature);
    return {
      current,
      picker: h('select', { 'aria-label': 'Feature', onchange: e => { location.hash = route(page, Object.assign({ feature: e.target.value }, extra || {})); } },
        list.map(f => h('option', { value: f.feature, selected: f.feature === current }, f.feature))),
      list,
    };
  }

  async function drift(params) {
    const { current, picker } = await pickFeature('drift', params);
    if (!current) return [h('h1', {}, 'Drift'), h('p', { className: 'muted' }, 'No lifecycle is published yet.')];
    const data = await view('drift', { feature: current });
    const frame = h('iframe', { className: 'report', sandbox: '', title: 'Drift report', 'data-testid': 'drift-report-frame', hidden: true });
    const open = async (path) => {
      main.dataset.ready = '';
      frame.srcdoc = await view('report', { path });
      frame.hidden = false;
      frame.scrollIntoView();
      main.dataset.ready = 'drift-report';
    };
    const series = new Map();
    for (const c of data.checks) {
      const id = `${c.source} · ${c.signal}`;
      if (!series.has(id)) series.set(id, []);
      series.get(id).push(c);
    }
    return [
      h('h1', {}, 'Drift'),
      h('div', { className: 'toolbar' }, picker, h('span', { className: 'muted' }, `${data.reports.length} checks`)),
      h('div', { className: 'grid' }, [...series.entries()].map(([id, points]) => {
        const last = points[points.length - 1];
        const level = { Alert: 'bad', Warn: 'warn', Ok: 'ok' }[last.status] || '';
        return h('div', { className: 'card', 'data-testid': 'drift-series' },
          h('h3', {}, id, ' ', h('span', { className: 'muted' }, `${last.test}${last.lowerIsWorse ? ' (lower is worse)' : ''}`), ' ', badge(last.status, level)),
          chart('line', points.map(p => when(p.checkedAt)), [
            { label: 'value', data: points.map(p => p.value), borderColor: palette[0], backgroundColor: palette[0], pointRadius: 4 },
            { label: 'warn', data: points.map(p => p.warn), borderColor: '#bf8700', backgroundColor: '#bf8700', borderDash: [6, 4], pointStyle: 'rectRot', pointRadius: 4 },
            { label: 'alert', data: points.map(p => p.alert), borderColor: '#cf222e', backgroundColor: '#cf222e', borderDash: [2, 2], pointStyle: 'rectRot', pointRadius: 4 },
          ], null, 'drift-chart'));
      })),
      h('h2', {}, 'Checks, reports and actions'),
      table([col('checked', r => when(r.checkedAt)), col('source', r => r.source), col('drift', r => r.datasetDrift ? badge('drifted', 'bad') : badge('no', 'ok')),
        col('actions sent', r => (r.sent || []).length === 0 ? '–' : r.sent.map(a => badge(`${a.action}: ${a.signal} ${num(a.value)} past ${num(a.threshold)}`, 'bad'))),
        col('held back', r => (r.heldBack || []).join('; ') || '–'),
        col('report', r => h('button', { 'data-testid': 'open-drift-report', onclick: () => open(r.report) }, 'Open'))],
      rows(data.reports, () => ({ 'data-testid': 'drift-report-row' }))),
      frame,
    ];
  }

  async function feedback(params) {
    const days = params.days || '30';
    const { current, picker } = await pickFeature('feedback', params, { days });
    if (!current) return [h('h1', {}, 'Feedback'), h('p', { className: 'muted' }, 'No lifecycle is published yet.')];
    const data = await view('feedback', { feature: current, days });
    const groupTable = (groups, title) => table([col(title, g => g.group), col('requests', g => num(g.requests), { num: true }), col('thumbs up', g => num(g.thumbsUpRate), { num: true }),
      col('corrections', g => num(g.correctionRate), { num: true }), col('escalations', g => num(g.escalationRate), { num: true }), col('p95 ms', g => num(g.latencyP95, 0), { num: true }),
      col('tokens in/out', g => `${num(g.inputTokens)} / ${num(g.outputTokens)}`, { num: true }), col('cost/request', g => num(g.costPerRequest, 5), { num: true }), col('errors', g => num(g.errorRate), { num: true })], groups);
    return [
      h('h1', {}, 'Feedback'),
      h('div', { className: 'toolbar' }, picker, h('select', { 'aria-label': 'Days', onchange: e => { location.hash = route('feedback', { feature: current, days: e.target.value }); } },
        ['1', '7', '30', '90'].map(d => h('option', { value: d, selected: d === days }, `last ${d} days`)))),
      h('div', { className: 'grid' },
        h('div', { className: 'card' }, h('h2', {}, 'Per prompt version'), chart('bar', data.byPrompt.map(g => g.group), [
          { label: 'requests', data: data.byPrompt.map(g => g.requests), backgroundColor: palette[0], yAxisID: 'y' },
          { label: 'thumbs-up rate', data: data.byPrompt.map(g => g.thumbsUpRate), backgroundColor: palette[2], yAxisID: 'rate' },
        ], { scales: { y: { position: 'left' }, rate: { position: 'right', min: 0, max: 1 } } }, 'feedback-prompt-chart')),
        h('div', { className: 'card' }, h('h2', {}, 'Per day'), chart('line', data.byDay.map(g => g.group), [
          { label: 'requests', data: data.byDay.map(g => g.requests), borderColor: palette[0], yAxisID: 'y' },
          { label: 'thumbs-up rate', data: data.byDay.map(g => g.thumbsUpRate), borderColor: palette[2], yAxisID: 'rate' },
          { label: 'correction rate', data: data.byDay.map(g => g.correctionRate), borderColor: palette[1], yAxisID: 'rate' },
        ], { scales: { y: { position: 'left' }, rate: { position: 'right', min: 0, max: 1 } } }, 'feedback-day-chart'))),
      h('h2', {}, 'Per prompt version'), groupTable(data.byPrompt, 'prompt version'),
      h('h2', {}, 'Per day'), groupTable(data.byDay, 'day'),
      h('h2', {}, 'Recent traces'),
      table([col('trace', t => link(route('trace', { id: t.Id }), t.Id), { id: true }), col('time', t => when(t.Time)), col('prompt', t => t.PromptVersion || '–'), col('deployment', t => t.Deployment || '–'), col('status', t => t.Status), col('ms', t => num(t.LatencyMs, 0), { num: true })],
        rows(data.recent, () => ({ 'data-testid': 'trace-row' }))),
    ];
  }

  async function trace(params) {
    const data = await view('feedback/trace', { id: params.id });
    const t = data.trace;
    return [
      h('h1', {}, t.id),
      h('p', {}, `${t.feature}, ${t.promptVersion || 'no prompt version'}, ${t.deployment || 'no deployment'}, ${t.model || ''} `, badge(t.status, t.status === 'ok' ? 'ok' : 'bad')),
      h('div', { className: 'grid' },
        h('div', { className: 'card' }, h('h2', {}, 'Input'), h('pre', {}, t.input || '')),
        h('div', { className: 'card' }, h('h2', {}, 'Output'), h('pre', {}, t.output || ''))),
      h('h2', {}, `Scores (${data.scores.length})`),
      table([col('name', s => s.name), col('value', s => s.value ?? s.stringValue ?? '–'), col('source', s => s.source || '–'), col('comment', s => s.comment || s.correction || '')], rows(data.scores, () => ({ 'data-testid': 'score-row' }))),
      h('h2', {}, 'Trace'), h('pre', {}, JSON.stringify(t, null, 2)),
    ];
  }

  async function labeling(params) {
    const list = await features();
    const projects = list.flatMap(f => f.labelingProjects);
    const current = params.project || projects[0];
    const picker = h('select', { 'aria-label': 'Project', onchange: e => { location.hash = route('labeling', { project: e.target.value }); } }, projects.map(p => h('option', { value: p, selected: p === current }, p)));
    if (!current) return [h('h1', {}, 'Labeling'), h('p', { className: 'muted' }, 'No labeling project in any lifecycle.')];
    const report = await view('labeling', { project: current });
    const notice = h('div', {}, flash ? h('div', { className: 'notice', 'data-testid': 'adjudication-notice' }, flash) : null);
    flash = null;
    const kappaMatrix = (field) => {
      const names = report.annotators;
      const value = (a, b) => { if (a === b) return '1'; const p = field.pairwiseKappa.find(k => (k.a === a && k.b === b) || (k.a === b && k.b === a)); return p ? `${num(p.kappa)} (${p.items})` : '–'; };
      return h('div', { className: 'scroll' }, h('table', { 'data-testid': 'kappa-matrix' }, h('thead', {}, h('tr', {}, h('th', {}, field.field), names.map(n => h('th', {}, n)))),
        h('tbody', {}, names.map(a => h('tr', {}, h('th', {}, a), names.map(b => h('td', { className: 'num' }, value(a, b))))))));
    };
    const decide = (item, valuesInput, reasonInput, button) => async () => {
      button.disabled = true;
      try {
        const values = valuesInput.value.split('|').map(v => v.trim()).filter(Boolean);
        const result = await api('console-api/labeling/adjudicate', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ project: current, item: item.item, field: item.field, values, reason: reasonInput.value }) });
        flash = `Recorded ${item.item} ${item.field} = ${values.join('|')} by ${result.recorded ? result.recorded.by : 'you'}.`;
        await render();
      } catch (err) {
        notice.replaceChildren(h('div', { className: 'error', 'data-testid': 'adjudication-error' }, err.message));
        button.disabled = false;
      }
    };
    return [
      h('h1', {}, `Labeling: ${report.project}`),
      h('div', { className: 'toolbar' }, picker, badge(report.publishable ? 'publishable' : 'not publishable', report.publishable ? 'ok' : 'warn'),
        h('span', { className: 'muted' }, `${num(report.items)} items, ${num(report.labels)} labels, ${report.annotators.length} annotators, consensus ${report.consensusMethod}, ${when(report.at)}`)),
      report.reasons.length ? h('ul', {}, report.reasons.map(r => h('li', {}, r))) : null,
      notice,
      h('h2', {}, 'Agreement per field'),
      table([col('field', f => f.field), col('statistic', f => f.statistic), col('value', f => num(f.value), { num: true }), col('level', f => badge(f.level, f.passed ? 'ok' : 'bad')),
        col('alpha [95% interval]', f => f.alpha === null ? '–' : `${num(f.alpha)} [${num(f.alphaLow)}, ${num(f.alphaHigh)}]`), col('agreement', f => num(f.percentAgreement), { num: true }),
        col('Fleiss κ', f => num(f.fleissKappa), { num: true }), col('AC1', f => num(f.gwetAc1), { num: true }), col('items', f => num(f.items), { num: true })], rows(report.fields, () => ({ 'data-testid': 'field-row' }))),
      h('h2', {}, 'Pairwise Cohen\'s kappa'),
      h('div', { className: 'grid' }, report.fields.filter(f => f.pairwiseKappa.length).map(f => h('div', { className: 'card' }, kappaMatrix(f)))),
      h('h2', {}, 'Annotators'),
      table([col('annotator', a => a.annotator), col('labels', a => num(a.labels), { num: true }), col('gold accuracy', a => a.goldAccuracy === null ? '–' : `${num(a.goldAccuracy)} (${a.goldCorrect}/${a.goldLabels})`, { num: true }),
        col('agreement with consensus', a => num(a.consensusAgreement), { num: true })], report.annotatorQuality),
      h('h2', {}, `Disagreements to adjudicate (${report.adjudication.length})`),
      table([col('item', a => a.item), col('field', a => a.field), col('why', a => `${a.reason} (${num(a.confidence, 2)})`),
        ...report.annotators.map(n => col(n, a => a.labels[n] || '–')),
        col('decision', a => {
          if (a.decision) return [badge(a.decision.values.join('|'), 'ok'), h('div', { className: 'muted' }, `by ${a.decision.by}: ${a.decision.reason}`)];
          const values = h('input', { 'aria-label': 'values', placeholder: 'value (a|b for several)', size: 14, 'data-testid': 'adjudicate-values' });
          const reason = h('input', { 'aria-label': 'reason', placeholder: 'why', size: 18, 'data-testid': 'adjudicate-reason' });
          const button = h('button', { className: 'primary', 'data-testid': 'adjudicate-button' }, 'Decide');
          button.addEventListener('click', decide(a, values, reason, button));
          return h('div', { className: 'toolbar' }, values, reason, button);
        })], rows(report.adjudication, a => ({ 'data-testid': 'adjudication-row', 'data-item': a.item, 'data-field': a.field, 'data-decided': a.decision ? 'yes' : 'no' }))),
    ];
  }

  async function governance() {
    const data = await view('governance');
    const request = [col('id', r => r.id, { id: true }), col('kind', r => r.kind), col('target', r => r.target, { id: true }), col('by', r => r.requestedByName || r.requestedBy),
      col('at', r => when(r.requestedAt)), col('approvals', r => `${r.approvals.length}/${r.required} (${r.role})`), col('status', r => badge(r.status, r.status === 'applied' ? 'ok' : r.status === 'rejected' ? 'bad' : 'warn')), col('why', r => r.why || '')];
    return [
      h('h1', {}, 'Governance'),
      h('h2', {}, `Pending approvals (${data.pending.length})`),
      data.pending.length ? table(request, rows(data.pending, () => ({ 'data-testid': 'pending-row' }))) : h('p', { className: 'muted' }, 'none'),
      h('h2', {}, 'Decided'),
      data.decided.length ? table(request, data.decided) : h('p', { className: 'muted' }, 'none'),
      h('h2', {}, 'Audit log (newest first)'),
      table([col('#', e => num(e.seq), { num: true }), col('at', e => when(e.at)), col('who', e => e.whoName || e.who), col('action', e => e.action), col('target', e => e.target, { id: true }),
        col('feature', e => e.feature || '–'), col('change', e => `${e.before || ''} → ${e.after || ''}`), col('why', e => e.why || '')], rows(data.audit, () => ({ 'data-testid': 'audit-row' }))),
    ];
  }

  const pages = { overview, datasets, dataset, diff, lineage, runs, run, compare, registry, release, drift, feedback, trace, labeling, governance };
  const navOf = { dataset: 'datasets', diff: 'datasets', run: 'runs', compare: 'runs', release: 'registry', trace: 'feedback' };

  async function render() {
    const hash = location.hash.replace(/^#\/?/, '');
    const [name, search] = hash.split('?');
    const page = name || 'overview';
    const params = Object.fromEntries(new URLSearchParams(search || ''));
    const number = ++renderCount;
    const started = performance.now();
    main.dataset.ready = '';
    for (const c of charts) c.destroy();
    charts = [];
    drawing = [];
    if (graph) { graph.destroy(); graph = null; }
    document.querySelectorAll('#nav a').forEach(a => a.classList.toggle('current', a.dataset.page === (navOf[page] || page)));
    try {
      const build = pages[page];
      if (!build) throw new ApiError(404, `The console has no page '${page}'.`);
      main.replaceChildren(h('p', { className: 'muted' }, 'Loading…'));
      const result = await build(params);
      if (number !== renderCount) return;
      const content = result && result.after ? result.content : result;
      main.replaceChildren(...[content].flat(Infinity).filter(Boolean));
      if (result && result.after) await result.after();
      await Promise.all(drawing);
      document.title = `${page} · LlmOps`;
    } catch (err) {
      if (number !== renderCount) return;
      main.replaceChildren(h('h1', {}, page), h('div', { className: 'error', 'data-testid': 'error' }, err.message,
        err.status === 401 ? '\nOpen the console with its key: /api/console?code=KEY (llmops up prints it).' : ''));
    }
    // How long this page took to render, and (once) how long since navigation start: read by the console's benchmark.
    main.dataset.renderMs = (performance.now() - started).toFixed(1);
    if (!main.dataset.loadMs) main.dataset.loadMs = performance.now().toFixed(1);
    main.dataset.ready = page;
  }

  // For people debugging in the browser's devtools (and the console's tests): the lineage graph on screen.
  window.llmops = { graph: () => graph };
  window.addEventListener('hashchange', render);
  render();
})();
