import { describe, expect, it } from 'vitest';

import { applyNoflush, noflushDelta, rulesModel, sameRules } from './iptables-restore-model.js';

const BEFORE = [
  '*nat', ':PREROUTING ACCEPT [0:0]', ':KUBE-SERVICES - [0:0]', ':KUBE-SEP-A - [0:0]', ':FLANNEL-POSTRTG - [0:0]',
  '-A PREROUTING -j KUBE-SERVICES', '-A KUBE-SERVICES -d 10.96.0.1 -j KUBE-SEP-A', '-A KUBE-SEP-A -j DNAT --to-destination 10.244.0.2:80',
  '-A FLANNEL-POSTRTG -j RETURN', 'COMMIT', '',
].join('\n');

describe('iptables-restore --noflush on a model', () => {
  it('a declared user chain is flushed, others stay, -X deletes, a built-in chain keeps its rules', () => {
    const m = rulesModel(BEFORE);
    const bad = applyNoflush(m, ['*nat', ':KUBE-SERVICES - [0:0]', ':KUBE-SEP-A - [0:0]', ':PREROUTING ACCEPT [0:0]', '-A KUBE-SERVICES -d 10.96.0.1 -j RETURN', '-X KUBE-SEP-A', 'COMMIT'].join('\n'));
    expect(bad).toEqual([]);
    const nat = m.get('nat');
    expect(nat?.get('KUBE-SERVICES')?.rules).toEqual(['-d 10.96.0.1 -j RETURN']);
    expect(nat?.has('KUBE-SEP-A')).toBe(false);
    expect(nat?.get('PREROUTING')?.rules).toEqual(['-j KUBE-SERVICES']);
    expect(nat?.get('FLANNEL-POSTRTG')?.rules).toEqual(['-j RETURN']);
  });

  it('refuses rules for chains that do not exist', () => {
    expect(applyNoflush(rulesModel(BEFORE), '*nat\n-A NOPE -j ACCEPT\nCOMMIT\n')).toEqual(['-A NOPE -j ACCEPT']);
  });

  it('writes the delta chain by chain, and it takes one model to the other', () => {
    const after = BEFORE.replace('-A FLANNEL-POSTRTG -j RETURN', '-A FLANNEL-POSTRTG -j MASQUERADE').replace(':KUBE-SEP-A - [0:0]\n', '')
      .replace('-A KUBE-SEP-A -j DNAT --to-destination 10.244.0.2:80\n', '').replace('-j KUBE-SEP-A', '-j RETURN');
    const from = rulesModel(BEFORE);
    const to = rulesModel(after);
    expect(sameRules(from, to)).toBe(false);
    const delta = noflushDelta(from, to);
    expect(delta).not.toContain('PREROUTING');
    expect(delta).toContain('-X KUBE-SEP-A');
    expect(applyNoflush(from, delta)).toEqual([]);
    expect(sameRules(from, to)).toBe(true);
    expect(noflushDelta(from, to)).toBe('');
  });
});
