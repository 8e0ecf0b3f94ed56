// Flags that contradict each other are usage errors (exit 2), never a trace of something else than asked.
import { describe, expect, it } from 'vitest';
import { runCli } from './support/run-cli.js';

const SC = 'scenarios/router-between-subnets.yaml';

describe('net trace: conflicting flags', () => {
  it.each([
    [['--from', 'left', '--to', '10.0.2.2:80', '--dport', '81'], '--to 10.0.2.2:80 and --dport 81 disagree'],
    [['--from', 'left', '--to', '10.0.2.2:80', '--proto', 'icmp'], '--proto icmp has no ports'],
    [['--from', 'left', '--to', '10.0.2.2', '--proto', 'icmp', '--dport', '80'], '--proto icmp has no ports'],
    [['--from', 'left', '--to', 'right:http'], '--to: "http" is not a port'],
    [['--from', 'left', '--to', '10.0.2.2:80', '--name', "left connects to right's web server"], '--name picks a trace of the scenario'],
    [['--name', "left connects to right's web server", '--ttl', '3'], '--ttl describes the packet of an ad-hoc trace'],
    [['--proto', 'icmp'], '--proto describes the packet of an ad-hoc trace'],
  ])('%j is refused', (args, message) => {
    const r = runCli('trace', SC, ...args);
    expect(r.stderr).toContain(message);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
  });

  it('--iptables-save: an icmp packet has no port either', () => {
    const r = runCli('trace', '--iptables-save', 'test/netfilter/fixtures/none.rules', '--src', '10.0.0.1', '--dst', '10.0.0.2:80', '--proto', 'icmp');
    expect(r.stderr).toContain('--proto icmp has no ports');
    expect(r.status).toBe(2);
  });

  it('the same port said twice, or a namespace with a port, still traces', () => {
    expect(runCli('trace', SC, '--from', 'left', '--to', '10.0.2.2:80', '--dport', '80').status).toBe(0);
    const r = runCli('trace', SC, '--from', 'left', '--to', 'right:80');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('10.0.2.2:80');
  });
});
