// Kernel agreement for a Cluster scenario's node `patches[].iptables`: the node's compiled rules without the
// patch are loaded with the real `iptables-restore` in a scratch namespace, then the patch with
// `iptables-restore --noflush`, exactly as the compile applies it to the node (src/cluster/iptables-text.ts).
// The kernel's iptables-save must equal our save of the node's compiled rules with the patch: a `:CHAIN`
// line flushes a user chain the node has (KUBE-SERVICES, FLANNEL-FWD) or creates it, a built-in chain's line
// sets the policy and keeps its rules, `[p:b]` is not taken without --counters; a patch may write to and jump
// to the node's chains undeclared. A patch the kernel refuses is one the scenario loader refuses, at the line
// the kernel names. Needs root, iproute2 and iptables 1.8 (nf_tables); skipped with the reason otherwise, or
// failed when PACKETWALK_KERNEL=required.
//
// Safety: each case gets its own namespace `pwcpc<pid>-<N>`, created before and deleted right after (also on
// failure); nothing runs in the root namespace but `ip netns add/del/list/pids` and `--version` probes.

import { describe, expect, it } from 'vitest';
import { printSave, restore } from '../../src/kernel/netfilter/index.js';
import { loadScenarioText } from '../../src/scenario/load.js';
import { deleteNamespace, kernelUnavailable, removeStaleNamespaces, run, runWithInput, stripSaveComments } from './iptables-gen/kernel-iptables.js';

const REQUIRED = process.env.PACKETWALK_KERNEL === 'required';
const STEM = 'pwcpc';
const PREFIX = `${STEM}${process.pid}-`;
const TIMEOUT_MS = 10_000;

/** Two nodes, a Service with one endpoint on each: kube-proxy's chains (KUBE-SERVICES, KUBE-SVC-*, ...) on both. */
const CLUSTER = `apiVersion: packetwalk/v1
kind: Cluster
metadata: {name: patch-chain}
cluster: {podCIDR: 10.244.0.0/16, network: flannel-vxlan}
underlay: {cidr: 192.168.56.0/24}
nodes:
  - {name: node-a, ip: 192.168.56.11}
  - {name: node-b, ip: 192.168.56.12}
objects:
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {name: web}
    spec:
      replicas: 2
      selector: {matchLabels: {app: web}}
      template:
        metadata: {labels: {app: web}}
        spec: {containers: [{name: web, image: nginx, ports: [{containerPort: 80}]}]}
  - apiVersion: v1
    kind: Service
    metadata: {name: web}
    spec: {selector: {app: web}, ports: [{port: 80, targetPort: 80}]}
`;

/** The scenario with one patch on node-a (its lines indented into a block scalar); the YAML line of text line 1. */
function withPatch(patch: string): { text: string; firstLine: number } {
  const head = `${CLUSTER}patches:\n  - target: node/node-a\n    iptables: |\n`;
  return { text: head + patch.split('\n').filter((l) => l !== '').map((l) => `      ${l}\n`).join(''), firstLine: head.split('\n').length };
}

function nodeRules(text: string): { rules?: string; errors: string[] } {
  const r = loadScenarioText(text, 'patch.yaml');
  if (!r.ok) return { errors: r.diagnostics.map((d) => `${d.line}:${d.column} ${d.message}`) };
  return { rules: r.scenario.cluster!.world.namespaces.find((n) => n.name === 'node-a')!.iptables, errors: [] };
}

interface Case {
  name: string;
  patch: string;
  /** The text line the kernel refuses the patch at (iptables-restore's "Error occurred at line", "line N failed" or "line N: CHAIN_DEL failed"). */
  refusedAt?: number;
  /**
   * The line our diagnostic names when it is not the kernel's: a jump to a missing chain is found at COMMIT,
   * which iptables-restore names; our restore names the rule that jumps (restore-apply.ts commitErrors).
   */
  oursAt?: number;
}

const CASES: Case[] = [
  {
    name: 'a :CHAIN line flushes the node\'s user chain it names, before and after rules written to it',
    patch: '*nat\n-A KUBE-SERVICES -d 10.1.2.3/32 -j RETURN\n:KUBE-SERVICES - [0:0]\n-A KUBE-SERVICES -d 10.9.9.9/32 -j KUBE-MARK-MASQ\nCOMMIT\n*filter\n:FLANNEL-FWD - [0:0]\nCOMMIT\n',
  },
  {
    name: 'a built-in chain line sets the policy, keeps the rules and ignores [p:b]; `-` changes nothing',
    patch: '*filter\n:FORWARD DROP [5:100]\n:OUTPUT - [0:0]\n-A FORWARD -s 10.244.0.0/16 -j ACCEPT\nCOMMIT\n*nat\n:POSTROUTING ACCEPT [7:700]\nCOMMIT\n',
  },
  {
    name: 'a user chain line with a policy word flushes or creates the chain, with no policy',
    patch: '*nat\n:KUBE-MARK-MASQ ACCEPT [0:0]\n:PATCH-NEW DROP [3:4]\n-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000\n-A PATCH-NEW -j RETURN\n-I PREROUTING 1 -j PATCH-NEW\nCOMMIT\n',
  },
  {
    name: 'a chain declared twice is flushed twice',
    patch: '*filter\n:PATCH-X - [0:0]\n-A PATCH-X -s 3.3.3.3/32 -j DROP\n:PATCH-X - [0:0]\n-A PATCH-X -s 4.4.4.4/32 -j DROP\n-A FORWARD -j PATCH-X\nCOMMIT\n',
  },
  {
    name: 'the node\'s chains are written to and jumped to undeclared',
    patch: '*nat\n-I KUBE-SERVICES 1 -d 10.1.2.3/32 -j KUBE-MARK-MASQ\n-A KUBE-POSTROUTING -j RETURN\nCOMMIT\n*filter\n-A KUBE-FORWARD -j ACCEPT\nCOMMIT\n',
  },
  // Every other command iptables-restore --noflush takes (the node's rules are then the restore's result).
  {
    name: '-D by rule spec finds the node\'s rule by meaning, however it is spelled; -D by number',
    patch: '*nat\n-D KUBE-SEP-NRFUO7XKMWLPJJAE -s 10.244.0.2/32 -m comment --comment "default/web" -j KUBE-MARK-MASQ\n-D KUBE-SERVICES -d 10.96.0.2/32 -p tcp -m comment --comment "default/web cluster IP" -m tcp --dport 80 -j KUBE-SVC-LOLE4ISW44XBNF3G\nCOMMIT\n*filter\n-D KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT\n-D FORWARD 1\nCOMMIT\n',
  },
  {
    name: '-D deletes a rule the patch wrote in another spelling (-s 10.0.0.1 is -s 10.0.0.1/32)',
    patch: '*filter\n-A FORWARD -s 10.0.0.1 -j ACCEPT\n-A FORWARD -s 10.0.0.2/32 -j DROP\n-D FORWARD -s 10.0.0.1/32 -j ACCEPT\n-D FORWARD -s 10.0.0.2 -j DROP\n-A FORWARD -s 10.0.0.3 -j DROP\nCOMMIT\n',
  },
  { name: '-F with a chain flushes it', patch: '*nat\n-F KUBE-SERVICES\n-A KUBE-SERVICES -j RETURN\nCOMMIT\n' },
  { name: '-F with no chain flushes the table, then -X with none deletes its user chains', patch: '*filter\n-F\n-X\nCOMMIT\n' },
  {
    name: '-X deletes a user chain once nothing jumps to it and it is empty',
    patch: '*filter\n-D FORWARD -m comment --comment "flanneld forward" -j FLANNEL-FWD\n-F FLANNEL-FWD\n-X FLANNEL-FWD\nCOMMIT\n',
  },
  {
    name: '-N, -I N, -Z and -P',
    patch: '*filter\n-N PATCH-NEW\n-A PATCH-NEW -s 10.0.0.1 -j ACCEPT\n-I FORWARD 2 -j PATCH-NEW\n-Z\n-Z FORWARD\n-P FORWARD DROP\nCOMMIT\n*nat\n-Z KUBE-SERVICES\nCOMMIT\n',
  },
  {
    name: 'the long options',
    patch: '*filter\n--new-chain PATCH-L\n--append PATCH-L --source 10.0.0.3 --jump DROP\n--insert FORWARD 1 --jump PATCH-L\n--delete FORWARD 2\n--flush KUBE-FORWARD\n--policy INPUT DROP\nCOMMIT\n',
  },
  // -Z after -P: iptables-nft 1.8.9 sends a zeroed built-in chain again with the policy it had before the
  // restore (src/kernel/netfilter/restore-zero.ts).
  { name: '-P then -Z leaves the policy the node had', patch: '*filter\n-P FORWARD DROP\n-Z\n-A FORWARD -j ACCEPT\nCOMMIT\n' },
  {
    name: '-E renames a node chain: every jump to it follows (and -A by its old name before COMMIT)',
    patch: '*nat\n-E KUBE-MARK-MASQ PATCH-MARK\n-A KUBE-MARK-MASQ -j RETURN\nCOMMIT\n',
  },
  { name: '-R replaces a node rule', patch: '*filter\n-R FORWARD 1 -s 10.0.0.1 -j ACCEPT\n-R KUBE-FORWARD 2 -j DROP\nCOMMIT\n' },
  {
    name: '-X of a chain that still has rules is refused',
    patch: '*filter\n-D FORWARD -m comment --comment "flanneld forward" -j FLANNEL-FWD\n-X FLANNEL-FWD\nCOMMIT\n',
    refusedAt: 3,
  },
  { name: '-E of a chain the patch declares is refused', patch: '*nat\n:KUBE-SERVICES - [0:0]\n-E KUBE-SERVICES PATCH-SVC\nCOMMIT\n', refusedAt: 3 },
  { name: '-E to a name the node has is refused', patch: '*nat\n-E KUBE-MARK-MASQ KUBE-SERVICES\nCOMMIT\n', refusedAt: 2 },
  { name: '-R past the chain\'s end is refused', patch: '*filter\n-R FORWARD 99 -j DROP\nCOMMIT\n', refusedAt: 2 },
  { name: '-D of a rule the chain does not have is refused', patch: '*filter\n-A FORWARD -s 10.0.0.1 -j ACCEPT\n-D FORWARD -s 10.0.0.9 -j ACCEPT\nCOMMIT\n', refusedAt: 3 },
  { name: '-D past the chain\'s end is refused', patch: '*filter\n-D FORWARD 99\nCOMMIT\n', refusedAt: 2 },
  { name: '-X of a chain a rule jumps to is refused', patch: '*filter\n-F FLANNEL-FWD\n-X FLANNEL-FWD\nCOMMIT\n', refusedAt: 3 },
  { name: '-N of a chain the node has is refused', patch: '*nat\n-N KUBE-SERVICES\nCOMMIT\n', refusedAt: 2 },
  { name: 'a chain the node does not have is refused', patch: '*nat\n-A KUBE-SERVICES -j RETURN\n-A KUBE-NOPE -j RETURN\nCOMMIT\n', refusedAt: 3 },
  { name: 'a jump to a chain the node does not have is refused', patch: '*filter\n-A FORWARD -j KUBE-NOPE\nCOMMIT\n', refusedAt: 3, oursAt: 2 },
];

/** The line iptables-restore names in its refusal. */
function kernelLine(stderr: string): number | undefined {
  const m = /Error occurred at line: (\d+)|line (\d+) failed|^line (\d+): /m.exec(stderr);
  return m === null ? undefined : Number(m[1] ?? m[2] ?? m[3]);
}

const unavailable = kernelUnavailable(`${PREFIX}probe`);
if (unavailable !== undefined) console.warn(`cluster patch kernel test ${REQUIRED ? 'cannot run' : 'skipped'}: ${unavailable}`);

if (REQUIRED && unavailable !== undefined) {
  describe('cluster patch kernel test (PACKETWALK_KERNEL=required)', () => {
    it('has a kernel to test against', () => {
      expect.fail(`PACKETWALK_KERNEL=required but the kernel cannot be used: ${unavailable}`);
    });
  });
}

describe.skipIf(unavailable !== undefined)(`a node patch's iptables text agrees with iptables-restore --noflush${unavailable !== undefined ? ` (skipped: ${unavailable})` : ''}`, () => {
  removeStaleNamespaces(STEM);
  const base = nodeRules(CLUSTER);

  it('compiles the cluster without a patch', () => {
    expect(base.errors).toEqual([]);
    expect(base.rules).toContain(':KUBE-SERVICES - [0:0]');
    expect(base.rules).toContain(':FLANNEL-FWD - [0:0]');
  });

  CASES.forEach((c, i) => {
    it(c.name, async () => {
      const ns = `${PREFIX}${i}`;
      const add = run('ip', ['netns', 'add', ns], 5000);
      expect(add.code, add.err).toBe(0);
      try {
        const exec = (cmd: string, args: string[], input = ''): ReturnType<typeof runWithInput> => runWithInput('ip', ['netns', 'exec', ns, cmd, ...args], input, TIMEOUT_MS);
        const b = await exec('iptables-restore', [], base.rules!);
        expect(b.code, b.err).toBe(0);
        const r = await exec('iptables-restore', ['--noflush'], c.patch);
        expect(r.timedOut).toBe(false);
        const { text, firstLine } = withPatch(c.patch);
        const ours = nodeRules(text);
        if (c.refusedAt !== undefined) {
          expect(r.code, r.err).not.toBe(0);
          expect(kernelLine(r.err), r.err).toBe(c.refusedAt);
          expect(ours.errors).toHaveLength(1);
          const at = c.oursAt ?? c.refusedAt;
          expect(ours.errors[0]).toMatch(new RegExp(`^${firstLine + at - 1}:\\d+ patches\\[0\\]: iptables-restore: line ${at}: `));
          return;
        }
        expect(r.code, r.err).toBe(0);
        expect(ours.errors).toEqual([]);
        const s = await exec('iptables-save', []);
        expect(s.code, s.err).toBe(0);
        expect(stripSaveComments(printSave(restore(ours.rules!).ruleset))).toBe(stripSaveComments(s.out));
        // The patch changed something, so the comparison is not of two unpatched rulesets.
        expect(ours.rules).not.toBe(base.rules);
      } finally {
        deleteNamespace(ns);
      }
    });
  });
});
