import { decode, encode } from 'dns-packet';
import type { DecodedPacket } from 'dns-packet';
import { describe, expect, it } from 'vitest';
import type { DnsResponse } from './kubernetes-plugin.js';
import type { Rr } from './rr.js';
import { handleDnsMessage } from './wire-handler.js';

const many: Rr[] = Array.from({ length: 40 }, (_, i) => ({ name: 'big.prod.svc.cluster.local.', ttl: 30, type: 'A', data: `10.244.0.${i + 1}` }));
const reply = (answer: Rr[]): DnsResponse => ({ rcode: 'NOERROR', authoritative: true, truncated: false, answer, authority: [], additional: [], by: 'kubernetes' });
const query = (edns?: { size: number; do: boolean }): Buffer =>
  encode({
    type: 'query',
    id: 99,
    flags: 0x0100,
    questions: [{ name: 'BIG.prod.svc.cluster.local', type: 'A', class: 'IN' }],
    additionals: edns === undefined ? [] : [{ type: 'OPT', name: '.', udpPayloadSize: edns.size, flags: edns.do ? 0x8000 : 0, options: [] } as never],
  });
const dec = (b: Buffer | undefined) => decode(b!) as DecodedPacket & { rcode: string };

describe('handleDnsMessage', () => {
  it('echoes id, question (case kept) and RD; sets AA; the rcode goes in the flags', () => {
    const r = dec(handleDnsMessage(query(), 'udp', () => ({ ...reply([]), rcode: 'NXDOMAIN' })));
    expect([r.id, r.questions?.[0]?.name, r.flag_rd, r.flag_aa, r.flag_ra, r.rcode]).toEqual([99, 'BIG.prod.svc.cluster.local', true, true, false, 'NXDOMAIN']);
  });
  it('cuts a UDP answer to whole records within 512 bytes and sets TC; TCP carries all of it', () => {
    const udp = handleDnsMessage(query(), 'udp', () => reply(many))!;
    expect(udp.length).toBeLessThanOrEqual(512);
    const r = dec(udp);
    expect(r.flag_tc).toBe(true);
    expect(r.answers!.length).toBeGreaterThan(5);
    expect(r.answers!.length).toBeLessThan(40);
    const tcp = dec(handleDnsMessage(query(), 'tcp', () => reply(many)));
    expect([tcp.flag_tc, tcp.answers!.length]).toEqual([false, 40]);
  });
  it('uses the client EDNS0 size and echoes an OPT with it and the DO bit', () => {
    const r = dec(handleDnsMessage(query({ size: 4096, do: true }), 'udp', () => reply(many)));
    expect([r.flag_tc, r.answers!.length]).toEqual([false, 40]);
    const opt = r.additionals!.find((a) => a.type === 'OPT') as { udpPayloadSize: number; flag_do: boolean };
    expect([opt.udpPayloadSize, opt.flag_do]).toEqual([4096, true]);
    const small = handleDnsMessage(query({ size: 1232, do: false }), 'udp', () => reply(many))!;
    expect(small.length).toBeLessThanOrEqual(1232);
    expect(dec(small).flag_tc).toBe(true);
  });
  it('keeps a TC bit the answer already carries (an upstream reply that was truncated)', () => {
    expect(dec(handleDnsMessage(query(), 'udp', () => ({ ...reply(many.slice(0, 1)), truncated: true }))).flag_tc).toBe(true);
  });
});
