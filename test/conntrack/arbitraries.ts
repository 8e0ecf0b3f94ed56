// fast-check generators shared by the NAT property tests.

import fc from 'fast-check';
import type { NatHookName, NatRequest } from '../../src/kernel/conntrack/index.js';
import type { IpPacket } from '../../src/packet/frame.js';
import { echo, ip, tcp, udp } from './packets.js';

export interface FlowSpec {
  proto: 'tcp' | 'udp' | 'icmp';
  client: number;
  sport: number;
  dst: number;
  dport: number;
}

export const flowSpec: fc.Arbitrary<FlowSpec> = fc.record({
  proto: fc.constantFrom<'tcp' | 'udp' | 'icmp'>('tcp', 'udp', 'icmp'),
  client: fc.integer({ min: 2, max: 6 }),
  sport: fc.oneof(fc.constantFrom(1000, 40000, 700), fc.integer({ min: 1, max: 65535 })),
  dst: fc.integer({ min: 1, max: 3 }),
  dport: fc.constantFrom(53, 80, 443),
});

/** The first packet of a flow from a client in 10.0.1.0/24 to 10.96.0.0/24 (service-like addresses). */
export function firstPacket(f: FlowSpec): IpPacket {
  const c = `10.0.1.${f.client}`;
  const d = `10.96.0.${f.dst}`;
  if (f.proto === 'tcp') return tcp(c, f.sport, d, f.dport, 'S', { seq: 77 });
  if (f.proto === 'udp') return udp(c, f.sport, d, f.dport);
  return echo(c, d, f.sport);
}

function rangeArb(base: string, kind: NatRequest['kind']): fc.Arbitrary<NatRequest> {
  return fc
    .record({
      addrs: fc.integer({ min: 1, max: 3 }),
      ports: fc.option(fc.tuple(fc.integer({ min: 1024, max: 9000 }), fc.integer({ min: 0, max: 3 })), { nil: undefined }),
      random: fc.boolean(),
      randomFully: fc.boolean(),
      persistent: fc.boolean(),
    })
    .map((r) => {
      const lo = ip(base);
      const req: NatRequest = { kind, addrMin: lo, addrMax: lo + r.addrs - 1, random: r.random, randomFully: kind === 'dnat' ? false : r.randomFully, persistent: r.persistent };
      if (r.ports) {
        req.portMin = r.ports[0];
        req.portMax = r.ports[0] + r.ports[1];
      }
      return req;
    });
}

export const dnatArb = (base = '10.244.1.10'): fc.Arbitrary<NatRequest> => rangeArb(base, 'dnat');
export const snatArb = (base = '192.168.56.11'): fc.Arbitrary<NatRequest> => rangeArb(base, 'snat');

/** Where the connection starts and ends in the namespace, and the way its replies take. */
export interface PathSpec {
  name: 'forward' | 'local-out' | 'local-in';
  orig: readonly [NatHookName, NatHookName];
  reply: readonly [NatHookName, NatHookName];
}

export const PATHS: readonly PathSpec[] = [
  { name: 'forward', orig: ['PREROUTING', 'POSTROUTING'], reply: ['PREROUTING', 'POSTROUTING'] },
  { name: 'local-out', orig: ['OUTPUT', 'POSTROUTING'], reply: ['PREROUTING', 'INPUT'] },
  { name: 'local-in', orig: ['PREROUTING', 'INPUT'], reply: ['OUTPUT', 'POSTROUTING'] },
];

export const pathArb: fc.Arbitrary<PathSpec> = fc.constantFrom(...PATHS);

/** The nat rules of a namespace: a DNAT for the first hook, a SNAT for the second, either absent. */
export interface RulesSpec {
  dnat: NatRequest | null;
  snat: NatRequest | null;
}

export const rulesArb: fc.Arbitrary<RulesSpec> = fc.record({ dnat: fc.option(dnatArb(), { nil: null }), snat: fc.option(snatArb(), { nil: null }) });

export function rulesFor(path: PathSpec, rules: RulesSpec): Partial<Record<NatHookName, NatRequest | null>> {
  return { [path.orig[0]]: rules.dnat, [path.orig[1]]: rules.snat };
}
