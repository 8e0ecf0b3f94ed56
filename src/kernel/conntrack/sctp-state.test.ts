import { describe, expect, it } from 'vitest';
import { SCTP_CID_ABORT, SCTP_CID_DATA, SCTP_CID_INIT, SCTP_CID_INIT_ACK } from '../../wire/headers.js';
import { sctpNewState, sctpPacket } from './sctp-state.js';

describe('SCTP conntrack states (nf_conntrack_proto_sctp.c)', () => {
  it('an INIT leaves the entry CLOSED (as a 6.18 kernel lists it), INIT ACK makes it COOKIE_WAIT, the cookie exchange ESTABLISHED', () => {
    const s1 = sctpNewState(null, 'ORIGINAL', SCTP_CID_INIT);
    expect(s1).toBe('CLOSED');
    expect(sctpNewState(s1, 'ORIGINAL', SCTP_CID_INIT)).toBe('CLOSED');
    const s2 = sctpNewState(s1, 'REPLY', SCTP_CID_INIT_ACK);
    expect(s2).toBe('COOKIE_WAIT');
    const s3 = sctpNewState(s2, 'ORIGINAL', 10);
    expect(s3).toBe('COOKIE_ECHOED');
    const s4 = sctpNewState(s3, 'REPLY', 11);
    expect(s4).toBe('ESTABLISHED');
    expect(sctpPacket(s3, s4, 'REPLY')).toEqual({ timeout: 210, assured: true });
    expect(sctpPacket('CLOSED', s1, 'ORIGINAL')).toEqual({ timeout: 10, assured: false });
    expect(sctpPacket('CLOSED', s2, 'REPLY')).toEqual({ timeout: 3, assured: false });
  });

  it('closes on ABORT, and a first chunk other than INIT gives CLOSED', () => {
    expect(sctpNewState('COOKIE_WAIT', 'REPLY', SCTP_CID_ABORT)).toBe('CLOSED');
    expect(sctpNewState(null, 'ORIGINAL', SCTP_CID_DATA)).toBe('CLOSED');
    expect(sctpPacket('COOKIE_WAIT', 'CLOSED', 'REPLY')).toEqual({ timeout: 10, assured: false });
  });
});
