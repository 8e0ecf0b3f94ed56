// The CoreDNS kubernetes plugin peer suite: every non-optional case, loaded with its fixture and suite
// configuration, must match rcode and the answer, authority and additional sections as CoreDNS's
// test.SortAndCheck compares them (the data's comparison_rules).

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { answerQuery } from '../../../src/dns/kubernetes-plugin.js';
import type { DnsResponse, Upstream } from '../../../src/dns/kubernetes-plugin.js';
import type { FixtureObjects, FixtureSuiteConfig } from '../../../src/dns/fixture-view.js';
import { fixtureConfig, fixtureView } from '../../../src/dns/fixture-view.js';
import type { Rr } from '../../../src/dns/rr.js';
import { rrText } from '../../../src/dns/rr.js';

interface Case {
  id: string;
  suite: string;
  qname: string;
  qtype: string;
  rcode: string;
  answer: string[];
  ns: string[];
  extra: string[];
  truncated?: boolean;
  checked_upstream?: boolean;
  upstream_mock?: { answer_effective: string[]; truncated: boolean };
}

interface Suite {
  fixture: string;
  config: FixtureSuiteConfig & { api_synced?: boolean; checks_truncated_flag?: boolean; checks_cname_order?: boolean };
  optional?: boolean;
}

interface Data {
  suites: Record<string, Suite>;
  fixture: Record<string, FixtureObjects>;
  cases: Case[];
}

const here = dirname(fileURLToPath(import.meta.url));
const data = JSON.parse(readFileSync(join(here, 'coredns-kubernetes.json'), 'utf8')) as Data;

/** SortAndCheck compares SOA records on owner, TTL and mname only. */
function normalise(line: string): string {
  const f = line.split('\t');
  return f[3] === 'SOA' ? f.slice(0, 5).join('\t') : f.join('\t');
}

function parseRr(line: string): Rr {
  const f = line.split('\t');
  const [name, ttl, , type] = f;
  const rest = f.slice(4);
  if (type === 'A' || type === 'AAAA' || type === 'CNAME') return { name: name!, ttl: Number(ttl), type, data: rest[0]! };
  throw new Error(`upstream mock record type ${type} not handled`);
}

const section = (rrs: Rr[]): string[] => rrs.map((r) => normalise(rrText(r))).sort();
const expected = (lines: string[]): string[] => lines.map(normalise).sort();

/** test.CNAMEOrder: no CNAME after a record owned by its target. */
function cnameOrderOk(r: DnsResponse): boolean {
  return r.answer.every((c, i) => c.type !== 'CNAME' || !r.answer.slice(0, i).some((a) => a.name === c.data));
}

const results: { id: string; ok: boolean }[] = [];
const optionalResults: { id: string; ok: boolean }[] = [];
/** Optional (CoreDNS-only) suites we implement and check too, counted apart. */
const OPTIONAL_RUN = new Set(['zonal']);

describe('CoreDNS kubernetes plugin peer suite', () => {
  const mock = data.cases.find((c) => c.upstream_mock !== undefined)?.upstream_mock;
  const upstream: Upstream = (name, type) =>
    mock !== undefined && type === 'A' && name.toLowerCase() === 'ext.interwebs.test.'
      ? { rcode: 'NOERROR', answer: mock.answer_effective.map(parseRr), authority: [], truncated: mock.truncated }
      : undefined;
  for (const c of data.cases) {
    const suite = data.suites[c.suite]!;
    const optional = suite.optional === true;
    if (optional && !OPTIONAL_RUN.has(c.suite)) continue;
    it(`${c.id} ${c.qname} ${c.qtype}`, () => {
      const fx = data.fixture[suite.fixture]!;
      const view = fixtureView(fx, suite.config.api_synced !== false);
      const cfg = fixtureConfig(suite.config);
      const r = answerQuery(view, cfg, { name: c.qname, type: c.qtype }, upstream);
      let ok = false;
      try {
        expect(r.rcode).toBe(c.rcode);
        expect(section(r.answer)).toEqual(expected(c.answer));
        if (c.checked_upstream !== false) {
          expect(section(r.authority)).toEqual(expected(c.ns));
          expect(section(r.additional)).toEqual(expected(c.extra));
        }
        if (suite.config.checks_truncated_flag === true) expect(r.truncated).toBe(c.truncated === true);
        if (suite.config.checks_cname_order === true) expect(cnameOrderOk(r)).toBe(true);
        ok = true;
      } finally {
        (optional ? optionalResults : results).push({ id: c.id, ok });
      }
    });
  }
  afterAll(() => {
    const passed = results.filter((r) => r.ok).length;
    process.stdout.write(`coredns kubernetes plugin: ${passed}/${results.length} cases\n`);
    const opt = optionalResults.filter((r) => r.ok).length;
    process.stdout.write(`coredns kubernetes plugin, optional zonal suite: ${opt}/${optionalResults.length} cases\n`);
  });
  it('covers every non-optional case of the data', () => {
    const required = data.cases.filter((c) => data.suites[c.suite]!.optional !== true);
    expect(required.length).toBeGreaterThanOrEqual(80);
  });
});
