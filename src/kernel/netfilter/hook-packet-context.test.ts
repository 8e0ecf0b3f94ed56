import { describe, expect, it } from 'vitest';
import { udp } from '../../../test/conntrack/packets.js';
import { ConntrackTable, resolutionView } from '../conntrack/index.js';
import { HookPacketContext } from './hook-packet-context.js';
import type { NsServices } from './hook-packet-context.js';

const services: NsServices = { addrType: () => 'UNICAST', random: () => 0.5, fibLookup: () => null };
const place = { hook: 'PREROUTING', family: 'ipv4', in: 'eth0', out: null } as const;
const state = { recent: new Map(), ipsets: new Map(), nfacct: new Map() };

describe('HookPacketContext', () => {
  it('makes the connection view on first read, as the eager view at the walk time', () => {
    const t = new ConntrackTable();
    const p = udp('10.0.0.1', 4000, '10.0.0.2', 53);
    const res = t.resolve(p, 0);
    const ctx = new HookPacketContext(p, 0, place, 'filter', state, null, services, 1000, { untracked: false, res });
    expect(ctx.ct).toEqual(resolutionView(res, 1000));
    expect(ctx.ct).toBe(ctx.ct);
  });

  it('reports the mark a CONNMARK wrote to the view, or the entry mark when nothing read it', () => {
    const t = new ConntrackTable();
    const p = udp('10.0.0.1', 4000, '10.0.0.2', 53);
    const res = t.resolve(p, 0);
    t.setMark(res.entry!, 5);
    const unread = new HookPacketContext(p, 0, place, 'filter', state, null, services, 0, { untracked: false, res });
    expect(unread.ctMarkAfter()).toBe(5);
    const written = new HookPacketContext(p, 0, place, 'filter', state, null, services, 0, { untracked: false, res });
    written.ct!.mark = 9;
    expect(written.ctMarkAfter()).toBe(9);
    expect(res.entry!.mark).toBe(5);
  });

  it('has no view without a connection, and an UNTRACKED one with mark 0 after NOTRACK', () => {
    const p = udp('10.0.0.1', 4000, '10.0.0.2', 53);
    const none = new HookPacketContext(p, 0, place, 'filter', state, null, services, 0, null);
    expect(none.ctMarkAfter()).toBeNull();
    expect(none.ct).toBeNull();
    const untracked = new HookPacketContext(p, 0, place, 'filter', state, null, services, 0, { untracked: true, res: null });
    expect(untracked.ctMarkAfter()).toBe(0);
    expect(untracked.ct).toMatchObject({ state: 'UNTRACKED', mark: 0, orig: { src: p.ip.src, dst: p.ip.dst, sport: 4000, dport: 53 } });
  });
});
