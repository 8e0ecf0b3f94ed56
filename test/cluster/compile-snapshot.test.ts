// compileCluster's outputs stay byte for byte what they were when the snapshot was taken (from main's code,
// before the compile-at-scale work): every shipped Cluster scenario and test fixture, each timeline step's
// compile, and generated bench clusters. Each output (the WorldSpec, every node's iptables text,
// rulesBeforeKubeProxy / rulesAfterKubeProxy, serviceChains, owners, pods, slices, issues...) is compared by
// its SHA-256, so a difference names the scenario, the step and the output.
// Regenerate (only when a change of output is intended): UPDATE_COMPILE_SNAPSHOT=1 npx vitest run test/cluster/compile-snapshot.test.ts
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compileCluster } from '../../src/cluster/compile.js';
import type { CompiledCluster } from '../../src/cluster/compile.js';
import type { ClusterSpec } from '../../src/cluster/model.js';
import { loadScenarioFile } from '../../src/scenario/load.js';
// @ts-expect-error: a plain ES module of the bench, without types
import { generateCluster } from '../../bench/cluster-gen.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const snapshotFile = fileURLToPath(new URL('./compile-snapshot.json', import.meta.url));
const dirs = ['scenarios/', 'test/fixtures/reach/'];

function clusterFiles(): string[] {
  const out: string[] = [];
  for (const d of dirs) {
    for (const f of readdirSync(`${root}${d}`).sort()) {
      if (!f.endsWith('.yaml')) continue;
      if (/^kind:\s*Cluster\s*$/m.test(readFileSync(`${root}${d}${f}`, 'utf8'))) out.push(`${d}${f}`);
    }
  }
  return out;
}

/** A location for an origin (a YAML node of a scenario file), never the node itself. */
function originText(o: unknown): string | undefined {
  const n = (o as { node?: { range?: number[] } } | undefined)?.node;
  return n?.range === undefined ? undefined : `@${n.range[0]}`;
}

function canonical(value: unknown): string {
  return JSON.stringify(value, (key, v: unknown) => {
    if (key === 'origin') return originText(v);
    if (v instanceof Map) return { map: [...v.entries()] };
    if (v instanceof Set) return { set: [...v] };
    if (v !== null && typeof v === 'object' && 'render' in v && typeof (v as { render: unknown }).render === 'function') return { iptables: (v as { render: () => string }).render() };
    return v;
  });
}

const sha = (s: string): string => createHash('sha256').update(s).digest('hex').slice(0, 20);

/** One hash per output of a compile (the spec it came from is the input, left out). */
function digest(c: CompiledCluster): Record<string, string> {
  const out: Record<string, string> = {};
  const { spec: _spec, world, ...rest } = c;
  for (const [k, v] of Object.entries(rest)) out[k] = sha(canonical(v));
  out['world.name'] = world.name;
  for (const ns of world.namespaces) out[`world:${ns.name}`] = sha(canonical(ns));
  out['world.order'] = sha(world.namespaces.map((n) => n.name).join('\n'));
  return out;
}

function compiledOf(file: string): [string, CompiledCluster][] {
  const r = loadScenarioFile(`${root}${file}`);
  if (!r.ok) throw new Error(`${file} does not load: ${r.diagnostics[0]?.message}`);
  const out: [string, CompiledCluster][] = [[`${file}`, r.scenario.cluster!]];
  (r.scenario.timeline ?? []).forEach((s, i) => {
    if (s.kind === 'cluster') out.push([`${file} timeline[${i}]`, s.cluster]);
  });
  return out;
}

const generated: [string, () => ClusterSpec][] = [
  ['generated 100 Services x 5 nodes x 6 pods', () => generateCluster({ services: 100, nodes: 5, podsPerNode: 6, seed: 1 }).spec as ClusterSpec],
  ['generated 30 Services x 40 nodes x 3 pods', () => generateCluster({ services: 30, nodes: 40, podsPerNode: 3, seed: 2 }).spec as ClusterSpec],
  ['generated 20 Services x 4 nodes x 30 pods, host-gw', () => ({ ...generateCluster({ services: 20, nodes: 4, podsPerNode: 30, seed: 3 }).spec, network: 'flannel-host-gw' }) as ClusterSpec],
];

function allDigests(): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  for (const f of clusterFiles()) for (const [name, c] of compiledOf(f)) out[name] = digest(c);
  for (const [name, make] of generated) out[name] = digest(compileCluster(make()));
  return out;
}

describe('compileCluster outputs match the snapshot taken before the compile-at-scale work', () => {
  it('finds the cluster scenarios', () => {
    expect(clusterFiles().length).toBeGreaterThanOrEqual(30);
  });

  it('every output of every compile is unchanged', () => {
    const now = allDigests();
    if (process.env.UPDATE_COMPILE_SNAPSHOT) {
      writeFileSync(snapshotFile, `${JSON.stringify(now, null, 1)}\n`);
      console.log(`wrote ${snapshotFile}: ${Object.keys(now).length} compiles`);
    }
    const want = JSON.parse(readFileSync(snapshotFile, 'utf8')) as Record<string, Record<string, string>>;
    const diffs: string[] = [];
    for (const name of new Set([...Object.keys(want), ...Object.keys(now)])) {
      const a = want[name] ?? {};
      const b = now[name] ?? {};
      for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) if (a[k] !== b[k]) diffs.push(`${name}: ${k}`);
    }
    expect(diffs).toEqual([]);
    expect(Object.keys(now).length).toBeGreaterThanOrEqual(40);
  });
});
