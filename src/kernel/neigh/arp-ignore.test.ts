// arp_ignore on a node with eth0 10.0.0.2/24 and eth1 10.1.0.2/24, and lo holding 127.0.0.1/8 and 10.9.9.9/32.
import { describe, expect, it } from 'vitest';
import { buildWorld } from '../netns/build-world.js';
import type { WorldSpec } from '../netns/world-spec.js';
import { addr, ip, ns } from '../../../test/support/specs.js';
import { arpIgnore } from './arp-ignore.js';

function node(sysctls: Record<string, number>): WorldSpec {
  return {
    name: 'n',
    namespaces: [ns('node', [
      { name: 'eth0', type: 'dummy', addresses: [addr('10.0.0.2/24')] },
      { name: 'eth1', type: 'dummy', addresses: [addr('10.1.0.2/24')] },
      { name: 'lo', type: 'loopback', addresses: [addr('10.9.9.9/32')] },
    ], { sysctls })],
  };
}

const ignored = (sysctls: Record<string, number>, sip: string, tip: string, dev = 'eth0'): boolean => {
  const n = buildWorld(node(sysctls)).netns('node')!;
  return arpIgnore(n.device(dev)!, ip(sip), ip(tip)).ignore;
};

describe('arp_ignore', () => {
  it('0 answers for any local address, lo\'s included', () => {
    expect(ignored({}, '10.0.0.1', '10.9.9.9')).toBe(false);
    expect(ignored({}, '10.0.0.1', '10.1.0.2')).toBe(false);
  });
  it('1 answers only for an address of the incoming device', () => {
    const s = { 'net.ipv4.conf.eth0.arp_ignore': 1 };
    expect(ignored(s, '10.0.0.1', '10.0.0.2')).toBe(false);
    expect(ignored(s, '10.0.0.1', '10.9.9.9')).toBe(true);
    expect(ignored(s, '10.0.0.1', '10.1.0.2')).toBe(true);
  });
  it('takes the larger of conf.all and the device', () => {
    expect(ignored({ 'net.ipv4.conf.all.arp_ignore': 1 }, '10.0.0.1', '10.9.9.9')).toBe(true);
    expect(ignored({ 'net.ipv4.conf.all.arp_ignore': 1, 'net.ipv4.conf.eth0.arp_ignore': 0 }, '10.0.0.1', '10.9.9.9')).toBe(true);
  });
  it('2 also needs the asker in the subnet of that address', () => {
    const s = { 'net.ipv4.conf.eth0.arp_ignore': 2 };
    expect(ignored(s, '10.0.0.1', '10.0.0.2')).toBe(false);
    expect(ignored(s, '10.5.0.1', '10.0.0.2')).toBe(true);
  });
  it('3 does not answer for host-scope addresses, but does for global ones on any device', () => {
    const s = { 'net.ipv4.conf.eth0.arp_ignore': 3 };
    expect(ignored(s, '10.0.0.1', '127.0.0.1')).toBe(true);
    expect(ignored(s, '10.0.0.1', '10.9.9.9')).toBe(false);
    expect(ignored(s, '10.0.0.1', '10.1.0.2')).toBe(false);
  });
  it('8 answers nothing', () => {
    expect(ignored({ 'net.ipv4.conf.eth0.arp_ignore': 8 }, '10.0.0.1', '10.0.0.2')).toBe(true);
  });
});
