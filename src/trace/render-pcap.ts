import { emitFrame } from '../packet/codec.js';
import type { Recorder } from '../sim/index.js';
import { writePcapng } from '../wire/pcapng.js';

/**
 * Where virtual time 0 sits on the capture's clock: 2024-01-01T00:00:00Z, fixed, so the same trace gives the
 * same file and readers show a plausible date (virtual milliseconds are added to it).
 */
export const PCAP_EPOCH_MICROS = 1_704_067_200_000_000;

/**
 * Every frame the trace put on a link or saw on a bridge or VXLAN device, as one pcapng file (Wireshark,
 * tcpdump -r). Each device crossed has its own interface block, named `netns/dev`, so one packet seen on two
 * links is two captures on two interfaces, not a retransmission on one; each packet's comment names the
 * device and the leg (0 is the first packet, then the answers).
 */
export function renderPcap(rec: Recorder): Uint8Array {
  const ids = new Map<string, number>();
  for (const c of rec.captures) {
    const name = `${c.netns}/${c.dev}`;
    if (!ids.has(name)) ids.set(name, ids.size);
  }
  return writePcapng(
    rec.captures.map((c) => ({
      timestampMicros: PCAP_EPOCH_MICROS + Math.round(c.t * 1000),
      data: emitFrame(c.frame),
      comment: `${c.netns}/${c.dev} leg ${c.leg}`,
      interfaceId: ids.get(`${c.netns}/${c.dev}`) ?? 0,
    })),
    { interfaces: [...ids.keys()].map((name) => ({ name })), application: 'packetwalk' },
  );
}
