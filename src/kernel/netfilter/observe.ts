// What a namespace's netfilter did, as structured data for tools that need more than the trace's hops (the
// `--iptables-save` tracer): each table's chain walked at a hook, with its EvalResult, and each NAT applied.
// The kernel reports through KernelEnv.nfObserver when one is given; nothing changes when none is.

import type { EvalResult } from './evaluate.js';
import type { NfFamily, NfHook } from './hooks.js';
import type { Ruleset, TableName } from './ruleset.js';

export type NfObservation =
  | {
    kind: 'chain';
    netns: string;
    leg: number;
    hook: NfHook;
    family: NfFamily;
    table: TableName;
    in: string | null;
    out: string | null;
    /** The packet's endpoints as the chain saw it (`A.B.C.D[:PORT]`). */
    src: string;
    dst: string;
    result: EvalResult;
    ruleset: Ruleset;
    /** skb->mark after the chain. */
    mark: number;
  }
  | {
    /** A NAT binding applied to the packet at `hook` (nf_nat_packet()); endpoints after it. */
    kind: 'nat';
    netns: string;
    leg: number;
    hook: NfHook;
    src: string;
    dst: string;
  };

export type NfObserver = (o: NfObservation) => void;
