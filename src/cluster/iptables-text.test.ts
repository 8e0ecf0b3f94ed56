import { describe, expect, it } from 'vitest';
import { restore } from '../kernel/netfilter/index.js';
import { IptablesText } from './iptables-text.js';

describe('IptablesText', () => {
  it('appends, inserts, dedups and renders restore input the kernel model takes', () => {
    const t = new IptablesText();
    t.append('nat', 'POSTROUTING', '-j FLANNEL-POSTRTG').chain('nat', 'FLANNEL-POSTRTG');
    t.append('nat', 'POSTROUTING', '-j FLANNEL-POSTRTG', true);
    t.insert('nat', 'POSTROUTING', '-j CNI-HOSTPORT-MASQ');
    t.chain('nat', 'CNI-HOSTPORT-MASQ');
    t.policy('filter', 'FORWARD', 'DROP');
    const text = t.render();
    expect(text).toContain(':FORWARD DROP [0:0]');
    expect(text.indexOf('-A POSTROUTING -j CNI-HOSTPORT-MASQ')).toBeLessThan(text.indexOf('-A POSTROUTING -j FLANNEL-POSTRTG'));
    expect(text.match(/-A POSTROUTING -j FLANNEL-POSTRTG/g)).toHaveLength(1);
    expect(text.indexOf(':CNI-HOSTPORT-MASQ')).toBeLessThan(text.indexOf(':FLANNEL-POSTRTG'));
    expect(restore(text).errors).toEqual([]);
  });

  it('takes a renderer\'s restore text with --noflush semantics', () => {
    const t = new IptablesText();
    t.append('nat', 'PREROUTING', '-j A');
    expect(t.applyRestore('*nat\n:KUBE-SERVICES - [0:0]\n-I PREROUTING -j KUBE-SERVICES\nbogus\nCOMMIT\n')).toEqual(['bogus']);
    expect(t.render()).toMatch(/-A PREROUTING -j KUBE-SERVICES\n-A PREROUTING -j A/);
  });
});
