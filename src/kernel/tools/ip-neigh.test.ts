// `ip neigh add|replace|change|del|flush`, with the outcomes measured in real namespaces (iproute2 6.1).
import { describe, expect, it } from 'vitest';
import { showNeigh } from '../show/ip-neigh.js';
import { parseError, run, toolNetns } from './testing.js';

describe('ip neigh', () => {
  it('add refuses an existing entry, replace updates it, change needs one', () => {
    const n = toolNetns();
    expect(run(n, 'ip neigh add 10.0.1.9 lladdr 02:00:00:00:00:09 dev eth0')).toEqual([]);
    expect(run(n, 'ip neigh add 10.0.1.9 lladdr 02:00:00:00:00:09 dev eth0')).toEqual(['RTNETLINK answers: File exists']);
    expect(run(n, 'ip neigh change 10.0.1.8 lladdr 02:00:00:00:00:08 dev eth0')).toEqual(['RTNETLINK answers: No such file or directory']);
    expect(run(n, 'ip neigh replace 10.0.1.8 lladdr 02:00:00:00:00:08 dev eth0 nud reachable')).toEqual([]);
    expect(showNeigh(n)).toBe('10.0.1.9 dev eth0 lladdr 02:00:00:00:00:09 PERMANENT \n10.0.1.8 dev eth0 lladdr 02:00:00:00:00:08 REACHABLE \n');
  });

  it('flush leaves PERMANENT entries unless nud names them; del removes one', () => {
    const n = toolNetns();
    run(n, 'ip neigh add 10.0.1.9 lladdr 02:00:00:00:00:09 dev eth0');
    run(n, 'ip neigh replace 10.0.1.8 lladdr 02:00:00:00:00:08 dev eth0 nud stale');
    expect(run(n, 'ip neigh flush dev eth0')).toEqual([]);
    expect(showNeigh(n)).toBe('10.0.1.9 dev eth0 lladdr 02:00:00:00:00:09 PERMANENT \n');
    expect(run(n, 'ip neigh del 10.0.1.8 dev eth0')).toEqual(['RTNETLINK answers: No such file or directory']);
    expect(run(n, 'ip neigh flush all nud permanent')).toEqual([]);
    expect(showNeigh(n)).toBe('');
  });

  it('locates parse errors', () => {
    expect(parseError('ip neigh flush')).toBe('10: Flush requires arguments.');
    expect(parseError('ip neigh add 10.0.1.9 lladdr 02:00:00:00:00 dev eth0')).toBe('30: "02:00:00:00:00" is not a MAC address (aa:bb:cc:dd:ee:ff)');
    expect(parseError('ip neigh del 10.0.1.9')).toBe('10: Device and destination are required arguments (ADDR dev NAME)');
  });
});
