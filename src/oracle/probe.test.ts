// The pure half of the probe: reading what tcpdump and ping print. Lines are as captured on the kernel-notes
// machine (tcpdump 4.99.3 with -n -i any, iputils ping 20221126).

import { describe, expect, it } from 'vitest';

import type { TraceSpec } from '../scenario/model.js';
import { icmpErrno, icmpTypeName, parsePingOutput, parseTcpdumpIcmp, unsupportedReason } from './probe.js';

describe('parseTcpdumpIcmp', () => {
  it('reads sender, receiver, direction and type', () => {
    expect(parseTcpdumpIcmp('20:53:22.944819 eth0  In  IP 10.0.2.2 > 10.0.1.2: ICMP 10.0.2.2 udp port 53 unreachable, length 68')).toEqual({
      type: 'port-unreachable', from: '10.0.2.2', to: '10.0.1.2', direction: 'In', icmpType: 3, code: 3,
    });
    expect(parseTcpdumpIcmp('20:53:21.389695 lo    In  IP 10.0.1.2 > 10.0.1.2: ICMP host 10.0.1.77 unreachable, length 68')).toMatchObject({
      type: 'host-unreachable', from: '10.0.1.2', direction: 'In',
    });
  });

  it('tells the unreachable codes apart', () => {
    const type = (text: string) => parseTcpdumpIcmp(`t eth0  In  IP 10.0.1.1 > 10.0.1.2: ICMP ${text}, length 36`)?.type;
    expect(type('time exceeded in-transit')).toBe('time-exceeded');
    expect(type('net 192.168.7.1 unreachable')).toBe('net-unreachable');
    expect(type('host 10.0.60.1 unreachable - admin prohibited filter')).toBe('admin-prohibited');
    expect(type('host 10.0.60.1 unreachable - admin prohibited')).toBe('host-prohibited');
    expect(type('net 10.0.60.1 unreachable - admin prohibited')).toBe('net-prohibited');
    expect(type('10.0.2.2 protocol 132 unreachable')).toBe('protocol-unreachable');
    expect(type('10.0.2.2 tcp port 80 unreachable')).toBe('port-unreachable');
    expect(parseTcpdumpIcmp('t eth0  In  IP 10.0.1.1 > 10.0.1.2: ICMP 10.0.2.2 unreachable - need to frag (mtu 1400), length 556')).toMatchObject({
      type: 'frag-needed', mtu: 1400,
    });
  });

  it('ignores what is not an ICMP error', () => {
    expect(parseTcpdumpIcmp('t eth0  In  IP 10.0.1.1 > 10.0.1.2: ICMP redirect 10.0.2.2 to host 10.0.1.3, length 36')).toBeUndefined();
    expect(parseTcpdumpIcmp('listening on any, link-type LINUX_SLL2 (Linux cooked v2), snapshot length 262144 bytes')).toBeUndefined();
  });
});

describe('parsePingOutput', () => {
  it('reads a reply and its source', () => {
    const out = 'PING 10.0.2.2 (10.0.2.2) 56(84) bytes of data.\n64 bytes from 10.0.2.2: icmp_seq=1 ttl=63 time=0.881 ms\n';
    expect(parsePingOutput(out)).toEqual({ result: 'reply', from: '10.0.2.2' });
  });

  it('reads an ICMP error, its sender and an MTU', () => {
    expect(parsePingOutput('From 10.0.1.1 icmp_seq=1 Time to live exceeded\n')).toEqual({
      result: 'icmp', icmp: { type: 'time-exceeded', from: '10.0.1.1', icmpType: 11, code: 0 },
    });
    expect(parsePingOutput('From 10.0.1.1 icmp_seq=1 Frag needed and DF set (mtu = 1400)\n')).toEqual({
      result: 'icmp', icmp: { type: 'frag-needed', from: '10.0.1.1', icmpType: 3, code: 4, mtu: 1400 },
    });
    expect(parsePingOutput('From 10.0.1.1 icmp_seq=1 Packet filtered\n')).toMatchObject({ icmp: { type: 'admin-prohibited' } });
  });

  it("reads the sender's own errors as errno names", () => {
    expect(parsePingOutput('ping: connect: Network is unreachable\n')).toMatchObject({ result: 'local-error', errno: 'ENETUNREACH' });
    expect(parsePingOutput('ping: local error: message too long, mtu=1400\n')).toMatchObject({ errno: 'EMSGSIZE' });
    expect(parsePingOutput('ping: Do you want to ping broadcast? Then -b. If not, check your local firewall rules\n')).toMatchObject({ errno: 'EACCES' });
    expect(parsePingOutput('ping: sendmsg: Operation not permitted\n')).toMatchObject({ errno: 'EPERM' });
  });

  it('reads silence as a timeout', () => {
    expect(parsePingOutput('1 packets transmitted, 0 received, 100% packet loss, time 0ms\n')).toEqual({ result: 'timeout' });
  });
});

describe('ICMP names and errno', () => {
  it('follows icmp_err_convert[]', () => {
    expect(icmpTypeName(3, 13)).toBe('admin-prohibited');
    expect(icmpErrno(3, 0)).toBe('ENETUNREACH');
    expect(icmpErrno(3, 3)).toBe('ECONNREFUSED');
    expect(icmpErrno(3, 4)).toBe('EMSGSIZE');
    // Measured: a TCP connect answered with host-prohibited fails with EHOSTUNREACH, net-prohibited ENETUNREACH.
    expect(icmpErrno(3, 9)).toBe('ENETUNREACH');
    expect(icmpErrno(3, 10)).toBe('EHOSTUNREACH');
    expect(icmpErrno(11, 0)).toBe('EHOSTUNREACH');
  });
});

describe('unsupportedReason', () => {
  const t = (o: Partial<TraceSpec>) => ({ name: 't', from: 'a', dst: 1, proto: 'tcp', ...o }) as TraceSpec;
  it('probes a tcp or udp socket of another user (setpriv), not ping nor a low port as that user', () => {
    expect(unsupportedReason(t({ uid: 1000 }))).toBeUndefined();
    expect(unsupportedReason(t({ uid: 1000, proto: 'udp' }))).toBeUndefined();
    expect(unsupportedReason(t({ uid: 1000, proto: 'icmp' }))).toMatch(/ping as uid 1000/);
    expect(unsupportedReason(t({ uid: 1000, sport: 80 }))).toMatch(/below 1024/);
    expect(unsupportedReason(t({ uid: 0, sport: 80 }))).toBeUndefined();
  });
});
