// The large-input cases of issue 8 for branches, measured (node bench/large-branches.mjs, after npm run build):
// - a 350 x 350 address fan (`-s A1..A350 -d B1..B350`, 122,500 rules) through `--iptables-save`, every rule
//   matching (MARK), and with a random match on every rule;
// - ten `-m statistic` rules before N other rules, explored as `net trace --branches` does (a World built once),
//   with fillers the chain index skips (-d/-p/--dport keys) and fillers it cannot skip (-s only).
// Wall-clock and CPU milliseconds for humans; no test asserts on them. `--quick` runs smaller sizes.
import { performance } from 'node:perf_hooks';
import { buildWorld } from '../dist/kernel/index.js';
import * as netfilter from '../dist/kernel/netfilter/index.js';
import { exploreTraceBranches, traceIptablesSave } from '../dist/trace/index.js';
import { parseIpv4 } from '../dist/wire/ipv4-addr.js';

const quick = process.argv.includes('--quick');
// Absent from builds before walks were shared: the same script measures those too.
const WalkMemo = netfilter.WalkMemo;

function measure(label, fn) {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let note;
  try {
    note = fn();
  } catch (e) {
    note = `FAILED: ${e instanceof Error ? e.message : String(e)}`;
  }
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  console.log(`  ${label.padEnd(62)} ${wall.toFixed(0).padStart(7)} ms wall ${((cpu.user + cpu.system) / 1000).toFixed(0).padStart(7)} ms cpu  ${note}`);
}

function fan(n, tail) {
  const s = Array.from({ length: n }, (_, i) => `10.${1 + (i >> 8)}.${i & 255}.1/8`).join(',');
  const d = Array.from({ length: n }, (_, i) => `10.${100 + (i >> 8)}.${i & 255}.2/8`).join(',');
  return `*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A FORWARD -s ${s} -d ${d} ${tail}\nCOMMIT\n`;
}

function statisticWorld(fillers, indexed) {
  const lines = ['*filter', ':INPUT ACCEPT [0:0]', ':FORWARD ACCEPT [0:0]', ':OUTPUT ACCEPT [0:0]'];
  for (let i = 0; i < 10; i++) {
    const bit = `0x${(1 << i).toString(16)}`;
    lines.push(`-A FORWARD -m statistic --mode random --probability 0.50000000000 -j MARK --set-xmark ${bit}/${bit}`);
  }
  for (let i = 0; i < fillers; i++) {
    const src = `10.9.${(i >> 8) & 255}.${i & 255}/32`;
    lines.push(indexed ? `-A FORWARD -s ${src} -d 10.0.2.2/32 -p tcp -m tcp --dport ${1 + (i % 60000)} -j DROP` : `-A FORWARD -s ${src} -j DROP`);
  }
  lines.push('COMMIT', '');
  const veth = (name, peer, a) => {
    const [pn, pd] = peer.split('/');
    const [x, l] = a.split('/');
    return { name, type: 'veth', peer: { netns: pn, dev: pd }, addresses: [{ addr: parseIpv4(x), len: Number(l) }] };
  };
  const ns = (name, links, extra = {}) => ({ name, sysctls: {}, links, routes: [], rules: [], neigh: [], fdb: [], listen: [], ...extra });
  const route = (via, dev) => ({ text: `default via ${via} dev ${dev}`, type: 'unicast', dst: { addr: 0, len: 0 }, table: 254, via: parseIpv4(via), dev, metric: 0, onlink: false });
  return {
    name: 'statistic',
    namespaces: [
      ns('left', [veth('eth0', 'router/eth0', '10.0.1.2/24')], { routes: [route('10.0.1.1', 'eth0')] }),
      ns('router', [veth('eth0', 'left/eth0', '10.0.1.1/24'), veth('eth1', 'right/eth0', '10.0.2.1/24')], { sysctls: { 'net.ipv4.ip_forward': 1 }, iptables: lines.join('\n') }),
      ns('right', [veth('eth0', 'router/eth1', '10.0.2.2/24')], { routes: [route('10.0.2.1', 'eth0')], listen: [{ proto: 'tcp', port: 80, addr: 0 }] }),
    ],
  };
}

const n = quick ? 100 : 350;
console.log(`address fan ${n} x ${n} (${n * n} rules), net trace --iptables-save`);
measure('every rule matches (-j MARK)', () => {
  const t = traceIptablesSave(fan(n, '-j MARK --set-xmark 0x1/0x1'), { src: '10.1.0.1', dst: '10.100.0.2', dport: 80 });
  return `${t.branches.length} branch, ${t.branches[0].rules.length} rules matched`;
});
measure('a random match on every rule (branch limit 64)', () => {
  const t = traceIptablesSave(fan(n, '-m statistic --mode random --probability 0.5 -j ACCEPT'), { src: '10.1.0.1', dst: '10.100.0.2', dport: 80, branchLimit: 64 });
  return `${t.branches.length} branches, truncated ${t.truncated}`;
});

console.log('\nten -m statistic rules before N others, net trace --branches (World built once, then explored)');
const probe = { from: 'left', dst: parseIpv4('10.0.2.2'), proto: 'tcp', dport: 80 };
for (const [fillers, indexed] of quick ? [[2_000, true], [2_000, false]] : [[2_000, true], [100_000, true], [2_000, false], [20_000, false], [100_000, false]]) {
  let world;
  measure(`N=${fillers} ${indexed ? 'indexed (-d -p --dport)' : 'not indexed (-s only)'}: build the World`, () => {
    world = buildWorld(statisticWorld(fillers, indexed));
    return '';
  });
  measure(`N=${fillers} ${indexed ? 'indexed' : 'not indexed'}: explore`, () => {
    const memo = WalkMemo ? new WalkMemo() : undefined;
    const r = exploreTraceBranches(world, probe, { walkMemo: memo });
    const shared = memo ? `; walks replayed ${memo.replayed}, walked ${memo.walked}` : '';
    return `${r.branches.length} outcome(s), p ${r.branches[0].probability}, truncated ${r.truncated}${shared}`;
  });
}
