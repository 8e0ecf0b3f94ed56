// kube-proxy's packet-flow tables (pkg/proxy/iptables/proxier_test.go, transcribed in flows.json) replayed
// through `traceIptablesSave()`: every flow whose rules come as a file in the conformance folder must give
// upstream's `output` and `masq`. Upstream's tracer (reference/kube-proxy.md §3.3) skips INPUT/FORWARD/OUTPUT
// and POSTROUTING and never matches --ctstate/--mark/--rcheck; ours walks the hooks a NEW connection takes,
// with no compatibility mode, and must still agree.
//
// Only TestTracePacket ships its rules as a file. The other tests with flows build their rules with the
// proxier from services and EndpointSlices (no file), and the three expected dumps have no flows.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { traceIptablesSave } from '../../src/trace/iptables-save-trace.js';
import type { IptablesProto } from '../../src/trace/iptables-save-trace.js';

const DIR = join(import.meta.dirname, '..', 'conformance', 'kube-proxy');

interface Flow {
  name: string;
  sourceIP: string;
  protocol: IptablesProto;
  destIP: string;
  destPort: number;
  output: string;
  masq: boolean;
}

interface FlowsFile {
  defaults: { tracerNodeIPs: string[] };
  tests: Array<{ test: string; subtest?: string; rulesFile?: string; expectedDumpFile?: string; steps: Array<{ actions: unknown[]; flows: Flow[] }> }>;
}

const flows = JSON.parse(readFileSync(join(DIR, 'flows.json'), 'utf8')) as FlowsFile;
const nodeIPs = flows.defaults.tracerNodeIPs;
/** FakeIPTables text (the restore input of TestTracePacket) leaves comments unquoted. */
const lenient = (file: string): boolean => file.endsWith('.iptables-restore');

const withRules = flows.tests.filter((t) => t.rulesFile !== undefined);

describe('flows.json: tests whose rules are a file', () => {
  it('has TestTracePacket with its 7 flows', () => {
    expect(withRules.map((t) => t.test)).toEqual(['TestTracePacket']);
    expect(withRules.flatMap((t) => t.steps.flatMap((s) => s.flows))).toHaveLength(7);
  });

  for (const t of withRules) {
    const text = readFileSync(join(DIR, t.rulesFile!), 'utf8');
    for (const step of t.steps) {
      // Rules loaded verbatim; a step with actions would need the proxier.
      expect(step.actions).toEqual([]);
      for (const f of step.flows) {
        it(`${t.test} / ${f.name}: ${f.sourceIP} -> ${f.destIP}:${f.destPort} gives ${JSON.stringify(f.output)}${f.masq ? ' masq' : ''}`, () => {
          const r = traceIptablesSave(text, { src: f.sourceIP, dst: f.destIP, dport: f.destPort, proto: f.protocol, nodeIPs, lenientComments: lenient(t.rulesFile!) });
          expect(r.errors).toEqual([]);
          expect({ output: r.output, masq: r.masquerade }).toEqual({ output: f.output, masq: f.masq });
        });
      }
    }
  }
});

describe('TestTracePacket rules, in detail', () => {
  const text = readFileSync(join(DIR, 'TestTracePacket.input.iptables-restore'), 'utf8');
  const trace = (src: string, dst: string, dport: number) => traceIptablesSave(text, { src, dst, dport, nodeIPs, lenientComments: true });

  it('a Service with 2 endpoints: 2 branches at 1/2, rule order, each with its DNAT and the statistic rule', () => {
    const r = trace('10.0.0.2', '172.30.0.44', 80);
    expect(r.branches.map((b) => [b.probability, b.dnat, b.verdict, b.masquerade])).toEqual([
      [0.5, '10.180.0.4:80', 'ACCEPT', false],
      [0.5, '10.180.0.5:80', 'ACCEPT', false],
    ]);
    const nat = r.branches[0].hooks[0];
    expect([nat.table, nat.hook, nat.nat]).toEqual(['nat', 'PREROUTING', 'DNAT 10.180.0.4:80']);
    expect(nat.chains).toEqual(['PREROUTING', 'KUBE-SERVICES', 'KUBE-SVC-4SW47YFZTEDKD3PK', 'KUBE-SEP-UKSFD7AGPMPPLUHC']);
    const stat = nat.rules.find((m) => m.probability !== undefined)!;
    expect(stat.comment).toBe('ns4/svc4:p80 -> 10.180.0.4:80');
    expect(stat.line).toBe(97);
    // Forwarded: filter FORWARD sees the endpoint, nat POSTROUTING does not masquerade a pod's packet.
    expect(r.branches[0].hooks.map((h) => `${h.table} ${h.hook}`)).toEqual(['nat PREROUTING', 'filter FORWARD', 'nat POSTROUTING']);
    expect(r.branches[0].hooks[1].dst).toBe('10.180.0.4:80');
  });

  it('the node itself sends: OUTPUT, KUBE-MARK-MASQ, then MASQUERADE in KUBE-POSTROUTING', () => {
    const r = trace('192.168.0.2', '192.168.99.22', 80);
    expect(r.origin).toBe('local');
    const b = r.branches[0];
    expect([b.markedForMasquerade, b.masqueraded, b.snat, b.dst]).toEqual([true, true, 'MASQUERADE', '10.180.0.2:80']);
    expect(b.hooks.map((h) => `${h.table} ${h.hook}`)).toEqual(['nat OUTPUT', 'filter OUTPUT', 'nat POSTROUTING']);
    expect(b.rules).toContain('-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE');
  });

  it('a health check node port: OUTPUT, then INPUT over lo, ACCEPTed by the KUBE-NODEPORTS rule', () => {
    const r = trace('192.168.0.2', '192.168.0.2', 30000);
    expect(r.hooks.map((h) => `${h.table} ${h.hook} ${h.in ?? '-'}`)).toEqual(['nat OUTPUT -', 'filter OUTPUT -', 'nat POSTROUTING -', 'filter INPUT lo']);
    expect(r.decidedBy?.comment).toBe('ns2/svc2:p80 health check node port');
  });

  it('no endpoints: REJECT from filter KUBE-SERVICES, reached from FORWARD through --ctstate NEW', () => {
    const r = trace('10.0.0.2', '172.30.0.46', 80);
    expect([r.verdict, r.decidedBy?.chain, r.decidedBy?.comment]).toEqual(['REJECT', 'KUBE-SERVICES', 'ns6/svc6:p80 has no endpoints']);
    expect(r.hooks.at(-1)?.chains).toEqual(['FORWARD', 'KUBE-FORWARD', 'KUBE-SERVICES']);
  });

  it('a policy ACCEPT is the verdict, but no rule decided it: output ""', () => {
    const r = trace('10.0.0.2', '10.0.0.3', 80);
    expect([r.verdict, r.decidedBy, r.output]).toEqual(['ACCEPT', null, '']);
  });

  it('notes the IPv6 node IPs an IPv4 trace leaves out', () => {
    expect(trace('10.0.0.2', '10.0.0.3', 80).notes).toContain('node IP 2001:db8::1 ignored: an IPv6 address is not seen by iptables (an IPv6 --src and --dst trace an ip6tables-save dump)');
  });
});

describe('the dumps without flows load and trace', () => {
  const dumps = flows.tests.filter((t) => t.expectedDumpFile !== undefined).map((t) => t.expectedDumpFile!);

  it.each(dumps)('%s', (f) => {
    const text = readFileSync(join(DIR, f), 'utf8');
    // These are the restore input alone: kube-proxy adds the hook jumps (PREROUTING -> KUBE-SERVICES ...) with
    // separate iptables calls, so nothing in them is reached from a hook.
    const r = traceIptablesSave(text, { src: '10.0.0.2', dst: '172.30.0.41', dport: 80, nodeIPs, lenientComments: lenient(f) });
    expect(r.errors).toEqual([]);
    expect(r.output).toBe('');
  });

  it('TestOverallIPTablesRules with the hook jumps of §1.1 added: a Service with 3 endpoints would show 3 branches', () => {
    const text = readFileSync(join(DIR, 'TestOverallIPTablesRules.iptables-save'), 'utf8').replace(
      /(\*nat\n(?::.*\n)*)/,
      '$1-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES\n',
    );
    const r = traceIptablesSave(text, { src: '10.0.0.2', dst: '172.30.0.41', dport: 80, nodeIPs });
    expect(r.errors).toEqual([]);
    expect(r.output).toBe('10.180.0.1:80');
  });
});

describe('small dumps: bad input as errors, branches', () => {
  it('a dump error names its line', () => {
    const r = traceIptablesSave('*filter\n-A INPUT -j NOPE\nCOMMIT\n', { src: '10.0.0.2', dst: '10.0.0.3', dport: 80 });
    expect(r.errors.length).toBeGreaterThan(0);
    expect(r.errors[0].line).toBe(2);
    expect(r.branches).toEqual([]);
  });

  it('bad options are listed together', () => {
    const r = traceIptablesSave('*filter\nCOMMIT\n', { src: 'x', dst: '10.0.0.300', dport: 70000, nodeIPs: ['nope'] });
    expect(r.errors.map((e) => e.line)).toEqual([null, null, null, null]);
  });

  it('three endpoints: three branches at 1/3 each', () => {
    const text = [
      '*nat',
      ':KUBE-SVC - [0:0]',
      '-A PREROUTING -d 10.96.0.10/32 -p tcp -m tcp --dport 80 -j KUBE-SVC',
      '-A KUBE-SVC -p tcp -m statistic --mode random --probability 0.33333333349 -j DNAT --to-destination 10.244.1.2:8080',
      '-A KUBE-SVC -p tcp -m statistic --mode random --probability 0.50000000000 -j DNAT --to-destination 10.244.2.2:8080',
      '-A KUBE-SVC -p tcp -j DNAT --to-destination 10.244.3.2:8080',
      'COMMIT',
      '',
    ].join('\n');
    const r = traceIptablesSave(text, { src: '10.244.0.5', dst: '10.96.0.10', dport: 80 });
    expect(r.dnat).toEqual(['10.244.1.2:8080', '10.244.2.2:8080', '10.244.3.2:8080']);
    for (const b of r.branches) expect(b.probability).toBeCloseTo(1 / 3, 6);
    expect(r.branches.reduce((s, b) => s + b.probability, 0)).toBeCloseTo(1, 9);
  });

  it('a random match whose rule then fails does not split the walk', () => {
    const text = '*filter\n-A FORWARD -p tcp -m statistic --mode random --probability 0.5 -m tcp --dport 53 -j DROP\nCOMMIT\n';
    const r = traceIptablesSave(text, { src: '10.244.0.5', dst: '10.96.0.10', dport: 80 });
    expect(r.branches.map((b) => [b.probability, b.verdict])).toEqual([[1, 'ACCEPT']]);
  });
});
