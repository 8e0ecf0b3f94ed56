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
  [tcpMatch, udpMatch, icmpMatch, multiportMatch, commentMatch, markMatch, connmarkMatch, conntrackMatch, stateMatch,
    addrtypeMatch, statisticMatch, recentMatch, physdevMatch, nfacctMatch, setMatch].map((m) => [m.name, m]),
);

const TARGETS: ReadonlyMap<string, TargetModule> = new Map(
  [acceptTarget, dropTarget, returnTarget, rejectTarget, dnatTarget, snatTarget, masqueradeTarget, redirectTarget,
    markTarget, connmarkTarget, logTarget, traceTarget, notrackTarget, ctTarget].map((t) => [t.name, t]),
);

export function findMatch(name: string): MatchModule | undefined {
  return MATCHES.get(name);
}

/** Protocol matches loaded implicitly by `-p NAME` when an unknown option follows (load_proto() in xshared.c). */
export function findProtoMatch(proto: number): MatchModule | undefined {
  return proto === 6 ? tcpMatch : proto === 17 ? udpMatch : proto === 1 ? icmpMatch : undefined;
}

export function findTarget(name: string): TargetModule | undefined {
  return TARGETS.get(name);
}
