// `sysctl -w` on a namespace: the modelled keys, their ranges and side effects, procps-ng's messages.
import { describe, expect, it } from 'vitest';
import { parseCommand, realizeCommand } from './index.js';
import { parseError, run, toolNetns } from './testing.js';

describe('sysctl -w', () => {
  it('writes with the kernel side effects (ip_forward reaches every device)', () => {
    const n = toolNetns();
    expect(run(n, 'sysctl -w net.ipv4.ip_forward=1')).toEqual([]);
    expect(n.sysctls.forwarding('eth0')).toBe(true);
    expect(run(n, 'sysctl -w net.ipv4.conf.eth0.rp_filter=2 net.ipv4.conf.eth1.rp_filter=1')).toEqual([]);
    expect(n.sysctls.rpFilter('eth0')).toBe(2);
    expect(n.sysctls.rpFilter('eth1')).toBe(1);
  });

  it('reports a missing device as the tool does, writing the rest', () => {
    const n = toolNetns();
    expect(run(n, 'sysctl -w net.ipv4.conf.eth9.rp_filter=1 net.ipv4.ip_forward=1')).toEqual([
      'sysctl: cannot stat /proc/sys/net/ipv4/conf/eth9/rp_filter: No such file or directory',
    ]);
    expect(n.sysctls.get('net.ipv4.ip_forward')).toBe(1);
  });

  it('changes the conntrack TCP sysctls the tracker reads', () => {
    const n = toolNetns({ iptables: '*nat\nCOMMIT\n' });
    run(n, 'sysctl -w net.netfilter.nf_conntrack_tcp_be_liberal=1');
    expect(n.nf!.conntrack.config.tcpBeLiberal).toBe(true);
  });

  it('locates parse errors', () => {
    expect(parseError('sysctl -w net.ipv4.ip_froward=1')).toBe('11: sysctl: "net.ipv4.ip_froward" is not a modelled sysctl (did you mean "net.ipv4.ip_forward"?)');
    expect(parseError('sysctl -w net.ipv4.ip_forward=yes')).toBe('31: sysctl: setting key "net.ipv4.ip_forward": Invalid argument (expected an integer)');
    expect(parseError('sysctl -w net.ipv4.ip_forward=2')).toBe('31: sysctl: 2 is not a modelled value of net.ipv4.ip_forward (0..1)');
    expect(parseError('sysctl -w net.ipv4.ip_forward')).toMatch(/^11: sysctl: "net.ipv4.ip_forward" must be KEY=VALUE/);
  });
});

describe('realizeCommand', () => {
  it('runs the command as written inside the namespace; iptables-restore gets its input on stdin', () => {
    const p = parseCommand('iptables -A FORWARD -m comment --comment "a b" -j DROP');
    expect(p.ok && realizeCommand('pw-n', p.command)).toBe('ip netns exec pw-n iptables -A FORWARD -m comment --comment "a b" -j DROP');
    const r = parseCommand('iptables-restore --noflush', "*filter\n-A FORWARD -m comment --comment \"it's\" -j DROP\nCOMMIT\n");
    expect(r.ok && realizeCommand('pw-n', r.command)).toBe(
      `printf '%s' '*filter\n-A FORWARD -m comment --comment "it'"'"'s" -j DROP\nCOMMIT\n' | ip netns exec pw-n iptables-restore --noflush`,
    );
  });

  it('refuses stdin for a tool that reads none', () => {
    expect(parseError('ip route add 10.9.0.0/16 dev eth0', 'x')).toBe('1: only iptables-restore reads stdin, not "ip"');
  });
});
