// The extension modules packetwalk knows, by the name `-m` / `-j` load them (xtables_find_match() /
// xtables_find_target()).

import type { MatchModule, TargetModule } from './module.js';
import { addrtypeMatch } from './matches/addrtype.js';
import { commentMatch } from './matches/comment.js';
import { connmarkMatch } from './matches/connmark.js';
import { conntrackMatch } from './matches/conntrack.js';
import { icmpMatch } from './matches/icmp.js';
import { markMatch } from './matches/mark.js';
import { multiportMatch } from './matches/multiport.js';
import { nfacctMatch } from './matches/nfacct.js';
import { physdevMatch } from './matches/physdev.js';
import { recentMatch } from './matches/recent.js';
import { setMatch } from './matches/set.js';
import { stateMatch } from './matches/state.js';
import { statisticMatch } from './matches/statistic.js';
import { tcpMatch } from './matches/tcp.js';
import { udpMatch } from './matches/udp.js';
import { sctpMatch } from './matches/sctp.js';
import { iprangeMatch } from './matches/iprange.js';
import { lengthMatch } from './matches/length.js';
import { limitMatch } from './matches/limit.js';
import { hashlimitMatch } from './matches/hashlimit.js';
import { ownerMatch } from './matches/owner.js';
import { rpfilterMatch } from './matches/rpfilter.js';
import { nflogTarget } from './targets/nflog.js';
import { tcpmssTarget } from './targets/tcpmss.js';
import { acceptTarget } from './targets/accept.js';
import { connmarkTarget } from './targets/connmark.js';
import { ctTarget } from './targets/ct.js';
import { dnatTarget } from './targets/dnat.js';
import { dropTarget } from './targets/drop.js';
import { logTarget } from './targets/log.js';
import { markTarget } from './targets/mark.js';
import { masqueradeTarget } from './targets/masquerade.js';
import { notrackTarget } from './targets/notrack.js';
import { redirectTarget } from './targets/redirect.js';
import { rejectTarget } from './targets/reject.js';
import { returnTarget } from './targets/return.js';
import { snatTarget } from './targets/snat.js';
import { traceTarget } from './targets/trace.js';

const MATCHES: ReadonlyMap<string, MatchModule> = new Map(
  [tcpMatch, udpMatch, sctpMatch, icmpMatch, multiportMatch, commentMatch, markMatch, connmarkMatch, conntrackMatch, stateMatch,
    addrtypeMatch, statisticMatch, recentMatch, physdevMatch, nfacctMatch, setMatch, limitMatch, iprangeMatch, lengthMatch,
    ownerMatch, rpfilterMatch, hashlimitMatch].map((m) => [m.name, m]),
);

const TARGETS: ReadonlyMap<string, TargetModule> = new Map(
  [acceptTarget, dropTarget, returnTarget, rejectTarget, dnatTarget, snatTarget, masqueradeTarget, redirectTarget,
    markTarget, connmarkTarget, logTarget, traceTarget, notrackTarget, ctTarget, nflogTarget, tcpmssTarget].map((t) => [t.name, t]),
);

export function findMatch(name: string): MatchModule | undefined {
  return MATCHES.get(name);
}

/** Protocol matches loaded implicitly by `-p NAME` when an unknown option follows (load_proto() in xshared.c). */
export function findProtoMatch(proto: number): MatchModule | undefined {
  return proto === 6 ? tcpMatch : proto === 17 ? udpMatch : proto === 132 ? sctpMatch : proto === 1 ? icmpMatch : undefined;
}

export function findTarget(name: string): TargetModule | undefined {
  return TARGETS.get(name);
}

/**
 * Extensions iptables 1.8.9 ships that packetwalk does not model (extensions/libxt_*.c, libipt_*.c): naming
 * one is no mistake in the rules, so it is said plainly rather than as the real tool's "Couldn't load".
 */
const UNMODELLED_MATCHES = new Set([
  'bpf', 'cgroup', 'cluster', 'connbytes', 'connlabel', 'connlimit', 'cpu', 'dccp', 'devgroup', 'dscp', 'ecn', 'esp',
  'ah', 'helper', 'ipcomp', 'ipvs', 'mac', 'osf', 'pkttype', 'policy', 'quota', 'rateest', 'realm',
  'socket', 'string', 'tcpmss', 'time', 'tos', 'ttl', 'u32', 'ipv4options', 'l2tp',
]);
const UNMODELLED_TARGETS = new Set([
  'AUDIT', 'CHECKSUM', 'CLASSIFY', 'CLUSTERIP', 'CONNSECMARK', 'DSCP', 'ECN', 'HMARK', 'IDLETIMER', 'LED', 'NETMAP',
  'NFQUEUE', 'RATEEST', 'SECMARK', 'SET', 'SYNPROXY', 'TCPOPTSTRIP', 'TEE', 'TOS', 'TPROXY', 'TTL', 'ULOG',
]);

/** "`-m NAME` is not modelled by packetwalk" for a real extension, undefined otherwise. */
export function unmodelledExtension(kind: 'match' | 'target', name: string): string | undefined {
  const known = kind === 'match' ? UNMODELLED_MATCHES.has(name) && !MATCHES.has(name) : UNMODELLED_TARGETS.has(name) && !TARGETS.has(name);
  if (!known) return undefined;
  return kind === 'match'
    ? `-m ${name} is a real iptables match that packetwalk does not model (yet): the rule is fine, packetwalk cannot evaluate it`
    : `-j ${name} is a real iptables target that packetwalk does not model (yet): the rule is fine, packetwalk cannot evaluate it`;
}
