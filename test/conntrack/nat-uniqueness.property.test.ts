// Property (a): under random connection storms through SNAT/MASQUERADE with small port ranges, no two
// live entries ever share a tuple in either direction; a full range is reported as NAT_EXHAUSTED (and is
// really full), never resolved with a duplicate.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ConntrackTable,
  chooseAddress,
  headerTuple,
  invertTuple,
  natHook,
  tupleKey,
  type CtEntry,
  type NatRequest,
} from '../../src/kernel/conntrack/index.js';
import type { IpPacket } from '../../src/packet/frame.js';
import { answer, echo, ip, seeded, tcp, udp } from './packets.js';

const NODE = ip('10.0.2.1');

const flowArb = fc.record({
  proto: fc.constantFrom('tcp', 'udp', 'icmp'),
  client: fc.integer({ min: 2, max: 5 }),
  sport: fc.constantFrom(1000, 1001, 40000, 700),
  server: fc.integer({ min: 2, max: 3 }),
  dport: fc.constantFrom(53, 80),
});
type Flow = typeof flowArb extends fc.Arbitrary<infer T> ? T : never;

interface NatSpec {
  kind: 'snat' | 'masquerade';
  addrs: number;
  ports?: number;
  random: boolean;
  randomFully: boolean;
  persistent: boolean;
}

const natArb: fc.Arbitrary<NatSpec> = fc.record({
  kind: fc.constantFrom<'snat' | 'masquerade'>('snat', 'masquerade'),
  addrs: fc.integer({ min: 1, max: 2 }),
  ports: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
  random: fc.boolean(),
  randomFully: fc.boolean(),
  persistent: fc.boolean(),
});

const opArb = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant('open' as const), flow: flowArb, nat: natArb, drop: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('batch' as const), flows: fc.array(fc.tuple(flowArb, natArb), { minLength: 2, maxLength: 4 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('reply' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('advance' as const), ms: fc.integer({ min: 1000, max: 200_000 }), gc: fc.boolean() }) },
);

function packetOf(f: Flow): IpPacket {
  const c = `10.0.1.${f.client}`;
  const s = `10.0.3.${f.server}`;
  if (f.proto === 'tcp') return tcp(c, f.sport, s, f.dport, 'S', { seq: 1 });
  if (f.proto === 'udp') return udp(c, f.sport, s, f.dport);
  return echo(c, s, f.sport);
}

function requestOf(n: NatSpec): NatRequest {
  const r: NatRequest = { kind: n.kind, addrMin: NODE, addrMax: n.kind === 'masquerade' ? NODE : NODE + n.addrs - 1, random: n.random, randomFully: n.randomFully, persistent: n.persistent };
  if (n.ports !== undefined) {
    r.portMin = 5000;
    r.portMax = 5000 + n.ports - 1;
  }
  return r;
}

/** No tuple is held twice among live entries (an entry whose two tuples are equal counts once). */
function assertUnique(t: ConntrackTable, now: number): void {
  const seen = new Map<string, CtEntry>();
  for (const e of t.entries(now)) {
    for (const k of new Set([tupleKey(e.orig), tupleKey(e.reply)])) {
      const other = seen.get(k);
      if (other && other !== e) throw new Error(`tuple ${k} held by entries ${other.id} and ${e.id}`);
      seen.set(k, e);
    }
  }
}

/** NAT_EXHAUSTED is honest: every port of the range, at the address the hash picks, is in use. */
function assertReallyFull(t: ConntrackTable, p: IpPacket, r: NatRequest, now: number, ignored: CtEntry): void {
  const curr = headerTuple(p);
  if (r.portMin === undefined || r.portMax === undefined) throw new Error('exhausted a full port class in a small storm');
  const addr = chooseAddress(curr, r);
  for (let port = r.portMin; port <= r.portMax; port++) {
    const cand = { ...curr, src: addr, sport: port }; // the source port, or the echo id
    expect(t.isTaken(invertTuple(cand), ignored, now)).toBe(true);
  }
}

describe('NAT uniqueness under connection storms', () => {
  it('never hands out a tuple twice; exhaustion is reported and genuine', () => {
    const seen = { exhausted: 0, insertFailed: 0 };
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 40 }), fc.integer(), (ops, seed) => {
        const t = new ConntrackTable();
        const rnd = seeded(seed);
        let now = 0;
        const opened: IpPacket[] = [];
        const start = (flow: Flow, n: NatSpec) => {
          const p = packetOf(flow);
          const r = requestOf(n);
          const ct = t.resolve(p, now);
          if (!ct.entry || !ct.created) return null;
          const pre = natHook(t, ct, 'PREROUTING', p, rnd, now, () => null);
          if (pre.verdict === 'DROP') throw new Error(`unexpected ${pre.reason}`);
          const post = natHook(t, ct, 'POSTROUTING', pre.packet, rnd, now, () => r);
          if (post.verdict === 'DROP') {
            expect(post.reason).toBe('NAT_EXHAUSTED');
            assertReallyFull(t, pre.packet, r, now, ct.entry);
            seen.exhausted++;
            return null;
          }
          return { entry: ct.entry, packet: post.packet };
        };
        for (const op of ops) {
          if (op.op === 'open') {
            const s = start(op.flow, op.nat);
            if (s && !op.drop) {
              const c = t.confirm(s.entry, now);
              // One connection at a time: the search alone must keep tuples unique.
              expect(c.ok).toBe(true);
              opened.push(s.packet);
            }
          } else if (op.op === 'batch') {
            // Several unconfirmed at once (as on several CPUs): confirm() must refuse a clash.
            const started = op.flows.map(([f, n]) => start(f, n));
            for (const s of started) {
              if (!s) continue;
              if (t.confirm(s.entry, now).ok) opened.push(s.packet);
              else seen.insertFailed++;
            }
          } else if (op.op === 'reply') {
            if (opened.length > 0) {
              const p = opened[op.pick % opened.length];
              const ct = t.resolve(answer(p, 'SA', { seq: 9, ack: 2 }), now);
              if (ct.entry) t.confirm(ct.entry, now);
            }
          } else {
            now += op.ms;
            if (op.gc) t.gc(now);
          }
          assertUnique(t, now);
        }
      }),
      { numRuns: 1000, seed: 0x5eed01 },
    );
    // The storms do reach the interesting cases.
    expect(seen.exhausted).toBeGreaterThan(50);
    expect(seen.insertFailed).toBeGreaterThan(10);
  });
});
