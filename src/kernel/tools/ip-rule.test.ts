// `ip rule add|del`, with the outcomes measured in real namespaces (kernel 6.18, iproute2 6.1).
import { describe, expect, it } from 'vitest';
import { showRule } from '../show/ip-rule.js';
import { parseError, run, toolNetns } from './testing.js';

describe('ip rule add|del', () => {
  it('adds rules at falling default priorities; the same rule twice is allowed without a priority', () => {
    const n = toolNetns();
    expect(run(n, 'ip rule add from 1.2.3.4 lookup 100')).toEqual([]);
    expect(run(n, 'ip rule add from 1.2.3.4 lookup 100')).toEqual([]);
    expect(showRule(n)).toBe([
      '0:\tfrom all lookup local', '32764:\tfrom 1.2.3.4 lookup 100', '32765:\tfrom 1.2.3.4 lookup 100',
      '32766:\tfrom all lookup main', '32767:\tfrom all lookup default', '',
    ].join('\n'));
  });

  it('keeps the selectors of a rule added on a live box (ipproto, dport, suppress_prefixlength)', () => {
    const n = toolNetns();
    expect(run(n, 'ip rule add pref 90 ipproto udp dport 53 lookup 53')).toEqual([]);
    expect(run(n, 'ip rule add pref 91 table main suppress_prefixlength 0')).toEqual([]);
    expect(showRule(n)).toContain('90:\tfrom all ipproto udp dport 53 lookup 53');
    expect(showRule(n)).toContain('91:\tfrom all lookup main suppress_prefixlength 0');
  });

  it('refuses an identical rule at the same priority (rule_exists())', () => {
    const n = toolNetns();
    expect(run(n, 'ip rule add pref 100 from 1.1.1.1 lookup 5')).toEqual([]);
    expect(run(n, 'ip rule add pref 100 from 1.1.1.1 lookup 5')).toEqual(['RTNETLINK answers: File exists']);
  });

  it('del matches only the attributes given (rule_find())', () => {
    const n = toolNetns();
    run(n, 'ip rule add pref 100 from 1.1.1.1 lookup 5');
    expect(run(n, 'ip rule del pref 100 lookup 6')).toEqual(['RTNETLINK answers: No such file or directory']);
    expect(run(n, 'ip rule del pref 100 from 1.1.1.0/24')).toEqual(['RTNETLINK answers: No such file or directory']);
    expect(run(n, 'ip rule del lookup 5')).toEqual([]);
    expect(showRule(n)).not.toContain('lookup 5');
  });

  it('locates parse errors in the command', () => {
    expect(parseError('ip rule add from 1.2.3.4 lokup 100')).toBe('26: "lokup" is not an ip rule selector or action (did you mean "lookup"?)');
  });
});
