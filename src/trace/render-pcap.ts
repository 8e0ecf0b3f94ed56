import { emitFrame } from '../packet/codec.js';
import type { Recorder } from '../sim/index.js';
import { writePcapng } from '../wire/pcapng.js';

/**
 * Every frame the trace put on a link, as one pcapng file (Wireshark, tcpdump -r). Each packet's comment
 * names the namespace and device it was captured on and the leg (0 is the first packet, then the answers).
 */
export function renderPcap(rec: Recorder): Uint8Array {
  return writePcapng(
    rec.captures.map((c) => ({
      timestampMicros: Math.round(c.t * 1000),
      data: emitFrame(c.frame),
      comment: `${c.netns}/${c.dev} leg ${c.leg}`,
    })),
    { ifName: 'packetwalk', application: 'packetwalk' },
  );
}
