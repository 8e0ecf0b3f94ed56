import type { Hop, Leg, Trace } from '../trace/model.js';
import type { ExpectSpec } from './model.js';

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
  for (const r of e.rules ?? []) {
    const matched = leg.hops.some((h) => h.rule === r || (h.facts ?? []).some((f) => f.startsWith('match ') && f.slice(6).trim() === r));
    if (!matched) out.push(`${prefix}rules: "${r}" did not match on the way`);
  }
  return out;
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
  }
  if (e.reply) {
    if (!t.reply) out.push('reply: expected a reply, there was none');
    else for (const p of checkLeg(t.reply, e.reply, 'reply.')) out.push(p);
  }
  return out;
}
