// The page of `net serve`: draws the World the server sends (laid out by ELK), asks for traces and animates
// them hop by hop, and sends the cluster edits the controls make. Bundled by esbuild into dist/page/app.js.
// Protocol: docs/web-protocol.md; message types come from the server's own modules (types only).

import ELK from 'elkjs/lib/elk.bundled.js';
import type { ElkNode, ElkExtendedEdge } from 'elkjs/lib/elk-api.js';
import type { WorldGraph } from '../src/web/graph.js';
import type { ServerMessage, WorldMessage } from '../src/web/session.js';
import type { ClientMessage, EditOp } from '../src/web/protocol.js';
import type { Hop, Trace } from '../src/trace/model.js';

const SVG = 'http://www.w3.org/2000/svg';
const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;

let socket: WebSocket;
let nextId = 1;
let world: WorldMessage | null = null;
/** Centres of drawn devices (`NETNS/DEV`) and namespaces, from the layout. */
const centres = new Map<string, { x: number; y: number }>();
/** The trace being shown: its hops in order (request, then reply) and the step reached. */
let walk: { hop: Hop; leg: 'request' | 'reply' }[] = [];
let step = -1;
let timer: number | undefined;
let pendingTrace: string | null = null;
let firstWorld = true;

function send(m: Omit<ClientMessage, 'v' | 'id'> & { type: ClientMessage['type'] }): string {
  const id = `r${nextId++}`;
  socket.send(JSON.stringify({ ...m, v: 1, id }));
  return id;
}

function status(text: string): void {
  $('status').textContent = text;
}

function showError(text: string): void {
  const box = $('errors');
  box.textContent = text;
  window.setTimeout(() => {
    if (box.textContent === text) box.textContent = '';
  }, 8000);
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

function svgEl(tag: string, attrs: Record<string, string | number>): SVGElement {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  return e;
}

// ---- The World, drawn -------------------------------------------------------------------------------------

const DEVICE_W = 78;
const DEVICE_H = 22;

function elkGraph(g: WorldGraph): ElkNode {
  const pad = { 'elk.padding': '[top=22,left=8,bottom=8,right=8]' };
  const netnsNode = (ns: WorldGraph['namespaces'][number]): ElkNode => ({
    id: `ns:${ns.id}`,
    layoutOptions: { ...pad, 'elk.direction': 'RIGHT' },
    children: ns.devices.filter((d) => d.type !== 'loopback' || d.addresses.length > 1).map((d) => ({ id: `dev:${d.id}`, width: DEVICE_W, height: DEVICE_H })),
  });
  const byNode = new Map<string, ElkNode[]>();
  const top: ElkNode[] = [];
  for (const ns of g.namespaces) {
    const n = netnsNode(ns);
    if ((n.children ?? []).length === 0) n.children = [{ id: `empty:${ns.id}`, width: 40, height: 10 }];
    if (ns.node !== null) {
      const list = byNode.get(ns.node) ?? [];
      list.push(n);
      byNode.set(ns.node, list);
    } else top.push(n);
  }
  for (const name of g.nodes) top.push({ id: `node:${name}`, layoutOptions: { ...pad, 'elk.direction': 'DOWN' }, children: byNode.get(name) ?? [] });
  if (g.services.length > 0) {
    top.push({
      id: 'services',
      layoutOptions: pad,
      children: g.services.map((s) => ({ id: `svc:${s.name}`, width: 150, height: 16 + 13 * Math.max(1, s.addresses.length) })),
    });
  }
  const drawn = new Set(g.namespaces.flatMap((ns) => ns.devices.map((d) => `dev:${d.id}`)));
  const edges: ElkExtendedEdge[] = g.wires
    .filter((w) => drawn.has(`dev:${w.a}`) && drawn.has(`dev:${w.b}`))
    .map((w) => ({ id: w.id, sources: [`dev:${w.a}`], targets: [`dev:${w.b}`] }));
  return {
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'DOWN',
      'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
      'elk.json.shapeCoords': 'ROOT',
      'elk.json.edgeCoords': 'ROOT',
      'elk.spacing.nodeNode': '18',
      'elk.layered.spacing.nodeNodeBetweenLayers': '26',
    },
    children: top,
    edges,
  };
}

async function drawWorld(g: WorldGraph): Promise<void> {
  const layout = await new ELK().layout(elkGraph(g));
  const svg = $('world') as unknown as SVGSVGElement;
  svg.replaceChildren();
  centres.clear();
  svg.setAttribute('width', String((layout.width ?? 600) + 20));
  svg.setAttribute('height', String((layout.height ?? 400) + 20));
  const wires = svgEl('g', { class: 'wires' });
  const boxes = svgEl('g', { class: 'boxes' });
  const nsById = new Map(g.namespaces.map((n) => [n.id, n]));
  const devById = new Map(g.namespaces.flatMap((n) => n.devices.map((d) => [d.id, d] as const)));
  const svcById = new Map(g.services.map((s) => [s.name, s]));
  const box = (n: ElkNode, cls: string, title: string, tip: string | null): SVGElement => {
    const grp = svgEl('g', { class: cls, 'data-id': n.id });
    grp.append(svgEl('rect', { x: n.x ?? 0, y: n.y ?? 0, width: n.width ?? 0, height: n.height ?? 0 }));
    const t = svgEl('text', { x: (n.x ?? 0) + 5, y: (n.y ?? 0) + 14, class: 'title' });
    t.textContent = title;
    grp.append(t);
    if (tip !== null) {
      grp.addEventListener('mousemove', (ev) => tooltip(ev as MouseEvent, tip));
      grp.addEventListener('mouseleave', () => ($('tooltip').hidden = true));
    }
    boxes.append(grp);
    return grp;
  };
  const visit = (n: ElkNode): void => {
    const centre = { x: (n.x ?? 0) + (n.width ?? 0) / 2, y: (n.y ?? 0) + (n.height ?? 0) / 2 };
    if (n.id.startsWith('node:')) box(n, 'k8s-node', n.id.slice(5), null);
    else if (n.id.startsWith('ns:')) {
      const ns = nsById.get(n.id.slice(3))!;
      centres.set(ns.id, centre);
      box(n, `netns ${ns.kind}`, ns.kind === 'pod' ? `pod ${ns.label}` : ns.label, ns.routes.length ? `ip route (${ns.id})\n${ns.routes.join('\n')}` : `${ns.id}: no routes`);
    } else if (n.id.startsWith('dev:')) {
      const d = devById.get(n.id.slice(4))!;
      centres.set(d.id, centre);
      const tip = [`${d.name} (${d.type})${d.master ? ` master ${d.master}` : ''}${d.mtu ? ` mtu ${d.mtu}` : ''}`, ...d.addresses.map((a) => `inet ${a}`)].join('\n');
      const grp = box(n, `device ${d.type}`, d.name, tip);
      grp.setAttribute('data-device', d.id);
    } else if (n.id === 'services') box(n, 'services-box', 'Services', null);
    else if (n.id.startsWith('svc:')) {
      const s = svcById.get(n.id.slice(4))!;
      const grp = box(n, 'service', s.name, `${s.name} (${s.type})\n${s.addresses.join('\n')}`);
      s.addresses.forEach((a, i) => {
        const t = svgEl('text', { x: (n.x ?? 0) + 5, y: (n.y ?? 0) + 27 + 13 * i });
        t.textContent = a;
        grp.append(t);
      });
    }
    for (const c of n.children ?? []) visit(c);
  };
  for (const c of layout.children ?? []) visit(c);
  for (const e of layout.edges ?? []) {
    const kind = e.id.slice(0, e.id.indexOf(':'));
    for (const s of (e as ElkExtendedEdge).sections ?? []) {
      const pts = [s.startPoint, ...(s.bendPoints ?? []), s.endPoint];
      wires.append(svgEl('path', { class: `wire ${kind}`, d: `M${pts.map((p) => `${p.x},${p.y}`).join(' L')}` }));
    }
  }
  svg.append(boxes, wires, svgEl('g', { class: 'walk-layer' }));
  showStep();
}

function tooltip(ev: MouseEvent, text: string): void {
  ev.stopPropagation();
  const tip = $('tooltip');
  const area = $('center').getBoundingClientRect();
  tip.textContent = text;
  tip.style.left = `${ev.clientX - area.left + $('center').scrollLeft + 12}px`;
  tip.style.top = `${ev.clientY - area.top + $('center').scrollTop + 12}px`;
  tip.hidden = false;
}

// ---- Controls -----------------------------------------------------------------------------------------------

function fillList(id: string, values: string[]): void {
  $(id).replaceChildren(...values.map((v) => el('option', { value: v })));
}

function edit(e: EditOp): void {
  send({ type: 'edit', edit: e } as ClientMessage);
  status('re-running the reconcilers…');
}

function showWorld(m: WorldMessage): void {
  world = m;
  $('scenario-name').textContent = `${m.scenario.name} (${m.scenario.file}, kind ${m.scenario.kind})`;
  fillList('senders', m.senders);
  fillList('destinations', m.destinations);
  const point = $('point') as HTMLSelectElement;
  point.replaceChildren(el('option', { value: '' }, '(start)'), ...m.points.map((p) => el('option', { value: p }, p)));
  point.value = m.point ?? '';
  $('edits').replaceChildren(...m.edits.map((e) => el('li', {}, e)));
  const pods = $('pods').querySelector('tbody')!;
  pods.replaceChildren(
    ...m.pods.map((p) => {
      const tr = el('tr', { 'data-pod': p.name });
      const ready = el('input', { type: 'checkbox', title: 'the pod\'s Ready condition', 'data-ready': p.name });
      ready.checked = p.ready;
      ready.addEventListener('change', () => edit({ op: 'ready', pod: p.name, ready: ready.checked }));
      const del = el('button', { type: 'button', title: 'kubectl delete pod' }, 'delete');
      del.addEventListener('click', () => edit({ op: 'delete-pod', pod: p.name }));
      const cells = [el('td', {}, p.name), el('td', {}, p.node ?? ''), el('td', {}, p.ip ?? ''), el('td'), el('td')];
      cells[3].append(ready);
      cells[4].append(del);
      tr.append(...cells);
      return tr;
    }),
  );
  $('workloads').querySelector('tbody')!.replaceChildren(
    ...m.workloads.map((w) => {
      const tr = el('tr');
      const n = el('input', { type: 'number', min: '0', max: '1000', value: String(w.replicas), 'aria-label': `replicas of ${w.name}` });
      const go = el('button', { type: 'button' }, 'scale');
      go.addEventListener('click', () => edit({ op: 'scale', workload: w.name, replicas: Number(n.value) }));
      const cells = [el('td', {}, w.name), el('td'), el('td')];
      cells[1].append(n);
      cells[2].append(go);
      tr.append(...cells);
      return tr;
    }),
  );
  $('slices').replaceChildren(
    ...m.slices.map((s) => {
      const li = el('li', {}, `${s} `);
      const del = el('button', { type: 'button' }, 'delete');
      del.addEventListener('click', () => edit({ op: 'delete-endpointslice', slice: s }));
      li.append(del);
      return li;
    }),
  );
  $('policies').replaceChildren(
    ...m.policies.map((name) => {
      const li = el('li', { 'data-policy': name }, `${name} `);
      const del = el('button', { type: 'button', title: 'kubectl delete networkpolicy' }, 'delete');
      del.addEventListener('click', () => edit({ op: 'delete-networkpolicy', policy: name }));
      li.append(del);
      return li;
    }),
  );
  $('services').replaceChildren(...m.graph.services.map((s) => el('li', {}, `${s.name} (${s.type}) ${s.addresses.join(' ')}`)));
  status(`connected${m.point ? `, at ${m.point}` : ''}`);
  document.body.dataset.worldVersion = String(Number(document.body.dataset.worldVersion ?? '0') + 1);
  void drawWorld(m.graph).then(() => {
    document.body.dataset.world = 'drawn';
    if (firstWorld) {
      firstWorld = false;
      traceFromUrl();
    }
  });
}

// ---- Traces ---------------------------------------------------------------------------------------------------

function hopText(h: Hop): string {
  const where = `${h.node ? `${h.node}:` : ''}${h.netns}${h.dev ? ` ${h.dev}` : ''}`;
  return `${where} ${h.stage}: ${h.detail}${h.rule ? ` [${h.rule}]` : ''}`;
}

function startTrace(): void {
  const params = new URLSearchParams();
  const from = ($('from') as HTMLInputElement).value.trim();
  const to = ($('to') as HTMLInputElement).value.trim();
  const proto = ($('proto') as HTMLSelectElement).value;
  const dport = ($('dport') as HTMLInputElement).value;
  const seed = ($('seed') as HTMLInputElement).value;
  const branches = ($('branches') as HTMLInputElement).checked;
  params.set('from', from);
  params.set('to', to);
  params.set('proto', proto);
  if (dport !== '') params.set('dport', dport);
  if (seed !== '' && seed !== '1') params.set('seed', seed);
  if (branches) params.set('branches', '1');
  if (world?.point) params.set('point', world.point);
  const speed = ($('speed') as HTMLSelectElement).value;
  if (speed !== '120') params.set('speed', speed);
  history.replaceState(null, '', `?${params.toString()}`);
  walk = [];
  step = -1;
  $('hops').replaceChildren();
  $('outcome').textContent = '';
  $('branch-list').replaceChildren();
  document.body.dataset.animation = 'running';
  pendingTrace = send({
    type: 'trace',
    from,
    to,
    proto,
    ...(dport !== '' ? { dport: Number(dport) } : {}),
    ...(seed !== '' ? { seed: Number(seed) } : {}),
    ...(branches ? { branches: true } : {}),
  } as ClientMessage);
  status('tracing…');
}

function traceFromUrl(): void {
  const q = new URLSearchParams(location.search);
  const from = q.get('from');
  const to = q.get('to');
  if (from === null || to === null) return;
  ($('from') as HTMLInputElement).value = from;
  ($('to') as HTMLInputElement).value = to;
  ($('proto') as HTMLSelectElement).value = q.get('proto') ?? 'tcp';
  ($('dport') as HTMLInputElement).value = q.get('dport') ?? '';
  ($('seed') as HTMLInputElement).value = q.get('seed') ?? '1';
  ($('branches') as HTMLInputElement).checked = q.get('branches') === '1';
  const speed = q.get('speed');
  if (speed !== null && [...($('speed') as HTMLSelectElement).options].some((o) => o.value === speed)) ($('speed') as HTMLSelectElement).value = speed;
  const point = q.get('point');
  if (point !== null && world !== null && world.point !== point) {
    afterWorld = startTrace;
    send({ type: 'timeline', point } as ClientMessage);
  } else startTrace();
}

let afterWorld: (() => void) | null = null;

function addHop(hop: Hop, leg: 'request' | 'reply'): void {
  const index = walk.length;
  walk.push({ hop, leg });
  const li = el('li', {
    class: `${leg}${index === 0 || walk[index - 1].leg !== leg ? ' leg-start' : ''}${hop.minor ? ' minor' : ''}`,
    'data-leg': leg,
    'data-seq': String(hop.seq),
    'data-netns': hop.netns,
    'data-dev': hop.dev ?? '',
    'data-stage': hop.stage,
    value: String(hop.seq),
  }, hopText(hop));
  const facts = [hop.before && hop.after ? `NAT ${hop.before.src} > ${hop.before.dst}  ->  ${hop.after.src} > ${hop.after.dst}` : '', ...(hop.facts ?? []), hop.packet ?? ''].filter((x) => x !== '');
  if (facts.length) li.title = facts.join('\n');
  li.addEventListener('click', () => {
    stop();
    step = index;
    showStep();
  });
  $('hops').append(li);
}

function endTrace(trace: Trace, command: string): void {
  const out = $('outcome');
  out.replaceChildren(el('span', { class: trace.disposition }, trace.disposition), document.createTextNode(
    `${trace.reason ? ` (${trace.reason})` : ''}${trace.deliveredTo ? ` to ${trace.deliveredTo.pod ?? trace.deliveredTo.netns} ${trace.deliveredTo.addr}, peer seen ${trace.deliveredTo.peerSeen}` : ''}${trace.reply ? `; reply ${trace.reply.kind} ${trace.reply.disposition}` : ''}`,
  ));
  for (const c of trace.conntrack) out.append(el('div', { class: 'conntrack' }, `conntrack ${c.netns}: ${c.line ?? `${c.orig} ${c.reply}`}`));
  const branches = trace.branches as { probability: number; disposition: string; dst: string; masquerade: boolean }[];
  if (branches.length > 0) {
    $('branch-list').replaceChildren(el('h4', {}, 'Branches'), el('ul', {}));
    const ul = $('branch-list').querySelector('ul')!;
    for (const b of branches) ul.append(el('li', {}, `${(b.probability * 100).toFixed(1)}%  ${b.disposition}  ${b.dst}${b.masquerade ? '  masqueraded' : ''}`));
  }
  $('command').textContent = command;
  $('player').hidden = false;
  status(`traced: ${trace.disposition}`);
  play();
}

function stop(): void {
  if (timer !== undefined) window.clearInterval(timer);
  timer = undefined;
  $('play').textContent = '▶ play';
}

function play(): void {
  stop();
  if (step >= walk.length - 1) step = -1;
  $('play').textContent = '❚❚ pause';
  timer = window.setInterval(() => {
    if (step >= walk.length - 1) {
      stop();
      document.body.dataset.animation = 'done';
      return;
    }
    step++;
    showStep();
  }, Number(($('speed') as HTMLSelectElement).value) || 120);
}

function showStep(): void {
  const svg = $('world') as unknown as SVGSVGElement;
  const layer = svg.querySelector('g.walk-layer');
  svg.querySelectorAll('.lit').forEach((n) => n.classList.remove('lit', 'reply'));
  $('hops').querySelectorAll('li.current').forEach((n) => n.classList.remove('current'));
  if (layer === null) return;
  layer.replaceChildren();
  $('step-label').textContent = walk.length ? `hop ${Math.max(step, 0) + 1} of ${walk.length}` : '';
  if (step < 0 || step >= walk.length) return;
  const where = (h: Hop): { x: number; y: number } | undefined => (h.dev !== null ? centres.get(`${h.netns}/${h.dev}`) : undefined) ?? centres.get(h.netns);
  for (const leg of ['request', 'reply'] as const) {
    const pts = walk.slice(0, step + 1).filter((w) => w.leg === leg).map((w) => where(w.hop)).filter((p) => p !== undefined);
    if (pts.length > 1) layer.append(svgEl('path', { class: `walk ${leg}`, d: `M${pts.map((p) => `${p!.x},${p!.y}`).join(' L')}` }));
  }
  const cur = walk[step];
  const p = where(cur.hop);
  if (p !== undefined) layer.append(svgEl('circle', { class: `packet ${cur.leg}`, cx: p.x, cy: p.y, r: 6 }));
  const target = cur.hop.dev !== null ? svg.querySelector(`[data-device="${CSS.escape(`${cur.hop.netns}/${cur.hop.dev}`)}"]`) : svg.querySelector(`[data-id="${CSS.escape(`ns:${cur.hop.netns}`)}"]`);
  target?.classList.add('lit');
  if (cur.leg === 'reply') target?.classList.add('reply');
  const li = $('hops').children[step];
  li?.classList.add('current');
  li?.scrollIntoView({ block: 'nearest' });
}

// ---- Wiring -----------------------------------------------------------------------------------------------------

function onMessage(m: ServerMessage): void {
  switch (m.type) {
    case 'world':
      showWorld(m);
      if (afterWorld !== null) {
        const next = afterWorld;
        afterWorld = null;
        next();
      }
      return;
    case 'trace-begin':
      return;
    case 'hop':
      if (m.id === pendingTrace) addHop(m.hop, m.leg);
      return;
    case 'trace-end':
      if (m.id === pendingTrace) endTrace(m.trace, m.command);
      return;
    case 'saved': {
      const t = $('saved') as HTMLTextAreaElement;
      t.value = m.yaml;
      t.hidden = false;
      return;
    }
    case 'error':
      showError(m.message);
      status('error');
      if (m.id !== null && m.id === pendingTrace) document.body.dataset.animation = 'failed';
      return;
  }
}

function connect(): void {
  socket = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`);
  socket.addEventListener('open', () => status('connected'));
  socket.addEventListener('message', (ev) => onMessage(JSON.parse(String(ev.data)) as ServerMessage));
  socket.addEventListener('close', () => status('disconnected: reload the page once the server runs again'));
}

$('trace-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  startTrace();
});
$('play').addEventListener('click', () => (timer === undefined ? play() : stop()));
$('step-back').addEventListener('click', () => {
  stop();
  step = Math.max(0, step - 1);
  showStep();
});
$('step-forward').addEventListener('click', () => {
  stop();
  step = Math.min(walk.length - 1, step + 1);
  showStep();
});
$('point').addEventListener('change', () => {
  const v = ($('point') as HTMLSelectElement).value;
  send({ type: 'timeline', point: v === '' ? null : v } as ClientMessage);
});
$('apply').addEventListener('click', () => {
  const text = ($('manifest') as HTMLTextAreaElement).value;
  if (text.trim() !== '') edit({ op: 'apply', manifest: text });
});
$('save').addEventListener('click', () => send({ type: 'save' } as ClientMessage));
$('reset').addEventListener('click', () => send({ type: 'reset' } as ClientMessage));
document.addEventListener('mousemove', () => ($('tooltip').hidden = true));
connect();
