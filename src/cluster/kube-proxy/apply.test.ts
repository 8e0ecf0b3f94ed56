import { describe, expect, it } from 'vitest';
import { printSave, restore } from '../../kernel/netfilter/index.js';
import { applyHookJumps, applySync, canaryLost, ensureRule } from './apply.js';
import { hookJumpCommands, hookJumps } from './hook-jumps.js';
import { renderOnce, slice, svc } from './testing.js';

const FLANNEL = [
  '*nat',
  ':FLANNEL-POSTRTG - [0:0]',
  '-A POSTROUTING -m comment --comment "flanneld masq" -j FLANNEL-POSTRTG',
  '-A FLANNEL-POSTRTG -s 10.244.0.0/16 -d 10.244.0.0/16 -m comment --comment "flanneld masq" -j RETURN',
  'COMMIT',
  '*filter',
  '-A FORWARD -s 10.244.0.0/16 -j ACCEPT',
  'COMMIT',
  '',
].join('\n');

describe('apply: hook jumps and the restore, --noflush', () => {
  it('the jumps are prepended in ensure order, so the last ensured comes first', () => {
    const rs = applyHookJumps(restore('').ruleset, hookJumps()).ruleset;
    const save = printSave(rs);
    const input = save.split('\n').filter((l) => l.startsWith('-A INPUT'));
    expect(input).toEqual([
      '-A INPUT -j KUBE-FIREWALL',
      '-A INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL',
      '-A INPUT -m comment --comment "kubernetes health check service ports" -j KUBE-NODEPORTS',
      '-A INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES',
    ]);
    expect(save).toContain('-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES');
    expect(canaryLost(rs)).toBe(false);
  });

  it('ensuring twice adds nothing (iptables -C finds the rule)', () => {
    const jumps = hookJumps();
    const once = applyHookJumps(restore('').ruleset, jumps).ruleset;
    const twice = applyHookJumps(once, jumps).ruleset;
    expect(printSave(twice)).toBe(printSave(once));
    expect(ensureRule(once, jumps[0]).ruleset).toBe(once);
  });

  it('kubelet\'s KUBE-FIREWALL jumps come last, as shell commands too', () => {
    expect(hookJumps().slice(-2).map((j) => `${j.chain} -> ${j.target}`)).toEqual(['INPUT -> KUBE-FIREWALL', 'OUTPUT -> KUBE-FIREWALL']);
    expect(hookJumpCommands(hookJumps()).at(-1)).toBe('iptables -w -t filter -C OUTPUT -j KUBE-FIREWALL || iptables -w -t filter -I OUTPUT 1 -j KUBE-FIREWALL');
  });

  it('the node\'s other rules survive the sync', () => {
    const base = restore(FLANNEL).ruleset;
    const withJumps = applyHookJumps(base, hookJumps()).ruleset;
    const { text } = renderOnce([svc('ns1', 'svc1')], [slice('ns1', 'svc1', ['10.180.0.1'])]);
    const r = applySync(withJumps, text);
    expect(r.errors).toEqual([]);
    const save = printSave(r.ruleset);
    for (const l of FLANNEL.split('\n').filter((x) => x.startsWith('-A'))) expect(save).toContain(l);
    expect(save).toContain('-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING');
  });

  it('a restore that fails leaves the earlier state and reports the line', () => {
    const base = restore('').ruleset;
    const r = applySync(base, '*nat\n:KUBE-SERVICES - [0:0]\n-A KUBE-SERVICES -j KUBE-SVC-MISSING\nCOMMIT\n');
    expect(r.errors.length).toBeGreaterThan(0);
    expect(r.ruleset.tables.get('nat')?.chains.has('KUBE-SERVICES') ?? false).toBe(false);
  });
});
