// schema/cluster.schema.json against the Cluster reader: it accepts every shipped Cluster scenario, rejects
// malformed ones, and names exactly the fields src/scenario/read-cluster.ts reads.

import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { CLUSTER_FIELDS } from '../src/scenario/read-cluster.js';
import { collectScenarioFiles } from '../src/scenario/load.js';

const schema = JSON.parse(readFileSync('schema/cluster.schema.json', 'utf8'));
const validate = new Ajv2020({ allErrors: true, strict: true, strictRequired: false }).compile(schema);
const clusters = collectScenarioFiles(['scenarios']).filter((f) => /^kind: Cluster$/m.test(readFileSync(f, 'utf8')));
const keys = (o: { properties: Record<string, unknown> }) => Object.keys(o.properties).sort();

describe('cluster JSON Schema', () => {
  it.each(clusters)('accepts %s', (file) => {
    const ok = validate(parse(readFileSync(file, 'utf8')));
    expect(ok ? [] : validate.errors).toEqual([]);
  });

  it.each(['02-bad-network', '07-unknown-node-field', '25-patch-bad-target', '01-missing-cluster'])('rejects bad-clusters/%s', (name) => {
    expect(validate(parse(readFileSync(`test/bad-clusters/${name}.yaml`, 'utf8')))).toBe(false);
  });

  it('names the fields the reader reads', () => {
    const p = schema.properties;
    const d = schema.$defs;
    expect(keys(schema)).toEqual([...CLUSTER_FIELDS.top].sort());
    expect(keys(p.cluster)).toEqual([...CLUSTER_FIELDS.cluster].sort());
    expect(keys(p.underlay)).toEqual([...CLUSTER_FIELDS.underlay].sort());
    expect(keys(d.node)).toEqual([...CLUSTER_FIELDS.node].sort());
    expect(keys(d.docker)).toEqual([...CLUSTER_FIELDS.docker].sort());
    expect(keys(d.docker.properties.containers.items)).toEqual([...CLUSTER_FIELDS.container].sort());
    expect(keys(d.external)).toEqual([...CLUSTER_FIELDS.external].sort());
    expect(keys(d.patch)).toEqual([...CLUSTER_FIELDS.patch].sort());
  });
});
