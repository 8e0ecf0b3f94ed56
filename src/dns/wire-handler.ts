// DNS messages in and out (RFC 1035 §4, EDNS0 RFC 6891) around the pure kubernetes-plugin answer, the way
// CoreDNS's server (miekg/dns) frames them: DefaultMsgAcceptFunc's checks, FORMERR on unpack errors,
// SizeAndDo's OPT echo, Truncate() to the client's UDP size with TC. Never throws: bad input gets FORMERR or
// is dropped.

import type { Answer, DecodedPacket, Packet, Question } from 'dns-packet';
import { AUTHORITATIVE_ANSWER, CHECKING_DISABLED, RECURSION_DESIRED, TRUNCATED_RESPONSE, decode, encode } from 'dns-packet';
import type { DnsQuestion, DnsResponse } from './kubernetes-plugin.js';
import type { Rcode, Rr } from './rr.js';
import { RCODE_VALUES } from './rr.js';

export type Transport = 'udp' | 'tcp';

/** Answers one decoded question; the server's logic (answerQuery over a view, with its upstream). */
export type QuestionHandler = (q: DnsQuestion) => DnsResponse;

/** RFC 1035 §4.2.1: UDP messages without EDNS0 are limited to 512 bytes. */
export const UDP_DEFAULT_SIZE = 512;

const HEADER_LEN = 12;
/** The largest UDP payload over IPv4 (65535 - 20 - 8). */
const UDP_MAX_PAYLOAD = 65507;
const OPCODE_QUERY = 0;
const OPCODE_NOTIFY = 4;

/** A header-only reply (miekg SetRcodeFormatError): same id and opcode, QR set, `rcode`. */
function headerOnly(msg: Uint8Array, rcode: Rcode): Buffer {
  const out = Buffer.alloc(HEADER_LEN);
  out[0] = msg[0]!;
  out[1] = msg[1]!;
  out[2] = 0x80 | (msg[2]! & 0x78);
  out[3] = RCODE_VALUES[rcode];
  return out;
}

/** Handles one message; undefined means drop it (too short to answer, or itself a response). */
export function handleDnsMessage(msg: Uint8Array, transport: Transport, answer: QuestionHandler): Buffer | undefined {
  try {
    return handle(msg, transport, answer);
  } catch {
    // Only an encoder failure on a reply we built can land here; the client still gets an answer.
    return msg.length >= HEADER_LEN ? headerOnly(msg, 'SERVFAIL') : undefined;
  }
}

function handle(msg: Uint8Array, transport: Transport, answer: QuestionHandler): Buffer | undefined {
  if (msg.length < HEADER_LEN) return undefined; // no id to answer to
  const view = new DataView(msg.buffer, msg.byteOffset, msg.byteLength);
  const flags = view.getUint16(2);
  if ((flags & 0x8000) !== 0) return undefined; // a response: MsgIgnore
  const opcode = (flags >> 11) & 0xf;
  if (opcode !== OPCODE_QUERY && opcode !== OPCODE_NOTIFY) return headerOnly(msg, 'NOTIMP');
  const [qd, an, ns, ar] = [view.getUint16(4), view.getUint16(6), view.getUint16(8), view.getUint16(10)];
  if (qd !== 1 || an > 1 || ns > 1 || ar > 2) return headerOnly(msg, 'FORMERR'); // DefaultMsgAcceptFunc
  let q: DecodedPacket;
  try {
    q = decode(Buffer.from(msg.buffer, msg.byteOffset, msg.byteLength));
  } catch {
    return headerOnly(msg, 'FORMERR');
  }
  const question = q.questions?.[0];
  if (question === undefined || !questionRoundTrips(msg, question)) return headerOnly(msg, 'FORMERR');
  const opt = q.additionals?.find((a) => a.type === 'OPT');
  const r = answer({ name: question.name === '' ? '.' : question.name, type: String(question.type) });
  const reply: Packet = {
    type: 'response',
    id: q.id ?? 0,
    flags: (opcode << 11) | (r.authoritative ? AUTHORITATIVE_ANSWER : 0) | ((q.flags ?? 0) & (RECURSION_DESIRED | CHECKING_DISABLED)) | (r.truncated ? TRUNCATED_RESPONSE : 0) | RCODE_VALUES[r.rcode],
    // SetReply copies RD and CD. The question is echoed as decoded: dns-packet encodes types it cannot
    // name (HTTPS, SVCB) as 0 otherwise.
    questions: [question as Question],
    answers: r.answer.map(toPacket),
    authorities: r.authority.map(toPacket),
    additionals: r.additional.map(toPacket),
  };
  let limit = transport === 'tcp' ? 0xffff : UDP_DEFAULT_SIZE;
  if (opt !== undefined && opt.type === 'OPT') {
    // SizeAndDo: the reply carries an OPT with the client's UDP size and DO bit.
    reply.additionals!.push({ type: 'OPT', name: '.', udpPayloadSize: opt.udpPayloadSize, flags: opt.flags & 0x8000 } as Answer);
    if (transport === 'udp') limit = Math.max(UDP_DEFAULT_SIZE, Math.min(opt.udpPayloadSize, UDP_MAX_PAYLOAD));
  }
  return truncateTo(reply, limit);
}

/**
 * dns-packet reads labels as UTF-8 text, so a label holding a dot or bytes that are not UTF-8 would come back
 * as another name: such a question is answered FORMERR rather than echoed wrong.
 */
function questionRoundTrips(msg: Uint8Array, question: Question): boolean {
  let i = HEADER_LEN;
  while (i < msg.length && msg[i] !== 0) {
    if ((msg[i]! & 0xc0) !== 0) return true; // a compression pointer: dns-packet followed it, nothing to compare
    i += msg[i]! + 1;
  }
  const original = msg.subarray(HEADER_LEN, i + 5);
  const again = encode({ type: 'query', id: 0, questions: [question] }).subarray(HEADER_LEN);
  return Buffer.compare(Buffer.from(original), again) === 0;
}

/** miekg Truncate: keep answer, then authority, then additional records while they fit; TC if any was left out. */
function truncateTo(reply: Packet, limit: number): Buffer {
  const full = encode(reply);
  if (full.length <= limit) return full;
  const opt = reply.additionals!.filter((a) => a.type === 'OPT');
  const sections = [reply.answers!, reply.authorities!, reply.additionals!.filter((a) => a.type !== 'OPT')];
  const kept: Answer[][] = [[], [], []];
  const build = (): Packet => ({ ...reply, flags: (reply.flags ?? 0) | TRUNCATED_RESPONSE, answers: kept[0], authorities: kept[1], additionals: kept[2]!.concat(opt) });
  let best = encode(build());
  outer: for (let s = 0; s < 3; s++) {
    for (const rr of sections[s]!) {
      kept[s]!.push(rr);
      const b = encode(build());
      if (b.length > limit) {
        kept[s]!.pop();
        break outer;
      }
      best = b;
    }
  }
  return best;
}

const strip = (n: string): string => (n.length > 1 && n.endsWith('.') ? n.slice(0, -1) : n);

/** Our record as dns-packet's: names without the root dot. */
export function toPacket(rr: Rr): Answer {
  const base = { name: strip(rr.name), ttl: rr.ttl, class: 'IN' as const };
  switch (rr.type) {
    case 'A':
    case 'AAAA':
      return { ...base, type: rr.type, data: rr.data };
    case 'CNAME':
    case 'PTR':
    case 'NS':
      return { ...base, type: rr.type, data: strip(rr.data) };
    case 'SRV':
      return { ...base, type: 'SRV', data: { ...rr.data, target: strip(rr.data.target) } };
    case 'TXT':
      return { ...base, type: 'TXT', data: rr.data };
    case 'SOA':
      return { ...base, type: 'SOA', data: { ...rr.data, mname: strip(rr.data.mname), rname: strip(rr.data.rname) } };
  }
}
