import { describe, expect, it } from 'vitest';
import { parseFdb } from './fdb-syntax.js';
import { parseIpv4 } from '../../wire/ipv4-addr.js';

describe('parseFdb', () => {
  it('reads a vxlan remote entry', () => {
    const text = '02:00:00:00:00:09 dev vx0 dst 10.0.2.9 self permanent';
    expect(parseFdb(text)).toEqual({
      ok: true,
      value: { text, mac: '02:00:00:00:00:09', dev: 'vx0', dst: parseIpv4('10.0.2.9'), self: true, permanent: true },
    });
  });

  it('assumes self as fdb_modify() does, but the bridge table for a bridge port', () => {
    const text = '00:00:00:00:00:00 dev vx0 dst 10.0.2.9';
    const vx = parseFdb(text);
    // No state word: iproute2's fdb_modify() assumes permanent ("Assume permanent", measured: a local entry).
    expect(vx.ok && vx.value).toMatchObject({ self: true, permanent: true });
    const port = parseFdb('02:00:00:00:00:01 dev veth0 static', { bridgePort: true });
    expect(port.ok && port.value).toMatchObject({ self: false, permanent: false });
    const explicit = parseFdb('02:00:00:00:00:01 dev veth0 self', { bridgePort: true });
    expect(explicit.ok && explicit.value).toMatchObject({ self: true });
    const master = parseFdb('to 02:00:00:00:00:01 master local dev veth0');
    expect(master.ok && master.value).toMatchObject({ self: false, permanent: true, mac: '02:00:00:00:00:01' });
  });

  it.each([
    ['02:00:00:00:00:0g dev vx0', 1, 'not a MAC address'],
    ['02:00:00:00:00:09 dev vx0 dst 10.0.2', 31, 'not an IPv4 address'],
    ['02:00:00:00:00:09 dst 10.0.2.9', 1, 'needs a MAC address and "dev NAME"'],
    ['02:00:00:00:00:09 dev vx0 vni 5', 27, 'not a modelled bridge fdb keyword'],
    ['02:00:00:00:00:09 dev vx0 permanent static', 37, 'already given'],
    ['02:00:00:00:00:09 dev vx0 self master', 32, 'not modelled'],
    ['02:00:00:00:00:09 dev', 19, 'needs a value'],
  ])('rejects %j at column %i', (text, column, message) => {
    const r = parseFdb(text);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error).toContain(message);
      expect(r.column).toBe(column);
    }
  });
});
