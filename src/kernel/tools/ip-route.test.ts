// `ip route` commands against the FIB, with the outcomes measured in real namespaces (kernel 6.18, iproute2 6.1).
import { describe, expect, it } from 'vitest';
import { showRoute } from '../show/ip-route.js';
import { parseError, run, toolNetns } from './testing.js';

describe('ip route add|replace|change|append|prepend', () => {
  it('adds a route through a gateway, its device found through the connected route', () => {
    const n = toolNetns();
    expect(run(n, 'ip route add 10.9.0.0/16 via 10.0.1.1')).toEqual([]);
    expect(showRoute(n)).toContain('10.9.0.0/16 via 10.0.1.1 dev eth0 \n');
  });

  it('refuses a second add of the same prefix and metric, whatever its nexthop (NLM_F_EXCL)', () => {
    const n = toolNetns();
    run(n, 'ip route add 10.9.0.0/16 via 10.0.1.1');
    expect(run(n, 'ip route add 10.9.0.0/16 dev eth1')).toEqual(['RTNETLINK answers: File exists']);
    expect(run(n, 'ip route add 10.9.0.0/16 dev eth1 metric 5')).toEqual([]);
  });

  it('checks the gateway and the devices as fib_create_info() does', () => {
    const n = toolNetns();
    expect(run(n, 'ip route add 10.7.0.0/16 via 10.5.0.1')).toEqual(['Error: Nexthop has invalid gateway.']);
    expect(run(n, 'ip route add 10.7.0.0/16 via 10.0.1.1 dev eth1')).toEqual(['Error: Nexthop has invalid gateway.']);
    expect(run(n, 'ip route add 10.7.0.0/16 dev nosuch')).toEqual(['Cannot find device "nosuch"']);
    expect(run(n, 'ip route add 10.7.0.0/16 via 10.0.1.1 src 10.9.9.9')).toEqual(['Error: Invalid prefsrc address.']);
    expect(run(n, 'ip route add 10.7.0.0/16 via 10.0.1.1 onlink')).toEqual(['Error: Nexthop device required for onlink.']);
    expect(run(n, 'ip route add 10.7.0.0/16')).toEqual(['RTNETLINK answers: No such device']);
    run(n, 'ip link set eth1 down');
    expect(run(n, 'ip route add 10.7.0.0/16 dev eth1')).toEqual(['Error: Device for nexthop is not up.']);
    expect(run(n, 'ip route add 10.7.0.0/16 via 10.0.2.1 dev eth1 onlink')).toEqual(['Error: Nexthop device is not up.']);
  });

  it('change needs an existing route; replace creates one or takes the first one\'s place', () => {
    const n = toolNetns();
    expect(run(n, 'ip route change 10.6.0.0/16 dev eth0')).toEqual(['RTNETLINK answers: No such file or directory']);
    expect(run(n, 'ip route replace 10.6.0.0/16 dev eth0')).toEqual([]);
    expect(run(n, 'ip route replace 10.6.0.0/16 via 10.0.2.1')).toEqual([]);
    expect(showRoute(n)).toContain('10.6.0.0/16 via 10.0.2.1 dev eth1 \n');
    expect(showRoute(n)).not.toContain('10.6.0.0/16 dev eth0');
  });

  it('prepend goes before the aliases of its metric, append after them, an exact duplicate is EEXIST', () => {
    const n = toolNetns();
    run(n, 'ip route add 10.6.0.0/16 dev eth0');
    expect(run(n, 'ip route append 10.6.0.0/16 dev eth0')).toEqual(['RTNETLINK answers: File exists']);
    expect(run(n, 'ip route prepend 10.6.0.0/16 dev eth1')).toEqual([]);
    expect(run(n, 'ip route append 10.6.0.0/16 via 10.0.1.1')).toEqual([]);
    expect(showRoute(n).split('\n').filter((l) => l.startsWith('10.6.'))).toEqual([
      '10.6.0.0/16 dev eth1 scope link ', '10.6.0.0/16 dev eth0 scope link ', '10.6.0.0/16 via 10.0.1.1 dev eth0 ',
    ]);
  });
});

describe('ip route del (fib_table_delete: unset attributes are wildcards)', () => {
  it('deletes the first alias of the prefix when nothing else is given', () => {
    const n = toolNetns();
    run(n, 'ip route add 10.9.0.0/16 via 10.0.1.1');
    run(n, 'ip route add 10.9.0.0/16 via 10.0.2.1 metric 10');
    expect(run(n, 'ip route del 10.9.0.0/16')).toEqual([]);
    expect(showRoute(n)).toContain('10.9.0.0/16 via 10.0.2.1 dev eth1 metric 10');
    expect(showRoute(n)).not.toContain('via 10.0.1.1');
  });

  it('matches the given device, gateway and metric', () => {
    const n = toolNetns();
    run(n, 'ip route add 10.9.0.0/16 via 10.0.1.1');
    expect(run(n, 'ip route del 10.9.0.0/16 dev eth1')).toEqual(['RTNETLINK answers: No such process']);
    expect(run(n, 'ip route del 10.9.0.0/16 via 10.0.1.7')).toEqual(['RTNETLINK answers: No such process']);
    expect(run(n, 'ip route del 10.9.0.0/16 dev eth0 metric 5')).toEqual(['RTNETLINK answers: No such process']);
    expect(run(n, 'ip route del 10.9.0.0/16 via 10.0.1.1 dev eth0')).toEqual([]);
  });

  it('deletes a kernel route, and a table that never existed is an error', () => {
    const n = toolNetns();
    expect(run(n, 'ip route del 10.0.1.0/24')).toEqual([]);
    expect(showRoute(n)).not.toContain('10.0.1.0/24');
    expect(run(n, 'ip route del 10.0.1.0/24 table 100')).toEqual(['Error: FIB table does not exist.']);
  });

  it('flush removes the selected routes, and needs a selector', () => {
    const n = toolNetns();
    run(n, 'ip route add 10.3.0.0/16 via 10.0.1.1 proto static');
    run(n, 'ip route add 10.4.0.0/16 via 10.0.1.1');
    expect(run(n, 'ip route flush dev eth0 proto static')).toEqual([]);
    expect(showRoute(n)).not.toContain('10.3.0.0');
    expect(showRoute(n)).toContain('10.4.0.0');
    expect(parseError('ip route flush')).toBe('10: "ip route flush" requires arguments.');
  });
});

describe('ip route parse errors point into the command', () => {
  it('at the bad value', () => {
    expect(parseError('ip route add 10.9.0.0/16 via 10.0.1')).toBe('30: "10.0.1" is not an IPv4 gateway address');
    expect(parseError('ip route add 10.9.0.1/16 dev eth0')).toBe('14: Invalid prefix for given prefix length: 10.9.0.1/16');
    expect(parseError('ip ro ad 10.9.0.0/16 metrc 5 dev eth0').startsWith('22: "metrc"')).toBe(true);
  });

  it('at an unmodelled object or verb', () => {
    expect(parseError('ip route get 1.2.3.4')).toMatch(/^10: Command "get" is unknown or not modelled/);
    expect(parseError('ip tunnel add x')).toMatch(/^4: Object "tunnel"/);
    expect(parseError('ifconfig eth0 down')).toMatch(/^1: "ifconfig" is not a modelled tool/);
  });
});
