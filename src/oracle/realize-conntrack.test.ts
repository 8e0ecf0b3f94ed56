import { describe, expect, it } from 'vitest';
import { parseEntry } from '../kernel/conntrack/index.js';
import type { ConntrackSpec } from '../kernel/conntrack/index.js';
import type { WorldSpec } from '../kernel/netns/world-spec.js';
import { realizeCommands } from './realize.js';
import { conntrackInsertArgs } from './realize-conntrack.js';

function spec(line: string): ConntrackSpec {
  const r = parseEntry(line);
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

describe('conntrackInsertArgs', () => {
  it('states a DNAT and a masquerade with --dst-nat and --src-nat, not with the reply tuple', () => {
    const s = spec('udp      17 100 src=10.0.1.2 dst=10.96.0.10 sport=40000 dport=53 src=10.0.2.2 dst=10.0.2.1 sport=5353 dport=40000 [ASSURED] mark=0 use=1');
    expect(conntrackInsertArgs(s).join(' ')).toBe(
      '-I -p udp -s 10.0.1.2 -d 10.96.0.10 --sport 40000 --dport 53 --dst-nat 10.0.2.2:5353 --src-nat 10.0.2.1:40000 -t 100 -u SEEN_REPLY,ASSURED',
    );
  });

  it('gives an entry without NAT no NAT option, a TCP entry its --state, mark and zone when not 0', () => {
    const s = spec('tcp      6 118 SYN_SENT src=10.0.1.2 dst=10.0.2.2 sport=40010 dport=80 [UNREPLIED] src=10.0.2.2 dst=10.0.1.2 sport=80 dport=40010 mark=16 zone=3 use=1');
    expect(conntrackInsertArgs(s).join(' ')).toBe('-I -p tcp -s 10.0.1.2 -d 10.0.2.2 --sport 40010 --dport 80 -t 118 --state SYN_SENT -m 16 -w 3');
  });

  it('states an ICMP entry by type, code and id, and its NAT by address only', () => {
    const s = spec('icmp     1 30 src=10.0.1.2 dst=10.96.0.1 type=8 code=0 id=91 src=10.0.2.2 dst=10.0.2.1 type=0 code=0 id=91 mark=0 use=1');
    expect(conntrackInsertArgs(s).join(' ')).toBe(
      '-I -p icmp -s 10.0.1.2 -d 10.96.0.1 --icmp-type 8 --icmp-code 0 --icmp-id 91 --dst-nat 10.0.2.2 --src-nat 10.0.2.1 -t 30 -u SEEN_REPLY',
    );
  });

  it('inserts the entries after iptables-restore, inside the namespace', () => {
    const world: WorldSpec = {
      name: 'w',
      namespaces: [{
        name: 'r', sysctls: {}, links: [], routes: [], rules: [], neigh: [], fdb: [], listen: [],
        iptables: '*nat\nCOMMIT\n',
        conntrack: [spec('udp 17 9 src=1.1.1.1 dst=2.2.2.2 sport=1 dport=2 src=2.2.2.2 dst=1.1.1.1 sport=2 dport=1')],
      }],
    };
    const up = realizeCommands(world, 'p-').up;
    const ct = up.findIndex((c) => c.includes('conntrack -I'));
    expect(up[ct]).toBe("ip netns exec p-r conntrack -I -p udp -s 1.1.1.1 -d 2.2.2.2 --sport 1 --dport 2 -t 9 -u SEEN_REPLY");
    expect(up.findIndex((c) => c.includes('iptables-restore'))).toBeLessThan(ct);
  });
});
