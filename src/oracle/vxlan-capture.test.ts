import { describe, expect, it } from 'vitest';

import { buildWorld } from '../kernel/index.js';
import { loadScenarioFile } from '../scenario/load.js';
import { runTrace } from '../trace/run-trace.js';
import { compareVxlanOuter, emulatorVxlanOuter, parseTcpdumpVxlan, probeDirection, vxlanUnderlays } from './vxlan-capture.js';
import type { VxlanOuter } from './vxlan-capture.js';

/**
 * Captured for real: `tcpdump --immediate-mode -n -l -v -i eth0 udp port 8472` in node-a of
 * scenarios/vxlan-overlay.yaml (Linux, tcpdump 4.99.3), while pod-a pinged 10.244.1.0 and then sent a SYN to
 * 10.244.1.2:8080 (refused: no listener). tcpdump calls 8472 OTV and the VNI `instance`.
 */
const NODE_A_CAPTURE = [
  '22:21:40.478866 IP (tos 0x0, ttl 64, id 4135, offset 0, flags [none], proto UDP (17), length 134)',
  '    192.168.56.11.60552 > 192.168.56.12.8472: OTV, flags [I] (0x08), overlay 0, instance 1',
  'IP (tos 0x0, ttl 63, id 30850, offset 0, flags [DF], proto ICMP (1), length 84)',
  '    10.244.0.2 > 10.244.1.0: ICMP echo request, id 1168, seq 1, length 64',
  '22:21:40.479095 IP (tos 0x0, ttl 64, id 5510, offset 0, flags [none], proto UDP (17), length 134)',
  '    192.168.56.12.60552 > 192.168.56.11.8472: OTV, flags [I] (0x08), overlay 0, instance 1',
  'IP (tos 0x0, ttl 64, id 63319, offset 0, flags [none], proto ICMP (1), length 84)',
  '    10.244.1.0 > 10.244.0.2: ICMP echo reply, id 1168, seq 1, length 64',
  '22:21:40.496841 IP (tos 0x0, ttl 64, id 4139, offset 0, flags [none], proto UDP (17), length 110)',
  '    192.168.56.11.42969 > 192.168.56.12.8472: OTV, flags [I] (0x08), overlay 0, instance 1',
  'IP (tos 0x0, ttl 63, id 58074, offset 0, flags [DF], proto TCP (6), length 60)',
  '    10.244.0.2.34804 > 10.244.1.2.8080: Flags [S], cksum 0x171a (incorrect -> 0x4378), seq 2544874448, win 64860, options [mss 1410,sackOK,TS val 3958837618 ecr 0,nop,wscale 10], length 0',
  '22:21:40.496969 IP (tos 0x0, ttl 64, id 5513, offset 0, flags [none], proto UDP (17), length 90)',
  '    192.168.56.12.53697 > 192.168.56.11.8472: OTV, flags [I] (0x08), overlay 0, instance 1',
  'IP (tos 0x0, ttl 63, id 0, offset 0, flags [DF], proto TCP (6), length 40)',
  '    10.244.1.2.8080 > 10.244.0.2.34804: Flags [R.], cksum 0xa5df (correct), seq 0, ack 2544874449, win 0, length 0',
];

function load() {
  const r = loadScenarioFile('scenarios/vxlan-overlay.yaml');
  if (!r.ok) throw new Error('scenarios/vxlan-overlay.yaml does not load');
  return r.scenario;
}

describe('parseTcpdumpVxlan', () => {
  it('reads every outer header of a real -v capture, with its inner addresses', () => {
    expect(parseTcpdumpVxlan(NODE_A_CAPTURE)).toEqual([
      { time: '22:21:40.478866', src: '192.168.56.11', sport: 60552, dst: '192.168.56.12', dport: 8472, vni: 1, ttl: 64, df: false, innerSrc: '10.244.0.2', innerDst: '10.244.1.0' },
      { time: '22:21:40.479095', src: '192.168.56.12', sport: 60552, dst: '192.168.56.11', dport: 8472, vni: 1, ttl: 64, df: false, innerSrc: '10.244.1.0', innerDst: '10.244.0.2' },
      { time: '22:21:40.496841', src: '192.168.56.11', sport: 42969, dst: '192.168.56.12', dport: 8472, vni: 1, ttl: 64, df: false, innerSrc: '10.244.0.2', innerDst: '10.244.1.2' },
      { time: '22:21:40.496969', src: '192.168.56.12', sport: 53697, dst: '192.168.56.11', dport: 8472, vni: 1, ttl: 64, df: false, innerSrc: '10.244.1.2', innerDst: '10.244.0.2' },
    ]);
  });

  it('reads the VXLAN wording of port 4789, a DF flag, and an -i any direction', () => {
    const [o] = parseTcpdumpVxlan([
      '10:00:00.000001 eth0  Out IP (tos 0x0, ttl 17, id 1, offset 0, flags [DF], proto UDP (17), length 84)',
      '    10.0.0.1.33000 > 10.0.0.2.4789: VXLAN, flags [I] (0x08), vni 42',
    ]);
    expect(o).toEqual({ time: '10:00:00.000001', src: '10.0.0.1', sport: 33000, dst: '10.0.0.2', dport: 4789, vni: 42, ttl: 17, df: true });
  });

  it('ignores the header lines of the capture and a header without a VXLAN line', () => {
    expect(parseTcpdumpVxlan([
      'tcpdump: listening on eth0, link-type EN10MB (Ethernet), snapshot length 262144 bytes',
      '22:21:40.478866 IP (tos 0x0, ttl 64, id 4135, offset 0, flags [none], proto UDP (17), length 134)',
      '    192.168.56.11.60552 > 192.168.56.12.53: 1+ A? example. (30)',
    ])).toEqual([]);
  });
});

describe('emulatorVxlanOuter', () => {
  it('takes the first vxlan-encap hop and the outer packet routed after it', () => {
    const sc = load();
    const t = runTrace(buildWorld(sc.world), sc.traces[0], { seed: 1 });
    const o = emulatorVxlanOuter(t.hops);
    expect(o).toMatchObject({ src: '192.168.56.11', dst: '192.168.56.12', dport: 8472, vni: 1, netns: 'node-a' });
    expect(o?.sport).toBeGreaterThanOrEqual(32768);
    expect(o?.sport).toBeLessThanOrEqual(60999);
  });

  it('is undefined without a VXLAN hop', () => {
    expect(emulatorVxlanOuter([])).toBeUndefined();
  });
});

describe('compareVxlanOuter', () => {
  const [kernel] = parseTcpdumpVxlan(NODE_A_CAPTURE);
  const emulator: VxlanOuter = { src: '192.168.56.11', sport: 53605, dst: '192.168.56.12', dport: 8472, vni: 1 };
  const cases: { name: string; emulator?: VxlanOuter; kernel?: VxlanOuter; problems: string[] }[] = [
    { name: 'equal but for the hashed source port', emulator, kernel, problems: [] },
    { name: 'another VNI', emulator: { ...emulator, vni: 2 }, kernel, problems: ['vni 2 vs 1'] },
    { name: 'another destination and port', emulator: { ...emulator, dst: '192.168.56.13', dport: 4789 }, kernel, problems: ['outer dst 192.168.56.13 vs 192.168.56.12', 'dport 4789 vs 8472'] },
    { name: 'a source port out of range', emulator: { ...emulator, sport: 1024 }, kernel, problems: ['emulator sport 1024 outside 32768-60999'] },
    { name: 'the kernel sets DF and another TTL', emulator, kernel: { ...kernel, ttl: 1, df: true }, problems: ['kernel outer ttl 1, not 64', 'kernel outer DF set'] },
    { name: 'no packet in the kernel', emulator, problems: ['no VXLAN packet on the underlay'] },
    { name: 'no packet in the emulator', kernel, problems: ['only the kernel sent a VXLAN packet'] },
    { name: 'no packet on either side', problems: [] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(compareVxlanOuter(c.emulator, c.kernel)).toEqual({ agree: c.problems.length === 0, problems: c.problems });
    });
  }
});

describe('probeDirection and vxlanUnderlays', () => {
  it('picks the first packet from the trace source, whichever capture saw it', () => {
    const sc = load();
    const outers = parseTcpdumpVxlan(NODE_A_CAPTURE);
    const reversed = [...outers].reverse();
    expect(probeDirection(reversed, sc.world, sc.traces[0])?.time).toBe('22:21:40.478866');
    expect(probeDirection(outers.slice(1), sc.world, sc.traces[0])?.time).toBe('22:21:40.496841');
  });

  it('captures on the underlay device of each node', () => {
    expect(vxlanUnderlays(load().world)).toEqual([
      { netns: 'node-a', dev: 'eth0', dstports: [8472] },
      { netns: 'node-b', dev: 'eth0', dstports: [8472] },
    ]);
  });
});
