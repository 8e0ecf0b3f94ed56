// Property (c): the first packet decides. Once an entry is confirmed, later packets of the connection are
// translated with its binding whatever the nat rules say now, the nat chain is not even walked, and
// setupNat() cannot change it. Until confirmation nothing is decided: a first packet dropped before
// confirm leaves no binding and the retransmission walks the nat table again.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConntrackTable, headerTuple, natHook, setupNat, type NatHookName, type NatRequest } from '../../src/kernel/conntrack/index.js';
import type { IpPacket } from '../../src/packet/frame.js';
import { answer, seeded } from './packets.js';
import { dnatArb, firstPacket, flowSpec, pathArb, rulesArb, snatArb, type PathSpec } from './arbitraries.js';

/** Walks the hooks of `path`, counting nat chain walks; `rules` answers them. */
function hooks(t: ConntrackTable, p: IpPacket, now: number, rnd: () => number, hooksOf: readonly NatHookName[], rules: Partial<Record<NatHookName, NatRequest | null>>, confirm: boolean) {
  const ct = t.resolve(p, now);
  let walks = 0;
  let out = p;
  for (const h of hooksOf) {
    const r = natHook(t, ct, h, out, rnd, now, () => {
      walks++;
      return rules[h] ?? null;
    });
    if (r.verdict === 'DROP') return null;
    out = r.packet;
  }
  if (confirm && ct.entry && !t.confirm(ct.entry, now).ok) return null;
  return { ct, out, walks };
}

function rulesOn(path: PathSpec, dnat: NatRequest | null, snat: NatRequest | null) {
  return { [path.orig[0]]: dnat, [path.orig[1]]: snat };
}

const later = fc.record({ dnat: fc.option(dnatArb('10.244.9.1'), { nil: null }), snat: fc.option(snatArb('172.16.0.1'), { nil: null }) });

describe('the first packet decides the NAT binding', () => {
  it('later packets keep the binding whatever the rules offer, and the chain is not walked', () => {
    fc.assert(
      fc.property(flowSpec, pathArb, rulesArb, fc.array(fc.tuple(fc.boolean(), later), { minLength: 1, maxLength: 6 }), fc.integer(), (flow, path, first, rest, seed) => {
        const t = new ConntrackTable();
        const rnd = seeded(seed);
        const p = firstPacket(flow);
        const one = hooks(t, p, 0, rnd, path.orig, rulesOn(path, first.dnat, first.snat), true);
        if (!one) return;
        expect(one.walks).toBe(2);
        const entry = one.ct.entry!;
        const reply = { ...entry.reply };
        const status = [...entry.status].sort();
        const translated = headerTuple(one.out);
        let now = 1;
        for (const [isReply, offer] of rest) {
          now += 100;
          const offered = rulesOn(path, offer.dnat, offer.snat);
          const r = isReply
            ? hooks(t, answer(one.out, 'A', { seq: 5, ack: 78 }), now, rnd, path.reply, offered, true)
            : hooks(t, p, now, rnd, path.orig, offered, true);
          expect(r).not.toBeNull();
          expect(r!.walks).toBe(0);
          expect(r!.ct.entry).toBe(entry);
          if (!isReply) expect(headerTuple(r!.out)).toEqual(translated);
          for (const req of [offer.dnat, offer.snat]) if (req) expect(setupNat(t, entry, req, rnd, now)).toMatchObject({ ok: true, kept: true });
          expect(entry.reply).toEqual(reply);
          expect([...entry.status].filter((s) => s !== 'SEEN_REPLY' && s !== 'ASSURED').sort()).toEqual(status.filter((s) => s !== 'SEEN_REPLY' && s !== 'ASSURED'));
        }
      }),
      { numRuns: 1000, seed: 0x5eed04 },
    );
  });

  it('a first packet dropped before confirmation decides nothing: the retransmission walks nat again', () => {
    fc.assert(
      fc.property(flowSpec, pathArb, rulesArb, later, fc.integer(), (flow, path, first, second, seed) => {
        const t = new ConntrackTable();
        const rnd = seeded(seed);
        const p = firstPacket(flow);
        if (!hooks(t, p, 0, rnd, path.orig, rulesOn(path, first.dnat, first.snat), false)) return;
        expect(t.entries(0)).toEqual([]);
        const again = hooks(t, p, 1000, rnd, path.orig, rulesOn(path, second.dnat, second.snat), true);
        if (!again) return;
        expect(again.ct).toMatchObject({ state: 'NEW', created: true });
        expect(again.walks).toBe(2);
        if (second.dnat) {
          const d = headerTuple(again.out).dst;
          expect(d >= second.dnat.addrMin && d <= second.dnat.addrMax).toBe(true);
        }
      }),
      { numRuns: 1000, seed: 0x5eed05 },
    );
  });
});
