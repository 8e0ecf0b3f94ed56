import { describe, expect, it } from 'vitest';
import { ip } from '../../../test/conntrack/packets.js';
import { manipOfHook, manipOfRequest, natRequestOf } from './nat-request.js';

const flags = { random: false, randomFully: true, persistent: false };

describe('natRequestOf', () => {
  it('takes DNAT/SNAT ranges as the rule gives them', () => {
    const r = natRequestOf({ kind: 'dnat', range: { minAddr: ip('10.244.1.5'), maxAddr: ip('10.244.1.6'), ports: { min: 8080, max: 8081 } }, flags });
    expect(r).toEqual({ kind: 'dnat', addrMin: ip('10.244.1.5'), addrMax: ip('10.244.1.6'), portMin: 8080, portMax: 8081, ...flags });
  });

  it('takes the chosen address for MASQUERADE and REDIRECT, keeping their ports', () => {
    expect(natRequestOf({ kind: 'masquerade', range: null, flags }, ip('10.0.2.1'))).toEqual({ kind: 'masquerade', addrMin: ip('10.0.2.1'), addrMax: ip('10.0.2.1'), ...flags });
    expect(natRequestOf({ kind: 'redirect', range: { minAddr: 0, maxAddr: 0, ports: { min: 15001, max: 15001 } }, flags }, ip('127.0.0.1'))).toMatchObject({ addrMin: ip('127.0.0.1'), portMin: 15001, portMax: 15001 });
  });

  it('throws on a caller bug: MASQUERADE without the chosen address', () => {
    expect(() => natRequestOf({ kind: 'masquerade', range: null, flags })).toThrow(/invariant/);
  });

  it('maps hooks and requests to manipulations (HOOK2MANIP)', () => {
    expect((['PREROUTING', 'OUTPUT', 'INPUT', 'POSTROUTING'] as const).map(manipOfHook)).toEqual(['DST', 'DST', 'SRC', 'SRC']);
    expect(manipOfRequest(natRequestOf({ kind: 'redirect', range: null, flags }, 1))).toBe('DST');
  });
});
