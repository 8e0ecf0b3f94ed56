// Cluster timelines as users run them (the built entry point): net run reports each change, net show and
// net trace --at name the pods of the cluster at that point; net verify realizes the changes (its kernel tests
// are test/kernel/cluster-agreement.test.ts and timeline-agreement.test.ts).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const NET = join(import.meta.dirname, '..', 'dist', 'cli', 'main.js');
const ROOT = join(import.meta.dirname, '..');

function net(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [NET, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('Cluster timelines on the command line', () => {
  it('net run: the scale step and the namespaces it added, then traces to the new replicas', () => {
    const r = net('run', 'scenarios/cluster-timeline-scale.yaml');
    expect(r.stdout).toContain('  ..  [2] kubectl scale deployment/web --replicas=3 (namespaces +web-7c7d44749b-6jh7j +web-7c7d44749b-8hhcn)');
    expect(r.stdout).toMatch(/^4 passed, 0 failed/m);
    expect(r.status).toBe(0);
  });

  it('net show endpointslices --at: the condition follows the ready: step', () => {
    const before = net('show', 'scenarios/cluster-timeline-readiness.yaml', 'default', 'endpointslices');
    const after = net('show', 'scenarios/cluster-timeline-readiness.yaml', 'default', 'endpointslices', '--at', 'not-ready');
    const again = net('show', 'scenarios/cluster-timeline-readiness.yaml', 'default', 'endpointslices', '--at', 'ready-again');
    const first = (text: string) => text.split('  - Addresses:  ')[1];
    expect(first(before.stdout)).toContain('Ready:        true');
    expect(first(after.stdout)).toMatch(/^10\.244\.0\.2\n\s+Conditions:\n\s+Ready:\s+false\n\s+Serving:\s+false/);
    expect(first(again.stdout)).toContain('Ready:        true');
    expect(after.status).toBe(0);
  });

  it('net show and net trace --at resolve pods the timeline made', () => {
    const show = net('show', 'scenarios/cluster-timeline-delete-pod.yaml', 'pod/web-7c7d44749b-kq76k', 'addr', '--at', 'after-delete');
    expect(show.stdout).toContain('inet 10.244.0.3/24 scope global eth0');
    const t = net('trace', 'scenarios/cluster-timeline-delete-pod.yaml', '--at', 'after-delete', '--from', 'pod/client', '--to', 'pod/web-7c7d44749b-kq76k:8080', '--proto', 'tcp');
    expect(t.stdout).toContain('=> DELIVERED');
    expect(t.status).toBe(0);
  });

  it('net realize: a Cluster change is the commands that realize it, and down deletes what it adds', () => {
    const r = net('realize', 'scenarios/cluster-timeline-delete-pod.yaml');
    expect(r.status).toBe(0);
    const timeline = r.stdout.slice(r.stdout.indexOf('timeline() {'));
    expect(timeline).toContain("echo 'timeline[1]: kubectl delete pod web-7c7d44749b-w9xgk'");
    expect(timeline).toContain('ip netns add pw-tdp-web-7c7d44749b-kq76k');
    expect(timeline).toContain('ip -n pw-tdp-web-7c7d44749b-kq76k addr add 10.244.0.3/24 dev eth0');
    expect(timeline.indexOf('ip netns add pw-tdp-web-7c7d44749b-kq76k')).toBeLessThan(timeline.indexOf('ip netns del pw-tdp-web-7c7d44749b-w9xgk'));
    const down = r.stdout.slice(r.stdout.indexOf('down() {'), r.stdout.indexOf('up() {'));
    expect(down).toContain('ip netns del pw-tdp-web-7c7d44749b-kq76k');
  });

  it('net verify --help says how Cluster changes are realized (kernel-agreement tests run them)', () => {
    const r = net('verify', '--help');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('A Cluster change');
    expect(r.stdout).toContain('iptables-restore --noflush');
    expect(r.stdout).not.toContain('not realized');
  });
});
