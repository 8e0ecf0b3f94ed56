// Kernel differential test for the iptables commands our restore took late or got wrong: `-E` (rename a user
// chain), `-R` (replace a rule), `-X` of a chain that still has rules, `-Z` after a policy set in the same
// restore, `-F` with and without a chain, a jump to a missing chain, and a user chain named like a target. Each case is a few `iptables-restore` / `iptables` runs in a fresh namespace and in an emulated one
// (src/kernel/tools, the same restore() the cluster's node patches use); every run must succeed or fail alike
// with the same printed lines,
// and the final `iptables-save` (chain counters aside) must be the same text. Needs
// root, iproute2 and iptables 1.8 (nf_tables); skipped with the reason otherwise, or failed when
// PACKETWALK_KERNEL=required.
//
// Safety: each case gets its own namespace `pwrcmd<pid>-<N>`, created before and deleted right after (also on
// failure), namespaces of dead runs are removed first; nothing runs in the root namespace but `ip netns
// add/del/list/pids` and `--version` probes, every command is bounded by a timeout, and no traffic is sent.

import { describe, expect, it } from 'vitest';
import { printSave } from '../../src/kernel/netfilter/save-print.js';
import { applyCommand, applyIptablesRestore, parseCommand } from '../../src/kernel/tools/index.js';
import { toolNetns } from '../../src/kernel/tools/testing.js';
import { deleteNamespace, kernelUnavailable, removeStaleNamespaces, run, runWithInput, stripSaveComments } from './iptables-gen/kernel-iptables.js';

const REQUIRED = process.env.PACKETWALK_KERNEL === 'required';
const STEM = 'pwrcmd';
const PREFIX = `${STEM}${process.pid}-`;
const TIMEOUT_MS = 10_000;

/** `iptables ...` as written, or `iptables-restore [--noflush]` with its input. */
interface Step {
  cmd: string;
  stdin?: string;
}

interface Case {
  name: string;
  steps: Step[];
}

const filter = (text: string): string => `*filter\n${text}\nCOMMIT\n`;
const restore = (text: string): Step => ({ cmd: 'iptables-restore', stdin: filter(text) });
const noflush = (text: string): Step => ({ cmd: 'iptables-restore --noflush', stdin: filter(text) });
const natRestore = (text: string): Step => ({ cmd: 'iptables-restore', stdin: `*nat\n${text}\nCOMMIT\n` });

/** A and B jumped to (B also by goto), E alone. */
const CHAINS = restore(':A - [0:0]\n:B - [0:0]\n:E - [0:0]\n-A A -j ACCEPT\n-A INPUT -j A\n-A FORWARD -j B\n-A B -g A\n-A B -j A');
/** A with three rules. */
const RULES = restore(':A - [0:0]\n-A A -s 1.1.1.1 -j ACCEPT\n-A A -s 2.2.2.2 -j ACCEPT\n-A A -s 3.3.3.3 -j ACCEPT');
const FORWARD_DROP = restore(':FORWARD DROP [0:0]');
/** owner: OUTPUT and POSTROUTING only (xt_owner's hooks). */
const OWNER = '-m owner --uid-owner 0 -j ACCEPT';
/** C1 ... C16 declared, then `order` of the 15 links C1 -> C2 ... C15 -> C16 (and a jump to C1). */
const nested = (order: (links: string[]) => string[]): string => [
  ...Array.from({ length: 16 }, (_, i) => `:C${i + 1} - [0:0]`),
  ...order(Array.from({ length: 15 }, (_, i) => `-A C${i + 1} -j C${i + 2}`)),
].join('\n');

/**
 * A loop A and an owner rule in C (refused from FORWARD), FORWARD's jump to C on line 7 below `first` (a blank
 * `first` is no line), then OUTPUT's jump to the loop and an INPUT rule.
 */
const bothProblems = (first: string): string => [':A - [0:0]', ':C - [0:0]', ...(first === '' ? [] : [first]), '-A A -j A', `-A C ${OWNER}`, '-A FORWARD -j C', '-A OUTPUT -j A', '-A INPUT -j ACCEPT'].join('\n');
/** The same in nat: MASQUERADE in C, reached from PREROUTING; the loop from OUTPUT. */
const natBoth = (first: string): string => [':A - [0:0]', ':C - [0:0]', first, '-A A -j A', '-A C -j MASQUERADE', '-A PREROUTING -j C', '-A OUTPUT -j A', '-A INPUT -j ACCEPT'].join('\n');

const CASES: Case[] = [
  // -E
  { name: '-E renames a chain: the jumps and gotos to it follow', steps: [CHAINS, noflush('-E A C')] },
  { name: '-E to a name the table has: File exists', steps: [CHAINS, noflush('-E A B')] },
  { name: '-E to a built-in chain\'s name: File exists', steps: [CHAINS, noflush('-E A INPUT')] },
  { name: '-E of a missing chain', steps: [CHAINS, noflush('-E X C')] },
  // Not under --noflush over a table that has INPUT: iptables 1.8.9 then renames the base chain itself.
  { name: '-E of a built-in chain in a restore', steps: [restore(':A - [0:0]\n-E INPUT C')] },
  { name: '-E: the new name is not known before COMMIT (-j)', steps: [CHAINS, noflush('-E A C\n-A INPUT -j C')] },
  { name: '-E: the new name is not known before COMMIT (-A)', steps: [CHAINS, noflush('-E A C\n-A C -j DROP')] },
  { name: '-E: the old name still writes to and jumps to the chain', steps: [CHAINS, noflush('-E A C\n-A INPUT -j A\n-A A -j DROP')] },
  { name: '-E: the old name is still taken', steps: [CHAINS, noflush('-E A C\n-N A')] },
  { name: '-E of a chain declared in the block fails the commit', steps: [CHAINS, noflush(':A - [0:0]\n-E A C')] },
  { name: '-E of a chain made in the block fails the commit', steps: [CHAINS, noflush('-N X\n-E X Y')] },
  { name: '-E after -F renames', steps: [CHAINS, noflush('-F A\n-E A C')] },
  { name: '-E then a declaration of the old name: the flushed chain is renamed', steps: [CHAINS, noflush('-E A C\n:A - [0:0]')] },
  { name: 'the last -E of a chain wins', steps: [CHAINS, noflush('-E A C\n-E A D')] },
  { name: '-E then -X of the old name deletes the chain', steps: [CHAINS, noflush('-E E C\n-X E')] },
  { name: 'two -E to one name fail the commit', steps: [CHAINS, noflush('-E A C\n-E B C')] },
  { name: '-X frees a name for -E', steps: [CHAINS, noflush('-X E\n-E A E')] },
  { name: '-E without --noflush finds no chain from before', steps: [CHAINS, restore('-E A C')] },
  { name: '-E with one name', steps: [CHAINS, noflush('-E A')] },
  { name: '-E with an option for a name', steps: [CHAINS, noflush('-E A -C')] },
  { name: '-E with a third word', steps: [CHAINS, noflush('-E A C D')] },
  { name: '--rename-chain', steps: [CHAINS, noflush('--rename-chain B C')] },
  // -R
  { name: '-R replaces rule N', steps: [RULES, noflush('-R A 2 -s 9.9.9.9 -j DROP\n-R A 3 -j DROP\n-R A 1')] },
  { name: '-R past the end', steps: [RULES, noflush('-R A 4 -j DROP')] },
  { name: '-R of rule 0', steps: [RULES, noflush('-R A 0 -j DROP')] },
  { name: '-R without a number', steps: [RULES, noflush('-R A -j DROP')] },
  { name: '-R with two addresses', steps: [RULES, noflush('-R A 1 -s 5.5.5.5,6.6.6.6 -j DROP')] },
  { name: '-R of a missing chain', steps: [RULES, noflush('-R X 1 -j DROP')] },
  // A user chain named like a target: `-j NAME` jumps once a chain line of the restore announced NAME (restore-parse.ts chainClash()).
  { name: 'nat :MASQUERADE, then -A OUTPUT -j MASQUERADE: a jump', steps: [natRestore(':MASQUERADE - [0:0]\n-A MASQUERADE -j ACCEPT\n-A OUTPUT -j MASQUERADE')] },
  { name: 'nat -A OUTPUT -j MASQUERADE, then :MASQUERADE: the target, refused', steps: [natRestore('-A OUTPUT -j MASQUERADE\n:MASQUERADE - [0:0]\n-A MASQUERADE -j ACCEPT')] },
  { name: 'nat POSTROUTING: the target before :MASQUERADE, a jump after', steps: [natRestore('-A POSTROUTING -j MASQUERADE\n:MASQUERADE - [0:0]\n-A POSTROUTING -j MASQUERADE')] },
  { name: 'nat :MASQUERADE, -X MASQUERADE, then -j MASQUERADE: a missing chain', steps: [natRestore(':MASQUERADE - [0:0]\n-X MASQUERADE\n-A POSTROUTING -j MASQUERADE')] },
  { name: 'a :MASQUERADE in filter announces it for nat too', steps: [{ cmd: 'iptables-restore', stdin: '*filter\n:MASQUERADE - [0:0]\nCOMMIT\n*nat\n-A POSTROUTING -j MASQUERADE\nCOMMIT\n' }] },
  { name: '--noflush: a MASQUERADE chain the kernel has is not announced', steps: [natRestore(':MASQUERADE - [0:0]'), { cmd: 'iptables-restore --noflush', stdin: '*nat\n-A OUTPUT -j MASQUERADE\nCOMMIT\n' }] },
  // -D by spec reads back the chain's rules in order: a target announced since cannot be read, and the restore exits.
  { name: 'nat -j MASQUERADE, :MASQUERADE, -D of it: the rule cannot be read back', steps: [natRestore('-A POSTROUTING -j MASQUERADE\n:MASQUERADE - [0:0]\n-D POSTROUTING -j MASQUERADE')] },
  { name: 'nat :MASQUERADE, then -D of a rule after a MASQUERADE target', steps: [natRestore('-A POSTROUTING -j MASQUERADE\n-A POSTROUTING -j ACCEPT\n:MASQUERADE - [0:0]\n-D POSTROUTING -j ACCEPT')] },
  { name: 'nat :MASQUERADE, then -D of a rule before a MASQUERADE target', steps: [natRestore('-A POSTROUTING -j ACCEPT\n-A POSTROUTING -j MASQUERADE\n:MASQUERADE - [0:0]\n-D POSTROUTING -j ACCEPT')] },
  { name: 'nat :MASQUERADE, then -D of the jump written after it', steps: [natRestore(':MASQUERADE - [0:0]\n-A POSTROUTING -j MASQUERADE\n-D POSTROUTING -j MASQUERADE')] },
  { name: 'nat :MASQUERADE, then -D N of the target', steps: [natRestore('-A POSTROUTING -j MASQUERADE\n:MASQUERADE - [0:0]\n-D POSTROUTING 1\n-A POSTROUTING -j MASQUERADE')] },
  {
    name: '--noflush: the kernel\'s MASQUERADE rule cannot be read back after :MASQUERADE; the filter block before stays',
    steps: [natRestore('-A POSTROUTING -j MASQUERADE'), { cmd: 'iptables-restore --noflush', stdin: `*filter\n-A INPUT -j ACCEPT\nCOMMIT\n*nat\n:MASQUERADE - [0:0]\n-D POSTROUTING -j MASQUERADE\nCOMMIT\n` }],
  },
  { name: 'filter :LOG, then -D of a rule after a LOG target', steps: [restore('-A INPUT -j LOG\n-A INPUT -j DROP\n:LOG - [0:0]\n-D INPUT -j DROP')] },
  {
    name: '-D of the MASQUERADE target does not name the kernel\'s jump to MASQUERADE; after :MASQUERADE it is the jump',
    steps: [
      natRestore(':MASQUERADE - [0:0]\n-A POSTROUTING -j MASQUERADE\n-A OUTPUT -j MASQUERADE'),
      { cmd: 'iptables-restore --noflush', stdin: '*nat\n-D POSTROUTING -j MASQUERADE\nCOMMIT\n' },
      { cmd: 'iptables -t nat -D POSTROUTING -j MASQUERADE' },
      { cmd: 'iptables-restore --noflush', stdin: '*nat\n:MASQUERADE - [0:0]\n-D POSTROUTING -j MASQUERADE\nCOMMIT\n' },
    ],
  },
  { name: '-N MASQUERADE in a restore: a clash', steps: [natRestore('-N MASQUERADE\n-A OUTPUT -j MASQUERADE')] },
  { name: '-N MASQUERADE after :MASQUERADE and -X', steps: [natRestore(':MASQUERADE - [0:0]\n-X MASQUERADE\n-N MASQUERADE\n-A OUTPUT -j MASQUERADE')] },
  { name: ':ACCEPT is a clash', steps: [restore(':ACCEPT - [0:0]')] },
  { name: ':QUEUE is a clash', steps: [restore(':QUEUE - [0:0]')] },
  { name: 'filter :LOG, -A INPUT -j LOG', steps: [restore(':LOG - [0:0]\n-A INPUT -j LOG\n-A LOG -j DROP')] },
  { name: 'iptables: -N LOG is a clash, -j MASQUERADE the target with the chain there', steps: [{ cmd: 'iptables -t nat -N LOG' }, natRestore(':MASQUERADE - [0:0]'), { cmd: 'iptables -t nat -A OUTPUT -j MASQUERADE' }] },
  // A jump to a chain missing at that point: found when iptables-nft builds the batch, at the COMMIT line.
  { name: 'a jump to a missing chain: the COMMIT line', steps: [restore('-A INPUT -j NOPE\n-A INPUT -j ACCEPT')] },
  { name: 'a goto to a missing chain, declared after it', steps: [restore('-A INPUT -g NOPE\n:NOPE - [0:0]')] },
  { name: 'two jumps to missing chains: the first', steps: [restore('-A INPUT -j NOPE\n-A INPUT -j NOPE2')] },
  { name: 'a jump to a missing chain, then an unknown option: the option', steps: [restore('-A INPUT -j NOPE\n-A INPUT --bogus')] },
  { name: 'a jump to a missing chain, then an append to a missing chain: the jump', steps: [restore('-A INPUT -j NOPE\n-A NOCHAIN -j ACCEPT')] },
  { name: 'an append to a missing chain, then a jump to a missing one: the append', steps: [restore('-A NOCHAIN -j ACCEPT\n-I INPUT -j NOPE')] },
  { name: 'a jump to a missing chain, then no COMMIT', steps: [{ cmd: 'iptables-restore', stdin: '*filter\n-A INPUT -j NOPE\n' }] },
  { name: 'a jump to a missing chain in the second table: the first committed', steps: [{ cmd: 'iptables-restore', stdin: '*nat\n-A OUTPUT -j ACCEPT\nCOMMIT\n*filter\n-A INPUT -j NOPE\nCOMMIT\n' }] },
  { name: 'a jump to a missing chain and a rule the kernel refuses: the jump', steps: [{ cmd: 'iptables-restore', stdin: '*nat\n-A OUTPUT -j MASQUERADE\n-A OUTPUT -j NOPE\nCOMMIT\n' }] },
  // -X
  { name: '-X of a chain made and given a rule in the block', steps: [restore('-N P\n-A P -j ACCEPT\n-X P')] },
  { name: '-X of a chain declared and given a rule in the block', steps: [restore(':P - [0:0]\n-A P -j ACCEPT\n-X P')] },
  { name: '-X after -F', steps: [restore(':P - [0:0]\n-A P -j ACCEPT\n-F P\n-X P')] },
  { name: '-X of a kept chain with rules', steps: [restore(':P - [0:0]\n:Q - [0:0]\n-A P -j ACCEPT'), noflush('-X P')] },
  { name: '-X after -D of its rule', steps: [restore(':P - [0:0]\n:Q - [0:0]\n-A P -j ACCEPT'), noflush('-D P 1\n-X P')] },
  { name: '-X with no name: a chain with rules and a chain jumped to', steps: [restore(':P - [0:0]\n:Q - [0:0]\n:R - [0:0]\n-A P -j ACCEPT\n-A INPUT -j R\n-X')] },
  { name: 'a later line the tool refuses is reported, not the busy -X', steps: [restore(':P - [0:0]\n-A P -j ACCEPT\n-X P\n-A NOPE -j DROP')] },
  // -Z after a policy
  { name: '-P then -Z without --noflush', steps: [restore('-P FORWARD DROP\n-Z')] },
  { name: ':FORWARD DROP then -Z FORWARD', steps: [restore(':FORWARD DROP [0:0]\n-Z FORWARD')] },
  { name: '-Z then -P', steps: [restore('-Z\n-P FORWARD DROP')] },
  { name: '-Z of another chain', steps: [restore('-P FORWARD DROP\n-A OUTPUT -j ACCEPT\n-Z OUTPUT')] },
  // Rule options a command without a rule refuses (generic_opt_check()), in its order; -m is ignored.
  { name: '-X with -j and -s', steps: [CHAINS, noflush('-X E -j ACCEPT -s 1.1.1.1')] },
  { name: '-F with -o and -i', steps: [CHAINS, noflush('-F E -o eth1 -i eth0')] },
  { name: '-F with -g', steps: [CHAINS, noflush('-F E -g A')] },
  { name: '-D N with -p', steps: [CHAINS, noflush('-D A 1 -p tcp')] },
  { name: '-N and -F with -m', steps: [CHAINS, noflush('-N X -m comment --comment x\n-F A -m tcp')] },
  // What the kernel refuses at COMMIT, as iptables-restore prints it.
  { name: 'a target the table does not take', steps: [{ cmd: 'iptables-restore', stdin: '*nat\n-A INPUT -j REJECT\nCOMMIT\n' }] },
  { name: 'a rule the kernel refuses, inserted: RULE_INSERT', steps: [restore('-I INPUT ! -s 0.0.0.0/0 -j ACCEPT')] },
  { name: 'a rule the kernel refuses, replacing: RULE_REPLACE', steps: [RULES, noflush('-R A 1 -j REDIRECT')] },
  { name: 'a loop', steps: [restore(':X - [0:0]\n-A X -j X\n-A INPUT -j X')] },
  { name: 'a word after the rule', steps: [restore('-A INPUT -j ACCEPT extra')] },
  { name: '-Z under --counters of a rule with counters written in the batch: RULE_REPLACE', steps: [{ cmd: 'iptables-restore --counters', stdin: filter(':E - [0:0]\n[5:6] -A E -j ACCEPT\n-Z E') }] },
  { name: '-Z (every chain) under --counters of a rule with counters written in the batch', steps: [{ cmd: 'iptables-restore --counters', stdin: filter(':E - [0:0]\n[5:6] -A E -j ACCEPT\n-Z') }] },
  { name: '-Z under --counters of a rule written with [0:0]', steps: [{ cmd: 'iptables-restore --counters', stdin: filter(':E - [0:0]\n[0:0] -A E -j ACCEPT\n-Z E') }] },
  { name: '-P then -Z under --noflush: the committed policy', steps: [FORWARD_DROP, noflush('-P FORWARD ACCEPT\n-Z')] },
  { name: ':FORWARD ACCEPT then -Z FORWARD under --noflush', steps: [FORWARD_DROP, noflush(':FORWARD ACCEPT [0:0]\n-Z FORWARD')] },
  { name: '-Z between policies under --noflush', steps: [FORWARD_DROP, noflush(':FORWARD ACCEPT [0:0]\n-P FORWARD ACCEPT\n-Z\n-P INPUT DROP')] },
  { name: '-P then -Z without --noflush over a DROP policy', steps: [FORWARD_DROP, restore('-P FORWARD ACCEPT\n-Z')] },
  // A match's or target's checkentry refuses some options by hook, and nft_compat gives it the hook of a base
  // chain only (0 for a rule in a user chain): a rule in the base chain is refused, the same rule in a user chain
  // the base chain jumps to is not (hook-mask.ts entryHooks()).
  { name: '--physdev-out in OUTPUT', steps: [restore('-A OUTPUT -m physdev --physdev-out eth0 -j ACCEPT')] },
  { name: '--physdev-is-out in OUTPUT, with ! --physdev-is-bridged', steps: [restore('-A OUTPUT -m physdev --physdev-is-out ! --physdev-is-bridged -j ACCEPT')] },
  { name: '--physdev-out with --physdev-is-bridged in OUTPUT', steps: [restore('-A OUTPUT -m physdev --physdev-out eth0 --physdev-is-bridged -j ACCEPT')] },
  { name: '--physdev-out in a user chain OUTPUT jumps to', steps: [restore(':U - [0:0]\n-A U -m physdev --physdev-out eth0 -j ACCEPT\n-A OUTPUT -j U')] },
  { name: '--physdev-out in FORWARD', steps: [restore('-A FORWARD -m physdev --physdev-out eth0 -j ACCEPT')] },
  { name: 'addrtype --limit-iface-out in INPUT', steps: [restore('-A INPUT -m addrtype --dst-type LOCAL --limit-iface-out -j ACCEPT')] },
  { name: 'addrtype --limit-iface-in in OUTPUT', steps: [restore('-A OUTPUT -m addrtype --dst-type LOCAL --limit-iface-in -j ACCEPT')] },
  { name: 'addrtype --limit-iface-in in INPUT', steps: [restore('-A INPUT -m addrtype --dst-type LOCAL --limit-iface-in -j ACCEPT')] },
  { name: 'addrtype --limit-iface-out in a user chain INPUT jumps to', steps: [restore(':U - [0:0]\n-A U -m addrtype --dst-type LOCAL --limit-iface-out -j ACCEPT\n-A INPUT -j U')] },
  { name: 'TCPMSS --clamp-mss-to-pmtu in mangle INPUT', steps: [{ cmd: 'iptables-restore', stdin: '*mangle\n-A INPUT -p tcp --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu\nCOMMIT\n' }] },
  { name: 'TCPMSS --clamp-mss-to-pmtu in a user chain mangle INPUT jumps to', steps: [{ cmd: 'iptables-restore', stdin: '*mangle\n:U - [0:0]\n-A U -p tcp --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu\n-A INPUT -j U\nCOMMIT\n' }] },
  // A module's own hooks refuse a rule reached through a jump. The kernel checks a rule written in a base chain as
  // it is added; the rest once the commit found the table invalid, when the batch is replayed and each added rule
  // is followed by a whole-table check, so the first rule that leaves the table invalid is named (the later of the
  // refused rule and the jump reaching it, in its own chain) and every rule after it fails too: the kernel prints
  // one line per such rule, ours the first (table-validate.ts).
  { name: 'owner in a user chain, then the INPUT jump to it: the jump', steps: [restore(`:U - [0:0]\n-A U ${OWNER}\n-A INPUT -j U`)] },
  { name: 'the INPUT jump, then owner in the chain: the rule, and each rule after it', steps: [restore(`:U - [0:0]\n-A INPUT -j U\n-A U ${OWNER}\n-A U -j DROP\n-A FORWARD -j U`)] },
  { name: 'the jump, then lines after it: each is refused', steps: [restore(`:U - [0:0]\n-A U ${OWNER}\n-A INPUT -j U\n-A INPUT -j ACCEPT\n-A OUTPUT -j ACCEPT`)] },
  ...(['BAI', 'BIA', 'ABI', 'AIB', 'IBA', 'IAB'] as const).map((order) => ({
    name: `two deep, INPUT -> A -> B, lines in the order ${order}: the last`,
    steps: [restore(`:A - [0:0]\n:B - [0:0]\n${[...order].map((k) => ({ B: `-A B ${OWNER}`, A: '-A A -j B', I: '-A INPUT -j A' })[k]).join('\n')}`)],
  })),
  { name: 'two refused rules, then the jump', steps: [restore(`:U - [0:0]\n-A U ${OWNER}\n-A U -m owner --gid-owner 0 -j DROP\n-A INPUT -j U`)] },
  { name: 'the jump, then two refused rules', steps: [restore(`:U - [0:0]\n-A INPUT -j U\n-A U ${OWNER}\n-A U -m owner --gid-owner 0 -j DROP`)] },
  { name: 'jumps from OUTPUT, FORWARD and INPUT to a refused rule: FORWARD', steps: [restore(`:U - [0:0]\n-A U ${OWNER}\n-A OUTPUT -j U\n-A FORWARD -j U\n-A INPUT -j U`)] },
  { name: 'jumps from OUTPUT, FORWARD and INPUT, then the refused rule', steps: [restore(`:U - [0:0]\n-A OUTPUT -j U\n-A FORWARD -j U\n-A INPUT -j U\n-A U ${OWNER}`)] },
  { name: 'a goto reaches the refused rule', steps: [restore(`:U - [0:0]\n-A U ${OWNER}\n-A INPUT -g U`)] },
  { name: 'an -I jump reaches the refused rule: RULE_INSERT', steps: [restore(`:U - [0:0]\n-A U ${OWNER}\n-I INPUT -j U`)] },
  { name: 'a jump from an address list: one message per address', steps: [restore(`:U - [0:0]\n-A U ${OWNER}\n-A INPUT -s 1.1.1.1,2.2.2.2 -j U`)] },
  { name: 'owner in INPUT itself is refused as it is added, before a jump reaching owner elsewhere', steps: [restore(`:U - [0:0]\n-A U ${OWNER}\n-A INPUT ${OWNER}\n-A INPUT -j U`)] },
  { name: 'owner in INPUT itself, after a jump reaching owner elsewhere: owner in INPUT alone', steps: [restore(`:U - [0:0]\n-A U ${OWNER}\n-A INPUT -j U\n-A INPUT ${OWNER}`)] },
  { name: 'a jump, then physdev --physdev-out in OUTPUT: the OUTPUT rule alone', steps: [restore(`:U - [0:0]\n-A U ${OWNER}\n-A INPUT -j U\n-A OUTPUT -m physdev --physdev-out eth0 -j ACCEPT`)] },
  { name: 'MASQUERADE in a chain, then the PREROUTING jump', steps: [{ cmd: 'iptables-restore', stdin: '*nat\n:U - [0:0]\n-A U -j MASQUERADE\n-A PREROUTING -j U\nCOMMIT\n' }] },
  { name: 'the PREROUTING jump, then MASQUERADE', steps: [{ cmd: 'iptables-restore', stdin: '*nat\n:U - [0:0]\n-A PREROUTING -j U\n-A U -j MASQUERADE\nCOMMIT\n' }] },
  { name: 'MASQUERADE reached from POSTROUTING, then from OUTPUT', steps: [{ cmd: 'iptables-restore', stdin: '*nat\n:U - [0:0]\n-A U -p tcp -j MASQUERADE\n-A POSTROUTING -j U\n-A OUTPUT -j U\nCOMMIT\n' }] },
  { name: '--noflush: the refused rule committed before, the jump now', steps: [restore(`:U - [0:0]\n-A U ${OWNER}`), noflush('-A INPUT -j ACCEPT\n-A INPUT -j U\n-A INPUT -j DROP')] },
  { name: '--noflush: the jump committed before, the refused rule now (-I)', steps: [restore(':U - [0:0]\n-A INPUT -j U'), noflush(`-A U -j ACCEPT\n-I U ${OWNER}\n-A INPUT -j DROP`)] },
  { name: '--noflush: reached from OUTPUT before, from FORWARD now', steps: [restore(`:U - [0:0]\n-A U ${OWNER}\n-A OUTPUT -j U`), noflush('-A FORWARD -j U')] },
  { name: '--noflush: -R makes a reached rule a refused one: RULE_REPLACE', steps: [restore(':U - [0:0]\n-A U -j ACCEPT\n-A INPUT -j U'), noflush(`-R U 1 ${OWNER}`)] },
  // iptables-nft drops the batch's own earlier rules of a chain it flushes: they are never added, nor named.
  { name: 'a jump to a refused rule, flushed, then a jump from FORWARD', steps: [restore(`:U - [0:0]\n-A U ${OWNER}\n-A INPUT -j U\n-F INPUT\n-A INPUT -j ACCEPT\n-A FORWARD -j U`)] },
  { name: 'the jump, a refused rule, the chain flushed, the rule again', steps: [restore(`:U - [0:0]\n-A INPUT -j U\n-A U ${OWNER}\n-F U\n-A U ${OWNER}`)] },
  // -D is sent as it comes: the kernel adds the rule first, refused as it is added or by the replay's check.
  { name: 'owner in INPUT, deleted: refused as it was added', steps: [restore(`-A INPUT ${OWNER}\n-D INPUT 1`)] },
  { name: 'owner in INPUT, deleted by its spec', steps: [restore(`-A INPUT -j ACCEPT\n-A INPUT ${OWNER}\n-D INPUT ${OWNER}`)] },
  // Every message the kernel refuses is printed: as it processes them (a rule nft_compat's init refuses, the -D of
  // such a rule, -X of a busy chain; then no validation), or in the replay that validates after each rule.
  { name: 'rules refused as they are added: each', steps: [restore(`-A INPUT ${OWNER}\n-A INPUT -j ACCEPT\n-A FORWARD ${OWNER}\n-I INPUT ${OWNER}`)] },
  { name: '-D of a rule refused as it was added: RULE_DELETE, No such file or directory', steps: [restore(`-A INPUT ${OWNER}\n-A INPUT -j ACCEPT\n-D INPUT 1\n-D INPUT -j ACCEPT`)] },
  { name: 'a refused rule -F CHAIN dropped is not sent', steps: [restore(`-A INPUT ${OWNER}\n-A FORWARD ${OWNER}\n-F FORWARD\n-A OUTPUT -j ACCEPT\n-D OUTPUT 1`)] },
  { name: 'a refused rule and -X of a chain with rules and of a chain jumped to', steps: [restore(`:P - [0:0]\n:Q - [0:0]\n-A INPUT ${OWNER}\n-A P -j ACCEPT\n-X P\n-A INPUT -j Q\n-X Q`)] },
  { name: '-X of a chain with rules and jumped to: one message', steps: [restore(':P - [0:0]\n-A P -j ACCEPT\n-A INPUT -j P\n-X P')] },
  { name: 'the replay after a -D: a later rule accepted once the table is valid again', steps: [restore(`:U - [0:0]\n-A U ${OWNER}\n-A INPUT -j U\n-D INPUT 1\n-A OUTPUT -j ACCEPT\n-A FORWARD -j U\n-A INPUT -j ACCEPT`)] },
  { name: 'a jump to a refused rule, deleted: accepted (valid at COMMIT)', steps: [restore(`:U - [0:0]\n-A U ${OWNER}\n-A INPUT -j U\n-D INPUT 1`)] },
  { name: 'a jump to a refused rule, deleted, then a jump from FORWARD: the first jump', steps: [restore(`:U - [0:0]\n-A U ${OWNER}\n-A INPUT -j U\n-D INPUT 1\n-A FORWARD -j U`)] },
  { name: '--noflush: a kept jump, deleted after the refused rule', steps: [restore(':U - [0:0]\n-A INPUT -j U'), noflush(`-A U ${OWNER}\n-D INPUT 1\n-A FORWARD -j U`)] },
  { name: '--noflush: a kept jump, flushed after the refused rule', steps: [restore(':U - [0:0]\n-A INPUT -j U'), noflush(`-A U ${OWNER}\n-F INPUT\n-A FORWARD -j ACCEPT`)] },
  // -F with no chain leaves the batch's own rules in the kernel (an accepted one is kept; tested above as refused only).
  { name: '-F: owner in INPUT before it is refused as it was added', steps: [restore(`-A INPUT ${OWNER}\n-F`)] },
  { name: '-F: a jump to a refused rule before it is refused', steps: [restore(`:U - [0:0]\n-A U ${OWNER}\n-A INPUT -j U\n-F\n-A OUTPUT -j ACCEPT`)] },
  { name: '-F: a loop kept before a refused rule deleted later: the loop is met first', steps: [restore(`:A - [0:0]\n-A A -j A\n-F\n-A A ${OWNER}\n-A INPUT -j A\n-D A 1\n-A INPUT -j A`)] },
  { name: '-F: a refused rule before, a jump after', steps: [restore(`:U - [0:0]\n-A U ${OWNER}\n-F\n-A INPUT -j U`)] },
  // -F with no chain: nothing when the restore replaces the table or the kernel has none; `-F CHAIN` of every
  // chain over a kept table (restore-apply.ts).
  { name: '-F: the batch keeps its earlier rules', steps: [restore('-A INPUT -j ACCEPT\n-F\n-A OUTPUT -j ACCEPT')] },
  { name: '-F: over a table with rules, the batch keeps its earlier rules', steps: [restore('-A INPUT -j DROP\n-A FORWARD -j DROP'), restore('-A INPUT -j ACCEPT\n-F\n-A OUTPUT -j ACCEPT')] },
  { name: '-F, then -D of a rule written before it', steps: [restore('-A INPUT -j ACCEPT\n-F\n-D INPUT -j ACCEPT')] },
  { name: '-F INPUT drops the batch\'s INPUT rules', steps: [restore('-A INPUT -j ACCEPT\n-F INPUT\n-A OUTPUT -j ACCEPT')] },
  { name: '--noflush with no filter table: -F does nothing', steps: [noflush('-A INPUT -j ACCEPT\n-F\n-A OUTPUT -j ACCEPT')] },
  { name: '--noflush over a table: -F flushes the batch\'s rules too', steps: [restore('-A INPUT -j DROP\n-A FORWARD -j DROP'), noflush('-A INPUT -j ACCEPT\n-F\n-A OUTPUT -j ACCEPT')] },
  { name: '--noflush over a table: an owner rule in INPUT before -F is never sent', steps: [restore('-A FORWARD -j DROP'), noflush(`-A INPUT ${OWNER}\n-F\n-A OUTPUT -j ACCEPT`)] },
  { name: '--noflush over a table: -F, then -D of the batch\'s rule', steps: [restore('-A FORWARD -j DROP'), noflush('-A INPUT -j ACCEPT\n-F\n-D INPUT -j ACCEPT')] },
  { name: '--noflush over a table: -F INPUT keeps the other chains', steps: [restore('-A INPUT -j DROP\n-A FORWARD -j DROP'), noflush('-A INPUT -j ACCEPT\n-F INPUT\n-A OUTPUT -j ACCEPT')] },
  // A loop and a hook refusal reached at once: the errno of whichever the kernel's depth-first walk meets first.
  { name: 'MASQUERADE, then a self-loop, reached from PREROUTING: EINVAL', steps: [{ cmd: 'iptables-restore', stdin: '*nat\n:C2 - [0:0]\n-A C2 -j MASQUERADE\n-A C2 -j C2\n-A PREROUTING -j C2\nCOMMIT\n' }] },
  { name: 'a self-loop, then MASQUERADE, reached from PREROUTING: EMLINK', steps: [{ cmd: 'iptables-restore', stdin: '*nat\n:C2 - [0:0]\n-A C2 -j C2\n-A C2 -j MASQUERADE\n-A PREROUTING -j C2\nCOMMIT\n' }] },
  { name: 'a loop through a goto and REDIRECT reached from INPUT: EINVAL', steps: [{ cmd: 'iptables-restore', stdin: '*nat\n:C0 - [0:0]\n:C1 - [0:0]\n:C2 - [0:0]\n-A C0 -j C2\n-A C2 -j REDIRECT\n-A C1 -j MASQUERADE\n-A C1 -j C0\n-I C2 1 -g C0\n-A INPUT -j C1\nCOMMIT\n' }] },
  // Loops and paths too deep are found by the same check: the jump that closes them is named.
  { name: 'a loop closed after the INPUT jump', steps: [restore(':X - [0:0]\n-A INPUT -j X\n-A X -j X')] },
  { name: 'a loop of two closed after the INPUT jump', steps: [restore(':X - [0:0]\n:Y - [0:0]\n-A X -j Y\n-A INPUT -j X\n-A Y -j X')] },
  { name: 'a loop of two, then the INPUT jump', steps: [restore(':X - [0:0]\n:Y - [0:0]\n-A X -j Y\n-A Y -j X\n-A INPUT -j X\n-A OUTPUT -j ACCEPT')] },
  { name: '16 chains deep, the INPUT jump in the middle of the links', steps: [restore(nested((links) => [...links.slice(0, 7), '-A INPUT -j C1', ...links.slice(7)]))] },
  { name: '16 chains deep, the INPUT jump last', steps: [restore(nested((links) => [...links, '-A INPUT -j C1']))] },
  { name: '16 chains deep, the first link last', steps: [restore(nested((links) => [...links.slice(1), '-A INPUT -j C1', links[0]]))] },
  // Both a loop (EMLINK, reached from OUTPUT) and a refused rule (EINVAL, reached from FORWARD) after line 7: the
  // kernel names the one it meets first, walking the base chains in the order iptables-nft created them.
  { name: 'order: OUTPUT made first, the loop is met first', steps: [restore(bothProblems('-A OUTPUT -j ACCEPT'))] },
  { name: 'order: FORWARD made first, the refused rule is met first', steps: [restore(bothProblems('-A FORWARD -j ACCEPT'))] },
  { name: 'order: a policy line makes its chain', steps: [restore(bothProblems(':OUTPUT ACCEPT [0:0]'))] },
  { name: 'order: a chain line with no policy makes its chain', steps: [restore(bothProblems(':OUTPUT - [0:0]'))] },
  { name: 'order: -P makes its chain', steps: [restore(bothProblems('-P OUTPUT ACCEPT'))] },
  { name: 'order: -F CHAIN makes its chain', steps: [restore(bothProblems('-F OUTPUT'))] },
  { name: 'order: --noflush keeps the table\'s order', steps: [restore('-A OUTPUT -j ACCEPT'), noflush(bothProblems(''))] },
  { name: 'order: a plain restore makes the chains anew', steps: [restore('-A OUTPUT -j ACCEPT\n-A FORWARD -j ACCEPT'), restore(bothProblems(''))] },
  { name: 'order: the iptables tool makes one chain per command', steps: [{ cmd: 'iptables -A OUTPUT -j ACCEPT' }, noflush(bothProblems(''))] },
  // -F and -Z of every chain make none: INPUT alone, then OUTPUT and FORWARD as the batch names them.
  { name: 'order: -F with no chain makes none', steps: [restore(':INPUT ACCEPT [0:0]'), noflush(`-F\n${bothProblems('-A OUTPUT -j ACCEPT')}`)] },
  { name: 'order: iptables -F and -Z make none', steps: [restore(':INPUT ACCEPT [0:0]'), { cmd: 'iptables -F' }, { cmd: 'iptables -Z' }, noflush(bothProblems('-A OUTPUT -j ACCEPT'))] },
  { name: 'order: nat, OUTPUT before PREROUTING', steps: [natRestore(natBoth('-A OUTPUT -j ACCEPT'))] },
  { name: 'order: nat, PREROUTING before OUTPUT', steps: [natRestore(natBoth('-A POSTROUTING -j ACCEPT\n-A PREROUTING -j ACCEPT'))] },
  {
    name: 'order: mangle, INPUT before PREROUTING',
    steps: [{ cmd: 'iptables-restore', stdin: `*mangle\n:A - [0:0]\n:C - [0:0]\n-A POSTROUTING -j ACCEPT\n-A INPUT -j ACCEPT\n-A A -j A\n-A C ${OWNER}\n-A PREROUTING -j C\n-A INPUT -j A\n-A FORWARD -j ACCEPT\nCOMMIT\n` }],
  },
  // -X with no chain deletes the base chains with no rules and policy ACCEPT too: made again later, they come last.
  { name: 'order: iptables -X deletes idle base chains', steps: [restore(':INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]'), { cmd: 'iptables -X' }, noflush(bothProblems(''))] },
  { name: 'order: -X in the batch deletes idle base chains', steps: [restore(':OUTPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]'), noflush(`-X\n${bothProblems('')}`)] },
  { name: 'order: -X keeps a base chain with a rule or policy DROP', steps: [restore(':OUTPUT DROP [0:0]\n:FORWARD ACCEPT [0:0]\n-A INPUT -j ACCEPT'), { cmd: 'iptables -X' }, noflush(bothProblems(''))] },
  { name: 'order: -X sees the batch\'s rules, the table\'s policy', steps: [restore(':OUTPUT DROP [0:0]\n:FORWARD ACCEPT [0:0]\n-A FORWARD -j ACCEPT'), noflush(`-P OUTPUT ACCEPT\n-X\n${bothProblems('')}`)] },
  { name: 'order: -X deletes an idle base chain the table had', steps: [restore(':OUTPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n-A FORWARD -j ACCEPT'), noflush(`-X\n${bothProblems('-A OUTPUT -j ACCEPT')}`)] },
  { name: 'order: -X keeps a base chain the batch wrote a rule in', steps: [restore(':OUTPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n-A FORWARD -j ACCEPT'), noflush(`-A OUTPUT -j ACCEPT\n-X\n${bothProblems('')}`)] },
  { name: 'order: -X deletes an idle base chain the batch made', steps: [restore('-A INPUT -j ACCEPT'), noflush(`:OUTPUT ACCEPT [0:0]\n-X\n${bothProblems('')}`)] },
  // -X takes a base chain's policy from iptables' cache: the kernel's, ACCEPT for one the batch made; its rules are the batch's.
  { name: 'order: -X deletes a base chain the batch made with policy DROP', steps: [restore(`:OUTPUT DROP [0:0]\n-X\n${bothProblems('')}`)] },
  { name: 'order: -X deletes an idle base chain the batch set to DROP', steps: [restore(':OUTPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n-A INPUT -j ACCEPT'), noflush(`-P OUTPUT DROP\n-X\n${bothProblems('')}`)] },
  { name: 'a base chain -X deleted is saved with policy ACCEPT', steps: [restore(':OUTPUT DROP [0:0]\n-X'), restore(':INPUT ACCEPT [0:0]'), noflush('-P INPUT DROP\n-X')] },
  { name: 'order: -X deletes a base chain -F emptied', steps: [restore('-A OUTPUT -j ACCEPT\n:FORWARD ACCEPT [0:0]'), noflush(`-F OUTPUT\n-X\n${bothProblems('')}`)] },
  { name: 'order: -X deletes a base chain -D emptied', steps: [restore('-A OUTPUT -j ACCEPT\n:FORWARD ACCEPT [0:0]'), noflush(`-D OUTPUT 1\n-X\n${bothProblems('')}`)] },
  { name: 'order: -X keeps a base chain whose rules -F with no chain left', steps: [restore(`-A OUTPUT -j ACCEPT\n-F\n-X\n${bothProblems('')}`)] },
  // -I N looks rule N - 1 up: a base chain not made yet has none.
  { name: 'order: -I 1 makes its chain', steps: [restore(bothProblems('-I OUTPUT 1 -j ACCEPT'))] },
  { name: '-I 2 of a base chain not made yet', steps: [restore('-I OUTPUT 2 -j ACCEPT'), restore('-A INPUT -j ACCEPT'), noflush('-I OUTPUT 2 -j ACCEPT'), { cmd: 'iptables -I OUTPUT 2 -j ACCEPT' }, noflush('-I OUTPUT 1 -j ACCEPT\n-I OUTPUT 2 -j DROP\n-I OUTPUT 4 -j DROP')] },
  // A base chain no line made yet is not in iptables' cache: a lookup of a rule in it finds no chain.
  { name: 'order: -Z, -D N and -R of a base chain not made yet', steps: [restore('-Z OUTPUT'), restore('-D OUTPUT 1'), restore('-R OUTPUT 1 -j ACCEPT'), restore('-D OUTPUT -j ACCEPT')] },
  { name: 'order: -Z of a base chain not made yet, after a policy', steps: [restore('-P INPUT ACCEPT\n-Z OUTPUT'), restore(':INPUT DROP [0:0]\n-Z OUTPUT'), restore(':INPUT DROP [0:0]\n-D OUTPUT 1')] },
  { name: 'order: -Z of a base chain made by the batch', steps: [restore('-A OUTPUT -j ACCEPT\n-Z OUTPUT'), restore(':OUTPUT DROP [0:0]\n-Z OUTPUT\n-A INPUT -j ACCEPT')] },
  {
    name: 'order: iptables -Z, -D N and -R of a base chain the table does not hold',
    steps: [{ cmd: 'iptables -Z OUTPUT' }, { cmd: 'iptables -A INPUT -j ACCEPT' }, { cmd: 'iptables -Z OUTPUT' }, { cmd: 'iptables -D OUTPUT 1' }, { cmd: 'iptables -R OUTPUT 1 -j ACCEPT' }, { cmd: 'iptables -Z INPUT' }, noflush('-Z FORWARD')],
  },
  // A plain restore deletes the table at `*filter`; only a line that sends a message makes it again.
  { name: 'a plain restore of an empty block deletes the table', steps: [restore('-A INPUT -j ACCEPT'), restore('')] },
  { name: 'a plain restore of -F, -Z and -X alone deletes the table', steps: [restore('-A INPUT -j ACCEPT'), restore('-F\n-Z\n-X')] },
  { name: 'a plain restore of -N and -X makes the table', steps: [restore('-A INPUT -j ACCEPT'), restore('-N X\n-X X')] },
  { name: 'iptables -F, -Z and -X make no table', steps: [{ cmd: 'iptables -F' }, { cmd: 'iptables -Z' }, { cmd: 'iptables -X' }, { cmd: 'iptables -t nat -F' }] },
  {
    name: 'iptables: a jump to a chain with a refused rule',
    steps: [restore(`:U - [0:0]\n-A U ${OWNER}`), ...['iptables -A INPUT -j U', 'iptables -I INPUT -j U', 'iptables -A OUTPUT -j U', 'iptables -A FORWARD -g U'].map((cmd) => ({ cmd }))],
  },
  // The iptables tool: one transaction per command.
  {
    name: 'iptables -E, -R and -X',
    steps: [
      'iptables -N A', 'iptables -N B', 'iptables -A A -j ACCEPT', 'iptables -A INPUT -j A', 'iptables -A B -j A', 'iptables -X A',
      'iptables -E A B', 'iptables -E X C', 'iptables -E A C', 'iptables -E A', 'iptables -R C 2 -j DROP', 'iptables -R X 1 -j DROP',
      'iptables -R C 1 -s 1.1.1.1 -j DROP', 'iptables -R C 0 -j DROP', 'iptables -R C -j DROP', 'iptables -R C 1 -s 1.1.1.1,2.2.2.2 -j DROP',
      'iptables -P FORWARD DROP', 'iptables -Z', 'iptables -F C', 'iptables -X C',
    ].map((cmd) => ({ cmd })),
  },
];

/** What a command printed, line by line without trailing blanks. */
function lines(text: string): string[] {
  return text.split('\n').map((l) => l.trimEnd()).filter((l) => l !== '');
}

/** iptables-save without its dated comments, every counter [0:0]. */
function saveText(text: string): string {
  return stripSaveComments(text).replace(/\[\d+:\d+\]/g, '[0:0]');
}

type Ns = ReturnType<typeof toolNetns>;

function ours(n: Ns, step: Step): { ok: boolean; lines: string[] } {
  if (step.stdin !== undefined) {
    const out = applyIptablesRestore(n, { tool: 'iptables-restore', text: step.cmd, stdin: step.stdin, noflush: step.cmd.includes('--noflush'), counters: step.cmd.includes('--counters') });
    return { ok: out.length === 0, lines: lines(out.join('\n')) };
  }
  const p = parseCommand(step.cmd);
  // A command the parser refuses is printed as iptables prints a parameter problem.
  if (!p.ok) return { ok: false, lines: [`iptables v1.8.9 (nf_tables): ${p.errors[0].message}`, "Try `iptables -h' or 'iptables --help' for more information."] };
  const out = applyCommand(n, p.command, 0);
  return { ok: out.length === 0, lines: lines(out.join('\n')) };
}

const unavailable = kernelUnavailable(`${PREFIX}probe`);
if (unavailable !== undefined) console.warn(`restore commands kernel test ${REQUIRED ? 'cannot run' : 'skipped'}: ${unavailable}`);

if (REQUIRED && unavailable !== undefined) {
  describe('restore commands kernel test (PACKETWALK_KERNEL=required)', () => {
    it('has a kernel to test against', () => {
      expect.fail(`PACKETWALK_KERNEL=required but the kernel cannot be used: ${unavailable}`);
    });
  });
}

describe.skipIf(unavailable !== undefined)(`-E, -R, -X and -Z agree with iptables 1.8.9${unavailable !== undefined ? ` (skipped: ${unavailable})` : ''}`, () => {
  removeStaleNamespaces(STEM);

  CASES.forEach((c, i) => {
    it(c.name, async () => {
      const ns = `${PREFIX}${i}`;
      const add = run('ip', ['netns', 'add', ns], 5000);
      expect(add.code, add.err).toBe(0);
      try {
        const n = toolNetns();
        for (const step of c.steps) {
          const args = step.cmd.split(' ');
          const r = await runWithInput('ip', ['netns', 'exec', ns, ...args], step.stdin ?? '', TIMEOUT_MS);
          expect(r.timedOut, step.cmd).toBe(false);
          const mine = ours(n, step);
          const what = `${step.cmd}\n${step.stdin ?? ''}`;
          expect(mine.ok, `${what}\nkernel: ${r.err}\nours: ${mine.lines.join('\n')}`).toBe(r.code === 0);
          const kernel = lines(r.err);
          expect(mine.lines, what).toEqual(kernel);
        }
        const s = await runWithInput('ip', ['netns', 'exec', ns, 'iptables-save'], '', TIMEOUT_MS);
        expect(s.code, s.err).toBe(0);
        expect(saveText(n.nf ? printSave(n.nf.ruleset) : '')).toBe(saveText(s.out));
      } finally {
        deleteNamespace(ns);
      }
    });
  });

  it('--counters: a user chain keeps no [p:b] of its line, its rules keep theirs (iptables-save -c, counters compared)', async () => {
    const ns = `${PREFIX}counters`;
    const add = run('ip', ['netns', 'add', ns], 5000);
    expect(add.code, add.err).toBe(0);
    try {
      const n = toolNetns();
      const stdin = filter(':INPUT ACCEPT [5:6]\n:X - [3:4]\n:Y - [7:8]\n[9:10] -A X -j ACCEPT\n-A INPUT -j X');
      const r = await runWithInput('ip', ['netns', 'exec', ns, 'iptables-restore', '--counters'], stdin, TIMEOUT_MS);
      expect(r.timedOut).toBe(false);
      expect(r.code, r.err).toBe(0);
      expect(ours(n, { cmd: 'iptables-restore --counters', stdin }).ok).toBe(true);
      const s = await runWithInput('ip', ['netns', 'exec', ns, 'iptables-save', '-c'], '', TIMEOUT_MS);
      expect(s.code, s.err).toBe(0);
      // The kernel's built-in chains may have counted packets of their own since; the lines compared carry none.
      const wanted = (text: string): string[] => stripSaveComments(text).split('\n').filter((l) => l.startsWith(':X') || l.startsWith(':Y') || l.includes('-A X'));
      expect(wanted(printSave(n.nf!.ruleset, { counters: true }))).toEqual(wanted(s.out));
      expect(wanted(s.out)).toEqual([':X - [0:0]', ':Y - [0:0]', '[9:10] -A X -j ACCEPT']);
    } finally {
      deleteNamespace(ns);
    }
  });
});
