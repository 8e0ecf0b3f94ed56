// `net trace --pcap`: one interface block per device crossed (veth, bridge and VXLAN devices), timestamps on
// a fixed epoch plus the virtual clock, and one packet seen on two links as two interfaces' captures, not a
// retransmission on one. Checked with tshark as well when it is installed.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenarioFile } from '../src/scenario/load.js';
import { PCAP_EPOCH_MICROS } from '../src/trace/render-pcap.js';
import { renderPcap, runTraceRecorded } from '../src/trace/index.js';

interface Epb { iface: number; micros: bigint; data: Uint8Array }

/** IDB names and EPBs of a little-endian pcapng file, as a reader walks it. */
function readPcapng(file: Uint8Array): { interfaces: string[]; packets: Epb[] } {
  const v = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const interfaces: string[] = [];
  const packets: Epb[] = [];
  for (let at = 0; at < file.length;) {
    const type = v.getUint32(at, true);
    const len = v.getUint32(at + 4, true);
    if (type === 1) {
      const code = v.getUint16(at + 16, true);
      const n = v.getUint16(at + 18, true);
      interfaces.push(code === 2 ? new TextDecoder().decode(file.subarray(at + 20, at + 20 + n)) : '');
    } else if (type === 6) {
      const micros = (BigInt(v.getUint32(at + 12, true)) << 32n) | BigInt(v.getUint32(at + 16, true));
      const caplen = v.getUint32(at + 20, true);
      packets.push({ iface: v.getUint32(at + 8, true), micros, data: file.subarray(at + 28, at + 28 + caplen) });
    }
    at += len;
  }
  return { interfaces, packets };
}

function capture(scenario: string, traceName: string): Uint8Array {
  const res = loadScenarioFile(join(import.meta.dirname, '..', 'scenarios', scenario));
  if (!res.ok) throw new Error(`${scenario} must load`);
  const t = res.scenario.traces.find((x) => x.name === traceName);
  if (!t) throw new Error(`no trace ${traceName}`);
  return renderPcap(runTraceRecorded(res.scenario.world, t).recorder);
}

const VXLAN = ['vxlan-overlay.yaml', 'pod-a reaches pod-b over the overlay'] as const;

function hasTshark(): boolean {
  try {
    execFileSync('tshark', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('pcapng of a trace', () => {
  it('has one interface block per device crossed, bridges and VXLAN devices included', () => {
    const { interfaces, packets } = readPcapng(capture(...VXLAN));
    expect(interfaces).toEqual(expect.arrayContaining(['pod-a/eth0', 'node-a/cni0', 'node-a/flannel.1', 'node-a/eth0', 'node-b/flannel.1', 'node-b/cni0', 'node-b/veth-pod-b']));
    expect(new Set(interfaces).size).toBe(interfaces.length);
    expect(packets.every((p) => p.iface < interfaces.length)).toBe(true);
  });
  it('stamps packets from the virtual clock on the fixed epoch (2024-01-01)', () => {
    const { packets } = readPcapng(capture(...VXLAN));
    expect(packets.every((p) => p.micros >= BigInt(PCAP_EPOCH_MICROS) && p.micros < BigInt(PCAP_EPOCH_MICROS) + 60_000_000n)).toBe(true);
    expect(packets.map((p) => p.micros)).toEqual([...packets.map((p) => p.micros)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
  });
  it('never shows one frame twice on one interface (a retransmission that was not)', () => {
    const { packets } = readPcapng(capture(...VXLAN));
    const seen = new Set<string>();
    for (const p of packets) {
      const key = `${p.iface} ${Buffer.from(p.data).toString('hex')}`;
      expect(seen.has(key)).toBe(false);
      seen.add(key);
    }
  });
  it.runIf(hasTshark())('tshark reads it, names the interfaces, and sees no retransmission within any one of them', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pw-pcap-'));
    try {
      const file = join(dir, 'trace.pcapng');
      writeFileSync(file, capture(...VXLAN));
      const fields = ['frame.interface_name', 'frame.time_epoch', 'ip.src', 'ip.dst', 'tcp.srcport', 'tcp.dstport', 'tcp.seq_raw', 'tcp.flags'];
      const rows = execFileSync('tshark', ['-r', file, '-T', 'fields', ...fields.flatMap((f) => ['-e', f])], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
        .trim().split('\n').map((l) => l.split('\t'));
      expect(rows[0].slice(0, 2)).toEqual(['pod-a/eth0', '1704067200.000000000']);
      // What Wireshark's TCP analysis would call a retransmission within one interface: the same segment again.
      const segments = rows.filter((r) => r[6] !== '').map((r) => `${r[0]} ${r.slice(2).join(' ')}`);
      expect(segments.length).toBeGreaterThan(4);
      expect(new Set(segments).size).toBe(segments.length);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  if (!hasTshark()) it('tshark check', () => console.log('tshark is not installed: the tshark reading of the pcapng file is skipped'));
});
