// Which tool, object and verb a command names: iproute2's prefix matching in its own order.
import { describe, expect, it } from 'vitest';
import { parseCommand } from './index.js';
import { parseError } from './testing.js';

function kind(text: string): string {
  const p = parseCommand(text);
  if (!p.ok) return `error ${p.errors[0].column}: ${p.errors[0].message}`;
  const c = p.command;
  return c.tool === 'ip' ? `ip ${c.object}${'verb' in c ? ` ${c.verb}` : ''}` : c.tool;
}

describe('parseCommand dispatch', () => {
  it('takes prefixes of ip objects and verbs as iproute2 does', () => {
    expect(kind('ip r a 10.9.0.0/16 dev eth0')).toBe('ip route add');
    expect(kind('ip ro d 10.9.0.0/16')).toBe('ip route del');
    expect(kind('ip route ap 10.9.0.0/16 dev eth0')).toBe('ip route append');
    expect(kind('ip route chg 10.9.0.0/16 dev eth0')).toBe('ip route change');
    expect(kind('ip ru add from all lookup 5')).toBe('ip rule add');
    expect(kind('ip a del 10.0.1.2/24 dev eth0')).toBe('ip addr del');
    expect(kind('ip n flush dev eth0')).toBe('ip neigh-flush');
    expect(kind('ip neighbour del 10.0.1.9 dev eth0')).toBe('ip neigh-del');
    expect(kind('ip l set eth0 down')).toBe('ip link');
    expect(kind('sysctl -w net.ipv4.ip_forward=1')).toBe('sysctl');
  });

  it('refuses what it does not model, at the word', () => {
    expect(parseError('ip -n x route add 10.9.0.0/16 dev eth0')).toMatch(/^4: ip option "-n" is not modelled/);
    expect(parseError('ip maddress add x')).toMatch(/^4: Object "maddress" is unknown or not modelled/);
    expect(parseError('ip link add x type dummy')).toMatch(/^9: Command "add" is unknown or not modelled for ip link/);
    expect(parseError('  ')).toMatch(/^1: empty command/);
    expect(parseError('iptabels -F')).toMatch(/^1: "iptabels" is not a modelled tool .*\(did you mean "iptables"\?\)$/);
  });
});
