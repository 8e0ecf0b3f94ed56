import type { Hop, Leg, Trace } from '../trace/model.js';
import type { DnsExpect, ExpectSpec } from './model.js';
import { canonicalRule } from '../kernel/netfilter/index.js';

/** Does a hop show `want`? "dev X", "NS/DEV", a stage name, "vxlan", or words of its detail. */
function hopShows(h: Hop, want: string): boolean {
  const dev = /^dev\s+(\S+)$/.exec(want);
  if (dev) return h.dev === dev[1];
  if (/^[^\s/]+\/[^\s/]+$/.test(want) && !/^\d/.test(want)) return `${h.netns}/${h.dev ?? ''}` === want;
  if (h.stage === want) return true;
  if (want === 'vxlan') return h.stage === 'vxlan-encap' || h.stage === 'vxlan-decap';
  return h.detail.includes(want) || (h.packet ?? '').includes(want);
}

function samePeer(seen: string, want: string): boolean {
  return want.includes(':') ? seen === want : seen.split(':')[0] === want;
}

/** Checks one leg against its expectations; every mismatch is reported, as "field: expected X, got Y". */
function checkLeg(leg: Leg, e: ExpectSpec, prefix: string): string[] {
  const out: string[] = [];
  const got = (v: unknown): string => (v === null || v === undefined ? 'nothing' : String(v));
  if (e.disposition !== undefined && leg.disposition !== e.disposition) {
    out.push(`${prefix}disposition: expected ${e.disposition}, got ${leg.disposition}${leg.reason ? ` (${leg.reason})` : ''}`);
  }
  if (e.reason !== undefined && leg.reason !== e.reason) out.push(`${prefix}reason: expected ${e.reason}, got ${got(leg.reason)}`);
  if (e.deliveredTo?.netns !== undefined && leg.deliveredTo?.netns !== e.deliveredTo.netns) {
    out.push(`${prefix}deliveredTo.netns: expected ${e.deliveredTo.netns}, got ${got(leg.deliveredTo?.netns)}`);
  }
  if (e.deliveredTo?.addr !== undefined && !samePeer(leg.deliveredTo?.addr ?? '', e.deliveredTo.addr)) {
    out.push(`${prefix}deliveredTo.addr: expected ${e.deliveredTo.addr}, got ${got(leg.deliveredTo?.addr)}`);
  }
  if (e.peerSeen !== undefined && !samePeer(leg.deliveredTo?.peerSeen ?? '', e.peerSeen)) {
    out.push(`${prefix}peerSeen: expected ${e.peerSeen}, got ${got(leg.deliveredTo?.peerSeen)}`);
  }
  if (e.icmp?.type !== undefined && leg.icmp?.type !== e.icmp.type) out.push(`${prefix}icmp.type: expected ${e.icmp.type}, got ${got(leg.icmp?.type)}`);
  if (e.icmp?.from !== undefined && leg.icmp?.from !== e.icmp.from) out.push(`${prefix}icmp.from: expected ${e.icmp.from}, got ${got(leg.icmp?.from)}`);
  for (const v of e.via ?? []) {
    if (!leg.hops.some((h) => hopShows(h, v))) out.push(`${prefix}via: no hop shows "${v}"`);
  }
  for (const r of e.rules ?? []) for (const p of checkRule(leg, r, prefix)) out.push(p);
  return out;
}

/** The rules that matched on a leg, as iptables-save prints them, in walk order. */
function matchedRules(leg: Leg): string[] {
  const seen = new Set<string>();
  for (const h of leg.hops) {
    if (h.stage !== 'netfilter') continue;
    for (const f of h.facts ?? []) if (f.startsWith('match ')) seen.add(f.slice(6).trim());
    if (h.rule) seen.add(h.rule);
  }
  return [...seen];
}

const NEAR_MISSES = 5;

/**
 * `expect.rules`: the expected text and the matched rules are compared as iptables-save prints them, so
 * `-p tcp --dport 22` equals `-p tcp -m tcp --dport 22`. A miss shows the canonical form and the rules that
 * did match in the same chain.
 */
function checkRule(leg: Leg, r: string, prefix: string): string[] {
  const c = canonicalRule(r);
  const matched = matchedRules(leg);
  const wanted = c.ok ? c.texts : [r.trim()];
  if (wanted.some((w) => matched.includes(w))) return [];
  const lines = [`${prefix}rules: "${r}" did not match on the way`];
  if (!c.ok) {
    lines.push(`    iptables-restore would refuse it${c.column ? ` (column ${c.column})` : ''}: ${c.message}`);
    return [lines.join('\n')];
  }
  if (c.texts.join('\n') !== r.trim()) lines.push(`    as iptables-save prints it: ${c.texts.join(' | ')}`);
  const same = matched.filter((m) => m === `-A ${c.chain}` || m.startsWith(`-A ${c.chain} `));
  if (same.length === 0) lines.push(`    no rule of ${c.chain} matched`);
  else {
    lines.push(`    matched in ${c.chain}:`);
    for (const m of same.slice(0, NEAR_MISSES)) lines.push(`      ${m}`);
    if (same.length > NEAR_MISSES) lines.push(`      (and ${same.length - NEAR_MISSES} more)`);
  }
  return [lines.join('\n')];
}

/** The branch destinations a trace explored (TraceBranch.dst), sorted. */
function branchDestinations(t: Trace): string[] {
  return (t.branches as { dst?: unknown }[]).map((b) => String(b.dst)).sort();
}

/** All the ways a trace differs from what its scenario expects (empty: it passes). */
export function checkExpectations(t: Trace, e: ExpectSpec): string[] {
  const out = checkLeg(t, e, '');
  if (e.branches) {
    const want = [...e.branches].sort();
    const got = branchDestinations(t);
    if (want.join(',') !== got.join(',')) out.push(`branches: expected ${want.join(', ')}, got ${got.join(', ') || 'none (nothing random)'}`);
    else if (t.branchesTruncated) out.push('branches: the exploration stopped before every outcome was found, so the set cannot be checked');
  }
  if (e.dns) for (const p of checkDns(t, e.dns)) out.push(p);
  if (e.reply) {
    if (!t.reply) out.push('reply: expected a reply, there was none');
    else for (const p of checkLeg(t.reply, e.reply, 'reply.')) out.push(p);
  }
  return out;
}

/** `expect.dns`: the lookup of a destination given by name. */
function checkDns(t: Trace, e: DnsExpect): string[] {
  const d = t.dns;
  if (d === undefined) return ['dns: expected a lookup, but the destination is not a name'];
  const out: string[] = [];
  if (e.result !== undefined && d.result !== e.result) out.push(`dns.result: expected ${e.result}, got ${d.result}${d.error ? ` (${d.error})` : ''}`);
  if (e.answeredName !== undefined && d.answeredName !== e.answeredName) out.push(`dns.answeredName: expected ${e.answeredName}, got ${d.answeredName ?? 'none'}`);
  if (e.address !== undefined && d.address !== e.address) out.push(`dns.address: expected ${e.address}, got ${d.address ?? 'none'}`);
  if (e.queries !== undefined && d.queries.length !== e.queries) out.push(`dns.queries: expected ${e.queries} queries, got ${d.queries.length}`);
  for (const r of e.rules ?? []) {
    const legs = d.queries.flatMap((q) => (q.trace.reply === null ? [q.trace] : [q.trace, q.trace.reply]));
    const misses = legs.map((leg) => checkRule(leg, r, 'dns.'));
    if (!misses.some((m) => m.length === 0)) out.push(misses[0]?.[0] ?? `dns.rules: no query matched ${r}`);
  }
  if (e.cache !== undefined) {
    const other = d.queries.filter((q) => q.cache !== e.cache);
    if (other.length > 0) out.push(`dns.cache: expected every query to be a cache ${e.cache}, ${other.length} ${other.length === 1 ? 'was' : 'were'} ${other.map((q) => q.cache ?? 'not answered by NodeLocal DNSCache').join(', ')}`);
  }
  for (const who of e.answeredBy ?? []) {
    if (!d.queries.some((q) => q.answeredBy !== null && (q.answeredBy.pod === who || q.answeredBy.netns === who))) {
      const got = [...new Set(d.queries.flatMap((q) => (q.answeredBy === null ? [] : [q.answeredBy.pod ?? q.answeredBy.netns])))];
      out.push(`dns.answeredBy: expected ${who} to answer, answers came from ${got.length === 0 ? 'nobody' : got.join(', ')}`);
    }
  }
  return out;
}
