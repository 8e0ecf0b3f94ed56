import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exploreTraceBranches, runTrace } from '../trace/index.js';
import { checkExpectations } from './expect.js';
import { loadScenarioFile } from './load.js';

const file = join(import.meta.dirname, '..', '..', 'scenarios', 'service-spread.yaml');

function spread() {
  const r = loadScenarioFile(file);
  if (!r.ok) throw new Error('service-spread.yaml must load');
  const t = r.scenario.traces[0];
  const trace = runTrace(r.scenario.world, t);
  return { trace, withBranches: { ...trace, branches: exploreTraceBranches(r.scenario.world, t).branches } };
}

describe('checkExpectations', () => {
  it('passes rules that matched and the exact set of branch destinations', () => {
    const { withBranches } = spread();
    expect(checkExpectations(withBranches, {
      rules: ['-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES'],
      branches: ['10.244.0.13:8080', '10.244.0.11:8080', '10.244.0.12:8080'],
    })).toEqual([]);
  });

  it('names a rule that did not match', () => {
    const { trace } = spread();
    expect(checkExpectations(trace, { rules: ['-A KUBE-SERVICES -j DROP'] })).toEqual([
      'rules: "-A KUBE-SERVICES -j DROP" did not match on the way\n    matched in KUBE-SERVICES:\n'
        + '      -A KUBE-SERVICES -d 10.96.0.100/32 -p tcp -m comment --comment "default/web:http cluster IP" -m tcp --dport 80 -j KUBE-SVC-WEB',
    ]);
  });

  it('compares rules as iptables-save prints them: the implicit -m tcp, address masks and long options', () => {
    const { trace } = spread();
    expect(checkExpectations(trace, {
      rules: [
        '-A KUBE-SERVICES --dst 10.96.0.100 -m comment --comment "default/web:http cluster IP" -p tcp --dport 80 --jump KUBE-SVC-WEB',
        '-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
      ],
    })).toEqual([]);
  });

  it('on a miss shows the canonical form and the rules that matched in that chain', () => {
    const { trace } = spread();
    const [p] = checkExpectations(trace, { rules: ['-A KUBE-SERVICES -d 10.96.0.100 -p tcp --dport 81 -j KUBE-SVC-WEB'] });
    expect(p.split('\n')).toEqual([
      'rules: "-A KUBE-SERVICES -d 10.96.0.100 -p tcp --dport 81 -j KUBE-SVC-WEB" did not match on the way',
      '    as iptables-save prints it: -A KUBE-SERVICES -d 10.96.0.100/32 -p tcp -m tcp --dport 81 -j KUBE-SVC-WEB',
      '    matched in KUBE-SERVICES:',
      '      -A KUBE-SERVICES -d 10.96.0.100/32 -p tcp -m comment --comment "default/web:http cluster IP" -m tcp --dport 80 -j KUBE-SVC-WEB',
    ]);
    const [q] = checkExpectations(trace, { rules: ['-A KUBE-SERVICES -p tcp --dport 99999 -j KUBE-SVC-WEB'] });
    expect(q).toContain("iptables-restore would refuse it (column 25): invalid port/service `99999' specified");
    const [n] = checkExpectations(trace, { rules: ['-A INPUT -j DROP'] });
    expect(n).toContain('no rule of INPUT matched');
  });

  it('names missing or extra branches, and a trace that was not explored', () => {
    const { trace, withBranches } = spread();
    expect(checkExpectations(withBranches, { branches: ['10.244.0.11:8080'] })[0]).toMatch(/^branches: expected 10.244.0.11:8080, got 10.244.0.11:8080, 10.244.0.12:8080, 10.244.0.13:8080$/);
    expect(checkExpectations(trace, { branches: ['10.244.0.11:8080'] })[0]).toContain('none (nothing random)');
  });
});
