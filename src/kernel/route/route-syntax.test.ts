import { describe, expect, it } from 'vitest';
import { formatRoute, parseRoute } from './route-syntax.js';
import { parseIpv4 } from '../../wire/ipv4-addr.js';

const ip = (s: string) => parseIpv4(s)!;

describe('parseRoute', () => {
  it('reads a default route with gateway, device and metric', () => {
    const text = 'default via 10.0.1.1 dev eth0 metric 100';
    expect(parseRoute(text)).toEqual({
      ok: true,
      value: {
        text, type: 'unicast', dst: { addr: 0, len: 0 }, table: 254, via: ip('10.0.1.1'), dev: 'eth0',
        metric: 100, scope: 'global', onlink: false,
      },
    });
  });

  it('gives a device route link scope and a local route host scope in the local table, as ip does', () => {
    const dev = parseRoute('10.0.3.0/24 dev br0');
    expect(dev.ok && dev.value).toMatchObject({ scope: 'link', table: 254, metric: 0 });
    const local = parseRoute('local 10.0.3.1 dev br0');
    expect(local.ok && local.value).toMatchObject({ type: 'local', dst: { addr: ip('10.0.3.1'), len: 32 }, table: 255, scope: 'host' });
    const bcast = parseRoute('broadcast 10.0.3.255 dev br0');
    expect(bcast.ok && bcast.value).toMatchObject({ table: 255, scope: 'link' });
  });

  it('accepts keywords in any order, aliases, names and hex numbers', () => {
    const r = parseRoute('table 100 proto static oif eth1 to 10.8.0.0/16 via 10.0.2.9 preference 0x10 src 10.0.2.1 scope link onlink mtu lock 1400');
    expect(r.ok && r.value).toMatchObject({
      table: 100, proto: 'static', dev: 'eth1', dst: { addr: ip('10.8.0.0'), len: 16 }, via: ip('10.0.2.9'),
      metric: 16, src: ip('10.0.2.1'), scope: 'link', onlink: true, mtu: 1400,
    });
    expect(parseRoute('blackhole 10.9.0.0/16 table local').ok && 1).toBe(1);
    const t = parseRoute('unreachable default table default');
    expect(t.ok && t.value).toMatchObject({ type: 'unreachable', table: 253, scope: 'global' });
  });

  it.each([
    ['10.0.1.1/24 dev eth0', 1, 'Invalid prefix for given prefix length'],
    ['10.0.1.0/33 dev eth0', 1, 'is not a prefix'],
    ['default via 10.0.1 dev eth0', 13, 'not an IPv4 gateway'],
    ['default via 10.0.1.1 dev', 22, '"dev" needs a value'],
    ['default via 10.0.1.1 metirc 5', 22, 'did you mean "metric"'],
    ['10.0.0.0/8 dev eth0 scope site', 27, 'not a modelled scope'],
    ['10.0.0.0/8 dev eth0 table foo', 27, 'not a table'],
    ['10.0.0.0/8 dev eth0 metric -1', 28, 'not a metric'],
    ['10.0.0.0/8 dev eth0 mtu 20', 25, 'not a route MTU'],
    ['10.0.0.0/8 dev eth0 dev eth1', 21, 'given twice'],
    ['10.0.0.0/8 dev this-name-is-too-long', 16, 'not a valid device name'],
    ['via 10.0.0.1', 1, 'missing the destination prefix'],
    ['blackhole', 1, 'needs a prefix'],
    ['', 1, 'empty route'],
  ])('rejects %j at column %i', (text, column, message) => {
    const r = parseRoute(text);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error).toContain(message);
      expect(r.column).toBe(column);
    }
  });
});

describe('formatRoute', () => {
  it.each([
    ['default via 10.0.1.1 dev eth0', 'default via 10.0.1.1 dev eth0'],
    ['10.0.3.0/24 dev br0', '10.0.3.0/24 dev br0 scope link'],
    ['10.0.3.7/32 dev br0 proto boot', '10.0.3.7 dev br0 scope link'],
    ['local 10.0.3.1 dev br0 proto kernel', 'local 10.0.3.1 dev br0 table local proto kernel scope host'],
    ['metric 5 src 10.0.2.1 dev eth1 10.8.0.0/16 via 10.0.2.9 table 7 onlink mtu 1400',
      '10.8.0.0/16 via 10.0.2.9 dev eth1 table 7 src 10.0.2.1 metric 5 onlink mtu 1400'],
    ['prohibit 10.66.0.0/16', 'prohibit 10.66.0.0/16'],
  ])('prints %j as ip route does: %j', (input, printed) => {
    const r = parseRoute(input);
    if (!r.ok) throw new Error(r.error);
    expect(formatRoute(r.value)).toBe(printed);
  });

  it('round-trips: parsing the printed form gives the same route', () => {
    for (const text of ['default via 10.0.1.1 dev eth0 metric 100', 'local 127.0.0.0/8 dev lo', 'throw 10.0.0.0/8 table 5']) {
      const a = parseRoute(text);
      if (!a.ok) throw new Error(a.error);
      const printed = formatRoute(a.value);
      const b = parseRoute(printed);
      if (!b.ok) throw new Error(b.error);
      expect({ ...b.value, text }).toEqual(a.value);
    }
  });
});

describe('parseRoute keyword typos', () => {
  it('names the keywords once the prefix is given', () => {
    const r = parseRoute('10.0.0.0/8 tos 0x10 dev eth0');
    expect(r.ok ? '' : `${r.column} ${r.error}`).toBe('12 "tos" is not a modelled ip route keyword (via, dev, src, metric, table, scope, proto, onlink, mtu)');
  });
});
