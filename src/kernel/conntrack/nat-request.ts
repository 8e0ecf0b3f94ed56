// What a NAT target asks of conntrack, with its addresses resolved (struct nf_nat_range2 plus the target
// kind), and which manipulation each netfilter hook performs (HOOK2MANIP() in nf_nat.h).

/** NF_NAT_MANIP_SRC (SNAT, MASQUERADE) or NF_NAT_MANIP_DST (DNAT, REDIRECT). */
export type NatManip = 'SRC' | 'DST';

/** The hooks with a nat table. */
export type NatHookName = 'PREROUTING' | 'OUTPUT' | 'INPUT' | 'POSTROUTING';

/**
 * A NAT binding request: an inclusive address range and, when `portMin`/`portMax` are set, a port range
 * (NF_NAT_RANGE_PROTO_SPECIFIED; for ICMP it limits the echo id). MASQUERADE and REDIRECT arrive with the
 * address the caller chose (the egress device's primary address; the input device's, or 127.0.0.1).
 */
export interface NatRequest {
  kind: 'dnat' | 'snat' | 'masquerade' | 'redirect';
  addrMin: number;
  addrMax: number;
  portMin?: number;
  portMax?: number;
  /** NF_NAT_RANGE_PROTO_RANDOM (`--random`) */
  random: boolean;
  /** NF_NAT_RANGE_PROTO_RANDOM_FULLY (`--random-fully`) */
  randomFully: boolean;
  /** NF_NAT_RANGE_PERSISTENT (`--persistent`): the address depends on the client only, not on the destination. */
  persistent: boolean;
}

/** The NAT request the rule engine's targets return (netfilter/verdict.ts), described here structurally. */
export interface RuleNatRequest {
  kind: 'dnat' | 'snat' | 'masquerade' | 'redirect';
  range: { minAddr: number; maxAddr: number; ports?: { min: number; max: number } } | null;
  flags: { random: boolean; randomFully: boolean; persistent: boolean };
}

/**
 * Turns a rule engine NAT verdict into a request. `addr` is required for MASQUERADE (the egress device's
 * primary address, nf_nat_masquerade_ipv4()) and REDIRECT (the input device's primary address or
 * 127.0.0.1, nf_nat_redirect_ipv4()); those targets only contribute ports and flags.
 */
export function natRequestOf(rule: RuleNatRequest, addr?: number): NatRequest {
  let lo: number;
  let hi: number;
  if (rule.kind === 'masquerade' || rule.kind === 'redirect') {
    if (addr === undefined) throw new Error(`invariant: ${rule.kind} needs the address the caller chose`);
    lo = hi = addr;
  } else {
    if (!rule.range) throw new Error(`invariant: ${rule.kind} without a range`);
    lo = rule.range.minAddr;
    hi = rule.range.maxAddr;
  }
  const req: NatRequest = { kind: rule.kind, addrMin: lo, addrMax: hi, ...rule.flags };
  const ports = rule.range?.ports;
  if (ports) {
    req.portMin = ports.min;
    req.portMax = ports.max;
  }
  return req;
}

/** Which manipulation a request performs. */
export function manipOfRequest(req: NatRequest): NatManip {
  return req.kind === 'dnat' || req.kind === 'redirect' ? 'DST' : 'SRC';
}

/** Linux: HOOK2MANIP(): destination NAT before routing (PREROUTING, OUTPUT), source NAT after (POSTROUTING, INPUT). */
export function manipOfHook(hook: NatHookName): NatManip {
  return hook === 'PREROUTING' || hook === 'OUTPUT' ? 'DST' : 'SRC';
}

/** NF_NAT_RANGE_PROTO_SPECIFIED */
export function protoSpecified(req: NatRequest): req is NatRequest & { portMin: number; portMax: number } {
  return req.portMin !== undefined && req.portMax !== undefined;
}

/** NF_NAT_RANGE_PROTO_RANDOM_ALL */
export function randomAll(req: NatRequest): boolean {
  return req.random || req.randomFully;
}
