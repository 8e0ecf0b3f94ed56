// Realistic mistakes, one per input: each edits a generated script so that iptables-restore should refuse it.
// The kernel decides; a mutation that turns out to be accepted is still a fair comparison.

import { ipv4 } from './rule-words.js';
import { HOOKS, type Block, type GenTable, type Pick, type Script } from './script.js';

export const MUTATIONS = [
  'unknown-target', 'missing-chain', 'dnat-in-filter', 'reject-in-nat', 'reject-in-mangle', 'drop-in-nat', 'bad-port',
  'bang-misplaced', 'double-bang', 'missing-commit', 'duplicate-chain', 'bad-mask', 'deep-jumps', 'jump-loop',
  'wrong-hook', 'unknown-match', 'port-without-proto', 'notrack-in-filter', 'tcp-reset-not-tcp', 'bad-policy',
  'unknown-table', 'insert-index', 'bad-value', 'iface-wrong-hook', 'nat-ports-without-proto', 'trailing-word',
  'dnat-chain-from-postrouting',
] as const;

export type MutationName = (typeof MUTATIONS)[number];

/** The block of `table`, added (empty) when the script has none. */
function blockOf(s: Script, table: GenTable): Block {
  let b = s.blocks.find((x) => x.table === table);
  if (!b) {
    b = { table, chainLines: [], body: [], commit: true, userChains: [] };
    s.blocks.push(b);
  }
  return b;
}

function insertLine(p: Pick, b: Block, line: string): void {
  // After every `-N`, so that a bad line does not also break a later line's chain.
  const firstRule = b.body.findIndex((l) => !l.startsWith('-N '));
  const from = firstRule < 0 ? b.body.length : firstRule;
  b.body.splice(p.int(from, b.body.length), 0, line);
}

function anyBlock(p: Pick, s: Script): Block {
  return p.one(s.blocks);
}

function chainIn(p: Pick, b: Block): string {
  return p.one([...HOOKS[b.table], ...b.userChains]);
}

type Mutator = (p: Pick, s: Script) => void;

const MUTATORS: Readonly<Record<MutationName, Mutator>> = {
  'unknown-target': (p, s) => {
    const b = anyBlock(p, s);
    insertLine(p, b, `-A ${chainIn(p, b)} -p tcp --dport 80 -j ${p.one(['ACCEPTT', 'Drop', 'accept', 'SNATT', 'TPROXYY'])}`);
  },
  'missing-chain': (p, s) => {
    const b = anyBlock(p, s);
    insertLine(p, b, `-A ${chainIn(p, b)} ${p.chance(0.5) ? '-j' : '-g'} KUBE-MISSING-${p.int(1, 99)}`);
  },
  'dnat-in-filter': (p, s) => insertLine(p, blockOf(s, 'filter'), `-A ${p.one(HOOKS.filter)} -p tcp -j DNAT --to-destination ${ipv4(p)}:8080`),
  'reject-in-nat': (p, s) => insertLine(p, blockOf(s, 'nat'), `-A ${p.one(HOOKS.nat)} -j REJECT`),
  'reject-in-mangle': (p, s) => insertLine(p, blockOf(s, 'mangle'), `-A ${p.one(['INPUT', 'FORWARD', 'OUTPUT'])} -j REJECT --reject-with icmp-host-prohibited`),
  'drop-in-nat': (p, s) => insertLine(p, blockOf(s, 'nat'), `-A ${p.one(HOOKS.nat)} -s ${ipv4(p)} -j DROP`),
  'bad-port': (p, s) => {
    const b = anyBlock(p, s);
    const bad = p.one(['--dport 70000', '--dport 10:5', '--sport abc', '--dport -1', '--dport 80,443', '-m multiport --dports 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16']);
    insertLine(p, b, `-A ${chainIn(p, b)} -p ${p.one(['tcp', 'udp'])} ${bad} -j ACCEPT`);
  },
  'bang-misplaced': (p, s) => {
    const b = anyBlock(p, s);
    const bad = p.one(['-s ! 10.0.0.1', '-p ! tcp', '-i ! eth0', '-p tcp --dport ! 22', '-m mark --mark ! 0x1', '! -j ACCEPT', '-m conntrack --ctstate ! NEW']);
    insertLine(p, b, `-A ${chainIn(p, b)} ${bad}${bad.includes('-j') ? '' : ' -j ACCEPT'}`);
  },
  'double-bang': (p, s) => {
    const b = anyBlock(p, s);
    insertLine(p, b, `-A ${chainIn(p, b)} ! ! -s ${ipv4(p)} -j ACCEPT`);
  },
  'missing-commit': (p, s) => {
    p.one(s.blocks).commit = false;
  },
  'duplicate-chain': (p, s) => {
    const b = anyBlock(p, s);
    const existing = b.userChains.length && p.chance(0.7) ? p.one(b.userChains) : p.one(HOOKS[b.table]);
    b.body.push(`-N ${existing}`);
  },
  'bad-mask': (p, s) => {
    const b = anyBlock(p, s);
    insertLine(p, b, `-A ${chainIn(p, b)} ${p.one(['-s', '-d'])} ${ipv4(p)}/${p.one(['33', '255.0.255.300', 'abc', '-1', '64'])} -j ACCEPT`);
  },
  'deep-jumps': (p, s) => {
    const b = anyBlock(p, s);
    const depth = p.int(16, 20);
    const names = Array.from({ length: depth }, (_, i) => `DEEP${i}`);
    b.chainLines.push(...names.map((n) => `:${n} - [0:0]`));
    b.body.push(`-A ${p.one(HOOKS[b.table])} -j ${names[0]}`);
    for (let i = 0; i + 1 < depth; i++) b.body.push(`-A ${names[i]} -j ${names[i + 1]}`);
    b.userChains.push(...names);
  },
  'jump-loop': (p, s) => {
    const b = anyBlock(p, s);
    const n = p.int(1, 3);
    const names = Array.from({ length: n }, (_, i) => `LOOP${i}`);
    b.chainLines.push(...names.map((c) => `:${c} - [0:0]`));
    b.body.push(`-A ${p.one(HOOKS[b.table])} -j ${names[0]}`);
    for (let i = 0; i < n; i++) b.body.push(`-A ${names[i]} -j ${names[(i + 1) % n]}`);
    b.userChains.push(...names);
  },
  'wrong-hook': (p, s) => {
    const bad = p.one([
      ['PREROUTING', '-j SNAT --to-source 10.0.0.1'], ['OUTPUT', '-j MASQUERADE'], ['POSTROUTING', '-j DNAT --to-destination 10.0.0.2'],
      ['INPUT', '-j REDIRECT'], ['PREROUTING', '-j MASQUERADE'], ['INPUT', '-j DNAT --to-destination 10.1.1.1'],
    ] as const);
    insertLine(p, blockOf(s, 'nat'), `-A ${bad[0]} ${bad[1]}`);
  },
  'unknown-match': (p, s) => {
    const b = anyBlock(p, s);
    insertLine(p, b, `-A ${chainIn(p, b)} -m ${p.one(['foo', 'conntrak', 'ipv4options', 'nosuch'])} -j ACCEPT`);
  },
  'port-without-proto': (p, s) => {
    const b = anyBlock(p, s);
    insertLine(p, b, `-A ${chainIn(p, b)} ${p.one(['--dport 80', '-m tcp --dport 22', '-p udp -m tcp --sport 1', '-m multiport --dports 80,443', '-p icmp --dport 5'])} -j ACCEPT`);
  },
  'notrack-in-filter': (p, s) => insertLine(p, blockOf(s, 'filter'), `-A ${p.one(HOOKS.filter)} -j ${p.one(['NOTRACK', 'CT --notrack'])}`),
  'tcp-reset-not-tcp': (p, s) => insertLine(p, blockOf(s, 'filter'), `-A ${p.one(HOOKS.filter)} ${p.one(['-p udp ', '', '! -p tcp '])}-j REJECT --reject-with tcp-reset`),
  'bad-policy': (p, s) => {
    const b = anyBlock(p, s);
    b.chainLines.push(`:${p.one(HOOKS[b.table])} ${p.one(['REJECT', 'accept', 'RETURN', 'QUEUE'])} [0:0]`);
  },
  'unknown-table': (p, s) => {
    s.blocks.splice(p.int(0, s.blocks.length), 0, { table: p.one(['filtr', 'broute', 'NAT']) as GenTable, chainLines: [':INPUT ACCEPT [0:0]'], body: [], commit: true, userChains: [] });
  },
  'insert-index': (p, s) => {
    const b = anyBlock(p, s);
    b.body.push(`-I ${p.one(HOOKS[b.table])} ${p.int(50, 99)} -j ACCEPT`);
  },
  'bad-value': (p, s) => {
    const b = anyBlock(p, s);
    insertLine(p, b, `-A ${chainIn(p, b)} ${p.one([
      '-m mark --mark zz', '-m state --state NEW,FOO', '-p icmp --icmp-type echo-requests', '-m conntrack --ctstate SNAT,NEWW',
      '-m statistic --mode random --probability 1.5', '-m addrtype --src-type LOCALL', '-m comment', '-p tcp --tcp-flags SYN,FOO SYN',
      '-m statistic --mode nth --every 3 --packet 3', '-m recent --set --seconds 10', '-p tcp --syn --tcp-flags ALL SYN',
    ])} -j ACCEPT`);
  },
  'iface-wrong-hook': (p, s) => {
    const table = p.one(['filter', 'mangle', 'nat'] as const);
    const bad = p.one([['OUTPUT', '-i eth0'], ['INPUT', '-o eth0'], ['PREROUTING', '-o eth0'], ['POSTROUTING', '-i eth0']] as const);
    if (!HOOKS[table].includes(bad[0])) return insertLine(p, blockOf(s, 'filter'), `-A OUTPUT -i eth0 -j ACCEPT`);
    insertLine(p, blockOf(s, table), `-A ${bad[0]} ${bad[1]} -j ACCEPT`);
  },
  'nat-ports-without-proto': (p, s) => {
    insertLine(p, blockOf(s, 'nat'), p.one(['-A PREROUTING -j DNAT --to-destination 10.0.0.1:80', '-A POSTROUTING -j MASQUERADE --to-ports 1000-2000', '-A OUTPUT -p icmp -j REDIRECT --to-ports 80']));
  },
  'trailing-word': (p, s) => {
    const b = anyBlock(p, s);
    insertLine(p, b, `-A ${chainIn(p, b)} -j ACCEPT ${p.one(['extra', '"quoted extra"', 'DROP'])}`);
  },
  'dnat-chain-from-postrouting': (p, s) => {
    const b = blockOf(s, 'nat');
    b.chainLines.push(':KUBE-SEP-BADHOOK - [0:0]');
    b.body.push('-A KUBE-SEP-BADHOOK -p tcp -j DNAT --to-destination 10.244.0.5:8080', `-A ${p.one(['POSTROUTING', 'INPUT'])} -j KUBE-SEP-BADHOOK`);
    b.userChains.push('KUBE-SEP-BADHOOK');
  },
};

export function mutate(p: Pick, s: Script, name: MutationName): void {
  MUTATORS[name](p, s);
}
