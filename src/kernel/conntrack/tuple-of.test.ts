import { describe, expect, it } from 'vitest';
import { echo, icmpError, ip, tcp, udp } from '../../../test/conntrack/packets.js';
import { headerTuple, invertTuple, tupleOf } from './tuple-of.js';

describe('tupleOf', () => {
  it('takes TCP and UDP ports', () => {
    expect(tupleOf(tcp('10.0.1.2', 40000, '10.96.0.1', 80, 'S'))).toEqual({ proto: 6, src: ip('10.0.1.2'), sport: 40000, dst: ip('10.96.0.1'), dport: 80 });
    expect(tupleOf(udp('10.0.1.2', 5353, '10.0.2.2', 53))).toEqual({ proto: 17, src: ip('10.0.1.2'), sport: 5353, dst: ip('10.0.2.2'), dport: 53 });
  });

  it('keeps the echo id in sport and type<<8|code in dport', () => {
    expect(tupleOf(echo('10.0.1.2', '10.0.2.2', 20115))).toEqual({ proto: 1, src: ip('10.0.1.2'), sport: 20115, dst: ip('10.0.2.2'), dport: 8 << 8 });
  });

  it('gives an ICMP error the inverted tuple of the packet it quotes', () => {
    const syn = tcp('10.0.2.1', 40000, '10.0.3.3', 8080, 'S');
    const err = icmpError('10.0.2.2', '10.0.2.1', 3, 1, syn);
    expect(tupleOf(err)).toEqual(invertTuple(headerTuple(syn)));
    expect(tupleOf(err)).toEqual({ proto: 6, src: ip('10.0.3.3'), sport: 8080, dst: ip('10.0.2.1'), dport: 40000 });
  });

  it('refuses an error without a quote or quoting an error', () => {
    expect(tupleOf(icmpError('1.1.1.1', '2.2.2.2', 11, 0, icmpError('3.3.3.3', '4.4.4.4', 3, 3, udp('4.4.4.4', 1, '3.3.3.3', 2))))).toBeUndefined();
    const bare = icmpError('1.1.1.1', '2.2.2.2', 3, 3, udp('2.2.2.2', 1, '1.1.1.1', 2));
    if (bare.l4.proto === 'icmp') delete bare.l4.quoted;
    expect(tupleOf(bare)).toBeUndefined();
  });
});

describe('invertTuple', () => {
  it('swaps addresses and ports', () => {
    const t = headerTuple(tcp('10.0.1.2', 40000, '10.96.0.1', 80, 'S'));
    expect(invertTuple(t)).toEqual({ proto: 6, src: ip('10.96.0.1'), sport: 80, dst: ip('10.0.1.2'), dport: 40000 });
    expect(invertTuple(invertTuple(t))).toEqual(t);
  });

  it('turns an echo request into an echo reply with the same id', () => {
    const t = headerTuple(echo('10.0.1.2', '10.0.2.2', 7));
    expect(invertTuple(t)).toEqual({ proto: 1, src: ip('10.0.2.2'), sport: 7, dst: ip('10.0.1.2'), dport: 0 });
    expect(invertTuple(t)).toEqual(headerTuple(echo('10.0.2.2', '10.0.1.2', 7, 1, true)));
  });
});
