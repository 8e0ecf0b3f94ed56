// EXITS_NETWORK: a packet routed out of an external link (a node's uplink) leaves the modelled world; the
// trace names the device and the next hop, and NAT on the way out still shows.
import { describe, expect, it } from 'vitest';
import { loadScenarioFile } from '../src/scenario/load.js';
import { renderTraceText, runTrace } from '../src/trace/index.js';

function uplink() {
  const r = loadScenarioFile('scenarios/uplink.yaml');
  if (!r.ok) throw new Error('scenarios/uplink.yaml does not load');
  return r.scenario;
}

describe('an external link', () => {
  it('a routed packet leaves by it, toward the gateway, masqueraded', () => {
    const sc = uplink();
    const t = runTrace(sc.world, sc.traces[0]);
    expect([t.disposition, t.reason]).toEqual(['EXITS_NETWORK', null]);
    const exit = t.hops.at(-1)!;
    expect({ netns: exit.netns, dev: exit.dev, stage: exit.stage }).toEqual({ netns: 'node', dev: 'eth0', stage: 'exit' });
    expect(exit.detail).toBe('leaves the modelled world by eth0, next hop 192.168.1.1 (eth0 is an external link)');
    expect(t.hops.some((h) => h.detail.startsWith('SNAT') && h.after?.src === '192.168.1.10:40000')).toBe(true);
    expect(t.reply).toBeNull();
    expect(renderTraceText(t, 'minimal')).toContain('node/eth0(exit)');
  });

  it('an on-link destination is its own next hop', () => {
    const sc = uplink();
    const t = runTrace(sc.world, sc.traces[1]);
    expect(t.disposition).toBe('EXITS_NETWORK');
    expect(t.hops.at(-1)!.detail).toContain('next hop 192.168.1.50');
  });
});
