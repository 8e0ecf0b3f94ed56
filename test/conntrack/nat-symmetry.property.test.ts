// Property (b): for random DNAT/SNAT setups, translating a packet and then translating its reply (built
// from the translated packet, swapped) gives back the original tuple reversed; an ICMP error about the
// translated packet comes back quoting the original packet, addressed to its sender.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConntrackTable, headerTuple, invertTuple } from '../../src/kernel/conntrack/index.js';
import { answer, icmpError, seeded, walk } from './packets.js';
import { firstPacket, flowSpec, pathArb, rulesArb, rulesFor } from './arbitraries.js';

const setup = fc.record({
  flow: flowSpec,
  path: pathArb,
  rules: rulesArb,
  background: fc.array(flowSpec, { maxLength: 12 }),
  seed: fc.integer(),
});

describe('NAT reply symmetry', () => {
  it('the reply to a translated packet is translated back to the original tuple reversed', () => {
    let checked = 0;
    fc.assert(
      fc.property(setup, ({ flow, path, rules, background, seed }) => {
        const t = new ConntrackTable();
        const rnd = seeded(seed);
        const nat = rulesFor(path, rules);
        // Other connections through the same rules make clashes and moved ports likely.
        for (const b of background) walk(t, firstPacket(b), 0, rnd, nat, path.orig);
        const p = firstPacket(flow);
        const out = walk(t, p, 1, rnd, nat, path.orig);
        if (out.dropped !== null || out.ct.state !== 'NEW') return; // exhausted, or a background duplicate
        const back = walk(t, answer(out.packet, 'SA', { seq: 5, ack: 78 }), 2, rnd, {}, path.reply);
        expect(back.dropped).toBeNull();
        expect(back.ct).toMatchObject({ state: 'ESTABLISHED', direction: 'REPLY', entry: out.ct.entry });
        expect(headerTuple(back.packet)).toEqual(invertTuple(headerTuple(p)));
        checked++;
      }),
      { numRuns: 1000, seed: 0x5eed02 },
    );
    expect(checked).toBeGreaterThan(800);
  });

  it('an ICMP error about the translated packet reaches the sender quoting what it sent', () => {
    fc.assert(
      fc.property(setup, ({ flow, path, rules, background, seed }) => {
        const t = new ConntrackTable();
        const rnd = seeded(seed);
        const nat = rulesFor(path, rules);
        for (const b of background) walk(t, firstPacket(b), 0, rnd, nat, path.orig);
        const p = firstPacket(flow);
        const out = walk(t, p, 1, rnd, nat, path.orig);
        if (out.dropped !== null || out.ct.state !== 'NEW') return;
        // The far end answers with host unreachable from its own address.
        const err = icmpError(out.packet.ip.dst, out.packet.ip.src, 3, 1, out.packet);
        const back = walk(t, err, 2, rnd, {}, path.reply);
        expect(back.ct.state).toBe('RELATED');
        expect(back.packet.ip.dst).toBe(p.ip.src);
        const inner = back.packet.l4.proto === 'icmp' ? back.packet.l4.quoted : undefined;
        expect(inner && headerTuple(inner)).toEqual(headerTuple(p));
        expect(out.ct.entry?.status.has('SEEN_REPLY')).toBe(false);
      }),
      { numRuns: 1000, seed: 0x5eed03 },
    );
  });
});
