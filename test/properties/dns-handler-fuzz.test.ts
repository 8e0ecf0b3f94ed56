// Robustness of the DNS server's message handler: random bytes and mutated valid queries never make it
// throw, every reply it sends decodes with the query's id, and valid queries keep their exact answers.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DecodedPacket, RecordType } from 'dns-packet';
import { decode as rawDecode, encode } from 'dns-packet';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FixtureObjects } from '../../src/dns/fixture-view.js';
import { fixtureConfig, fixtureView } from '../../src/dns/fixture-view.js';
import { answerQuery } from '../../src/dns/kubernetes-plugin.js';
import type { QuestionHandler } from '../../src/dns/wire-handler.js';
import { handleDnsMessage } from '../../src/dns/wire-handler.js';

const here = dirname(fileURLToPath(import.meta.url));
const data = JSON.parse(readFileSync(join(here, '../conformance/coredns/coredns-kubernetes.json'), 'utf8')) as { fixture: { serve: FixtureObjects } };
const view = fixtureView(data.fixture.serve);
const cfg = fixtureConfig({ zones: ['cluster.local.'], namespaces: ['testns'] });
const answer: QuestionHandler = (q) => answerQuery(view, cfg, q);

const NAMES = ['svc1.testns.svc.cluster.local', 'hdls1.testns.svc.cluster.local', '_http._tcp.svc1.testns.svc.cluster.local', 'nope.testns.svc.cluster.local', 'cluster.local', 'dns-version.cluster.local', 'example.org'];
const TYPES = ['A', 'AAAA', 'SRV', 'TXT', 'PTR', 'SOA', 'NS', 'ANY', 'AXFR'] as RecordType[];

/** dns-packet's decode also reports the rcode by name. */
const decode = (b: Buffer): DecodedPacket & { rcode: string } => rawDecode(b) as DecodedPacket & { rcode: string };

const validQuery = fc.record({
  id: fc.integer({ min: 0, max: 0xffff }),
  name: fc.constantFrom(...NAMES),
  type: fc.constantFrom(...TYPES),
  edns: fc.boolean(),
}).map(({ id, name, type, edns }) =>
  encode({
    type: 'query',
    id,
    flags: 0x0100,
    questions: [{ name, type, class: 'IN' }],
    additionals: edns ? [{ type: 'OPT', name: '.', udpPayloadSize: 1232, flags: 0, options: [] } as never] : [],
  }),
);

/** A valid query with bytes flipped, cut, or inserted. */
const mutated = fc.tuple(validQuery, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom('set', 'cut', 'insert')), { minLength: 1, maxLength: 6 })).map(([q, edits]) => {
  let b = Buffer.from(q);
  for (const [at, byte, op] of edits) {
    const i = at % (b.length + 1);
    if (op === 'set' && i < b.length) b[i] = byte;
    else if (op === 'cut') b = b.subarray(0, i);
    else b = Buffer.concat([b.subarray(0, i), Buffer.from([byte]), b.subarray(i)]);
  }
  return new Uint8Array(b);
});

const randomBytes = fc.uint8Array({ minLength: 0, maxLength: 600 });

const probe = encode({ type: 'query', id: 4242, flags: 0x0100, questions: [{ name: 'svc1.testns.svc.cluster.local', type: 'A', class: 'IN' }] });

function probeStillAnswered(): void {
  const r = decode(handleDnsMessage(probe, 'udp', answer)!);
  expect(r.id).toBe(4242);
  expect(r.rcode).toBe('NOERROR');
  expect(r.answers?.map((a) => (a as { data: unknown }).data)).toEqual(['10.0.0.1']);
}

describe('DNS message handler under random and mutated packets', () => {
  it('never throws, replies decode with the query id, valid queries keep their answers (10,000+ packets)', () => {
    let replies = 0;
    fc.assert(
      fc.property(fc.oneof(randomBytes, mutated, validQuery), fc.constantFrom('udp', 'tcp') as fc.Arbitrary<'udp' | 'tcp'>, (msg, transport) => {
        const reply = handleDnsMessage(msg, transport, answer);
        if (reply === undefined) return;
        replies++;
        expect(reply.readUInt16BE(0)).toBe((msg[0]! << 8) | msg[1]!);
        expect(reply[2]! & 0x80).toBe(0x80);
        if (transport === 'udp') expect(reply.length).toBeLessThanOrEqual(0xffff);
        decode(reply);
      }),
      { seed: 20261206, numRuns: 12_000 },
    );
    expect(replies).toBeGreaterThan(1000);
    probeStillAnswered();
  });

  it('answers FORMERR to a header with no question and drops responses and runts', () => {
    const noQuestion = Buffer.from([0x12, 0x34, 0x01, 0x00, 0, 0, 0, 0, 0, 0, 0, 0]);
    const r = decode(handleDnsMessage(noQuestion, 'udp', answer)!);
    expect([r.id, r.rcode]).toEqual([0x1234, 'FORMERR']);
    expect(handleDnsMessage(Buffer.from([1, 2, 3]), 'udp', answer)).toBeUndefined();
    const resp = Buffer.from(probe);
    resp[2] = resp[2]! | 0x80;
    expect(handleDnsMessage(resp, 'udp', answer)).toBeUndefined();
    const notify = Buffer.from(probe);
    notify[2] = (notify[2]! & 0x87) | (2 << 3); // opcode STATUS
    expect(decode(handleDnsMessage(notify, 'udp', answer)!).rcode).toBe('NOTIMP');
    probeStillAnswered();
  });

  it('refuses zone transfers and echoes EDNS0', () => {
    const axfr = encode({ type: 'query', id: 7, questions: [{ name: 'cluster.local', type: 'AXFR', class: 'IN' }] });
    expect(decode(handleDnsMessage(axfr, 'tcp', answer)!).rcode).toBe('REFUSED');
    const q = encode({ type: 'query', id: 8, questions: [{ name: 'svc1.testns.svc.cluster.local', type: 'A', class: 'IN' }], additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 1400, flags: 0, options: [] } as never] });
    const r = decode(handleDnsMessage(q, 'udp', answer)!);
    const opt = r.additionals?.find((a) => a.type === 'OPT') as { udpPayloadSize: number } | undefined;
    expect(opt?.udpPayloadSize).toBe(1400);
    expect(r.flag_aa).toBe(true);
  });
});
