// schema/topology.schema.json against the loader: it accepts every shipped scenario and the loader's valid
// fixtures, rejects malformed files, and names exactly the fields, enums and sysctls the loader knows.

import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { DEVCONF_SETTINGS, GLOBAL_SYSCTLS, NEIGH_SETTINGS } from '../kernel/netns/sysctl-names.js';
import { DISPOSITIONS, DROP_REASONS } from '../trace/model.js';
import { REPLY_EXPECT_FIELDS, SCENARIO_FIELDS } from './fields.js';
import { collectScenarioFiles } from './load.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const schema = JSON.parse(readFileSync(join(root, 'schema/topology.schema.json'), 'utf8'));
const validate = new Ajv2020({ allErrors: true, strict: true, strictRequired: false }).compile(schema);
const defs = schema.$defs;

function yamlFiles(dir: string): string[] {
  return collectScenarioFiles([join(root, dir)]);
}

function check(file: string): boolean {
  return validate(parse(readFileSync(file, 'utf8'))) === true;
}

describe('topology JSON Schema', () => {
  const good = [...yamlFiles('scenarios'), ...yamlFiles('src/scenario/testdata')];
  it.each(good.map((f) => [f.slice(root.length), f]))('accepts %s', (_name, file) => {
    const ok = check(file);
    expect(ok ? [] : validate.errors).toEqual([]);
  });

  const rejected = [
    '04-wrong-api-version', '05-unknown-kind', '07-missing-metadata-name', '08-unknown-top-level-field',
    '09-unknown-namespace-field', '10-unknown-link-field', '11-unknown-trace-field', '12-unknown-expect-field',
    '13-bad-cidr', '21-veth-without-peer', '26-sysctl-out-of-range', '27-bad-listen', '29-bad-port', '30-bad-proto',
    '31-bad-disposition', '33-bad-mac', '37-wrong-types', '41-field-of-another-link-type',
    '45-out-of-range-numbers', '47-bad-names', '49-empty-namespaces',
  ];
  it.each(rejected)('rejects test/bad-scenarios/%s.yaml', (name) => {
    expect(check(join(root, 'test/bad-scenarios', `${name}.yaml`))).toBe(false);
  });

  it('lists each object\'s fields exactly as the loader does', () => {
    const props = (def: { properties: object }) => Object.keys(def.properties).sort();
    const topology = defs.topology.properties;
    expect(props(defs.topology)).toEqual([...SCENARIO_FIELDS.topology].sort());
    expect(props(topology.metadata)).toEqual([...SCENARIO_FIELDS.metadata].sort());
    expect(props(defs.namespace)).toEqual([...SCENARIO_FIELDS.namespace].sort());
    expect(props(defs.link)).toEqual([...SCENARIO_FIELDS.link].sort());
    expect(props(defs.trace)).toEqual([...SCENARIO_FIELDS.trace].sort());
    expect(props(defs.expect)).toEqual([...SCENARIO_FIELDS.expect].sort());
    expect(props(defs.replyExpect)).toEqual([...REPLY_EXPECT_FIELDS].sort());
    expect(props(defs.expect.properties.deliveredTo)).toEqual([...SCENARIO_FIELDS.deliveredTo].sort());
    expect(props(defs.expect.properties.icmp)).toEqual([...SCENARIO_FIELDS.icmp].sort());
    expect(props(defs.timelineStep)).toEqual([...SCENARIO_FIELDS.timelineStep].sort());
  });

  it('enumerates the dispositions, and takes every drop reason (an open list, checked by the loader)', () => {
    expect(defs.expect.properties.disposition.enum).toEqual([...DISPOSITIONS]);
    const reason = new RegExp(defs.expect.properties.reason.pattern as string, 'u');
    expect(DROP_REASONS.filter((r) => !reason.test(r))).toEqual([]);
  });

  it('knows the modelled sysctls and their ranges', () => {
    const globals = defs.sysctls.properties as Record<string, { minimum: number; maximum: number }>;
    expect(Object.keys(globals).sort()).toEqual(Object.keys(GLOBAL_SYSCTLS).sort());
    for (const [name, def] of Object.entries(GLOBAL_SYSCTLS)) {
      expect({ name, min: globals[name].minimum, max: globals[name].maximum }).toEqual({ name, min: def.ranges[0].min, max: def.ranges.at(-1)!.max });
    }
    const patterns = Object.entries(defs.sysctls.patternProperties as Record<string, { enum: number[]; minimum: number; maximum: number }>);
    const neigh = patterns.filter(([pattern]) => pattern.includes('neigh')).map(([pattern, s]) => [/\\\.([a-z_]+)\$$/.exec(pattern)![1], [s.minimum, s.maximum]] as const);
    expect(Object.fromEntries(neigh)).toEqual(Object.fromEntries(Object.entries(NEIGH_SETTINGS).map(([name, def]) => [name, [def.ranges[0].min, def.ranges[0].max]])));
    const settings = patterns.filter(([pattern]) => pattern.includes('conf')).map(([pattern, s]) => {
      const name = /\\\.([a-z_]+)\$$/.exec(pattern)![1];
      return [name, s.enum] as const;
    });
    const expected = Object.entries(DEVCONF_SETTINGS).map(([name, def]) => {
      const values = def.ranges.flatMap((r) => Array.from({ length: r.max - r.min + 1 }, (_, i) => r.min + i));
      return [name, values] as const;
    });
    expect(Object.fromEntries(settings)).toEqual(Object.fromEntries(expected));
  });
});

describe('docs/scenarios.md', () => {
  it('documents every field and every sysctl', () => {
    const docs = readFileSync(join(root, 'docs/scenarios.md'), 'utf8');
    const fields = new Set(Object.values(SCENARIO_FIELDS).flat());
    const sysctls = [...Object.keys(GLOBAL_SYSCTLS), ...Object.keys(DEVCONF_SETTINGS), ...Object.keys(NEIGH_SETTINGS)];
    const missing = [...fields, ...sysctls].filter((name) => !docs.includes(`\`${name}\``));
    expect(missing).toEqual([]);
  });
});

it('has no stray files in testdata', () => {
  expect(readdirSync(fileURLToPath(new URL('./testdata/', import.meta.url))).every((f) => f.endsWith('.yaml'))).toBe(true);
});
