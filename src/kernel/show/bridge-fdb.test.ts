// Expected outputs are `bridge fdb show` captured from Linux 6.18 with iproute2 6.1, after the oracle's
// realizeCommands() built the same spec in namespaces prefixed `pwshow-<world>-`, with
// net.ipv6.conf.{all,default}.disable_ipv6=1 as baseline (IPv6 would add groups to every device's list).
// Same-namespace veth pairs were created from their second end, which gives the spec's ifindexes.

import { describe, expect, it } from 'vitest';
import { BridgeDevice } from '../index.js';
import type { WorldSpec } from '../index.js';
import { parseFdb } from '../link/fdb-syntax.js';
import { CAPTURED_BRY_MAC, bridgesWorld, netnsOf, portlessWorld, text, vxlanWorld } from './testdata/worlds.js';
import { multicastList, showFdb } from './bridge-fdb.js';

function fdb(line: string, bridgePort = true) {
  const r = parseFdb(line, { bridgePort });
  if (!r.ok) throw new Error(line);
  return r.value;
}

/** The bridges of ip-link.test.ts, with a static entry on a port. */
function bridges(entries = ['02:00:00:00:09:09 dev eth1 master static']): WorldSpec {
  return bridgesWorld(entries.map((e) => fdb(e)));
}

const portless = portlessWorld;

/** vx1 with two static remotes; vx2 with two default destinations (`append`). */
const vxlans = vxlanWorld([
  '02:00:00:00:00:99 dev vx1 dst 10.2.0.7 self static',
  '02:00:00:00:00:98 dev vx1 dst 10.2.0.7 self static',
  '00:00:00:00:00:00 dev vx2 dst 10.2.0.9 self permanent',
  '00:00:00:00:00:00 dev vx2 dst 10.2.0.8 self permanent',
].map((e) => fdb(e, false)));
const netns = netnsOf;

const capturedVxlan = text(
  '02:00:00:00:00:98 dev vx1 dst 10.2.0.7 self static',
  '02:00:00:00:00:99 dev vx1 dst 10.2.0.7 self static',
  '00:00:00:00:00:00 dev vx2 dst 10.2.0.9 self permanent',
  '00:00:00:00:00:00 dev vx2 dst 10.2.0.8 self permanent',
);
const linesOf = (t: string, dev: string): string => t.split('\n').filter((l) => l.includes(` dev ${dev} `)).map((l) => `${l}\n`).join('');

describe('showFdb on bridges', () => {
  it('prints each port after its bridge: entries newest first, the bridge own MAC, the multicast lists', () => {
    expect(showFdb(netns(bridges(), 'host'))).toBe(text(
      '33:33:00:00:00:01 dev br0 self permanent',
      '01:00:5e:00:00:6a dev br0 self permanent',
      '33:33:00:00:00:6a dev br0 self permanent',
      '01:00:5e:00:00:01 dev br0 self permanent',
      '02:00:00:00:01:00 dev br0 master br0 permanent',
      '02:00:00:00:01:01 dev eth0 master br0 permanent',
      '33:33:00:00:00:01 dev eth0 self permanent',
      '01:00:5e:00:00:01 dev eth0 self permanent',
      '02:00:00:00:09:09 dev eth1 master br0 static',
      '02:00:00:00:01:02 dev eth1 master br0 permanent',
      '33:33:00:00:00:01 dev eth1 self permanent',
      '01:00:5e:00:00:01 dev eth1 self permanent',
      '33:33:00:00:00:01 dev br1 self permanent',
      '01:00:5e:00:00:6a dev br1 self permanent',
      '33:33:00:00:00:6a dev br1 self permanent',
      '01:00:5e:00:00:01 dev br1 self permanent',
      '02:00:00:00:01:05 dev eth2 master br1 permanent',
      '33:33:00:00:00:01 dev eth2 self permanent',
      '01:00:5e:00:00:01 dev eth2 self permanent',
      '02:00:00:00:01:04 dev eth3 master br1 permanent',
      '33:33:00:00:00:01 dev eth3 self permanent',
      '01:00:5e:00:00:01 dev eth3 self permanent',
      '33:33:00:00:00:01 dev br2 self permanent',
      '01:00:5e:00:00:6a dev br2 self permanent',
      '33:33:00:00:00:6a dev br2 self permanent',
      '01:00:5e:00:00:01 dev br2 self permanent',
      '02:00:00:00:01:0b dev br2 master br2 permanent',
      '33:33:00:00:00:01 dev br3 self permanent',
      '01:00:5e:00:00:6a dev br3 self permanent',
      '33:33:00:00:00:6a dev br3 self permanent',
      '01:00:5e:00:00:01 dev br3 self permanent',
      '02:00:00:00:01:0c dev br3 master br3 permanent',
      '02:00:00:00:01:06 dev eth4 master br3 permanent',
      '33:33:00:00:00:01 dev eth4 self permanent',
      '01:00:5e:00:00:01 dev eth4 self permanent',
      '33:33:00:00:00:01 dev eth5 self permanent',
    ));
  });

  it('prints learned entries without a state word, before the older entries of their port', () => {
    const host = netns(bridges(), 'host');
    const br0 = host.device('br0');
    if (!(br0 instanceof BridgeDevice)) throw new Error('no br0');
    br0.fdb.learn('02:00:00:00:0c:01', 'eth0', 0);
    br0.fdb.learn('02:00:00:00:0c:02', 'eth1', 0);
    expect(showFdb(host)).toBe(text(
      '33:33:00:00:00:01 dev br0 self permanent',
      '01:00:5e:00:00:6a dev br0 self permanent',
      '33:33:00:00:00:6a dev br0 self permanent',
      '01:00:5e:00:00:01 dev br0 self permanent',
      '02:00:00:00:01:00 dev br0 master br0 permanent',
      '02:00:00:00:0c:01 dev eth0 master br0 ',
      '02:00:00:00:01:01 dev eth0 master br0 permanent',
      '33:33:00:00:00:01 dev eth0 self permanent',
      '01:00:5e:00:00:01 dev eth0 self permanent',
      '02:00:00:00:0c:02 dev eth1 master br0 ',
      '02:00:00:00:09:09 dev eth1 master br0 static',
      '02:00:00:00:01:02 dev eth1 master br0 permanent',
      '33:33:00:00:00:01 dev eth1 self permanent',
      '01:00:5e:00:00:01 dev eth1 self permanent',
      '33:33:00:00:00:01 dev br1 self permanent',
      '01:00:5e:00:00:6a dev br1 self permanent',
      '33:33:00:00:00:6a dev br1 self permanent',
      '01:00:5e:00:00:01 dev br1 self permanent',
      '02:00:00:00:01:05 dev eth2 master br1 permanent',
      '33:33:00:00:00:01 dev eth2 self permanent',
      '01:00:5e:00:00:01 dev eth2 self permanent',
      '02:00:00:00:01:04 dev eth3 master br1 permanent',
      '33:33:00:00:00:01 dev eth3 self permanent',
      '01:00:5e:00:00:01 dev eth3 self permanent',
      '33:33:00:00:00:01 dev br2 self permanent',
      '01:00:5e:00:00:6a dev br2 self permanent',
      '33:33:00:00:00:6a dev br2 self permanent',
      '01:00:5e:00:00:01 dev br2 self permanent',
      '02:00:00:00:01:0b dev br2 master br2 permanent',
      '33:33:00:00:00:01 dev br3 self permanent',
      '01:00:5e:00:00:6a dev br3 self permanent',
      '33:33:00:00:00:6a dev br3 self permanent',
      '01:00:5e:00:00:01 dev br3 self permanent',
      '02:00:00:00:01:0c dev br3 master br3 permanent',
      '02:00:00:00:01:06 dev eth4 master br3 permanent',
      '33:33:00:00:00:01 dev eth4 self permanent',
      '01:00:5e:00:00:01 dev eth4 self permanent',
      '33:33:00:00:00:01 dev eth5 self permanent',
    ));
  });

  it('prints an entry for the MAC of a bridge without ports, pinned or not', () => {
    const p = netns(portless, 'p');
    const expected = text(
      '33:33:00:00:00:01 dev eth0 self permanent',
      '01:00:5e:00:00:01 dev eth0 self permanent',
      '33:33:00:00:00:01 dev brx self permanent',
      '01:00:5e:00:00:6a dev brx self permanent',
      '33:33:00:00:00:6a dev brx self permanent',
      '01:00:5e:00:00:01 dev brx self permanent',
      '02:00:00:00:0d:01 dev brx master brx permanent',
      '33:33:00:00:00:01 dev bry self permanent',
      '01:00:5e:00:00:6a dev bry self permanent',
      '33:33:00:00:00:6a dev bry self permanent',
      '01:00:5e:00:00:01 dev bry self permanent',
      'ae:73:dd:11:69:d3 dev bry master bry permanent',
    );
    expect(showFdb(p)).toBe(expected.replace(CAPTURED_BRY_MAC, p.world.macFor('p', 'bry')));
  });

  it('prints an entry added on a port as permanent, newest first', () => {
    const out = showFdb(netns(bridges(['02:00:00:00:09:0a dev eth0 master permanent']), 'host'));
    expect(out).toContain(text('02:00:00:00:09:0a dev eth0 master br0 permanent', '02:00:00:00:01:01 dev eth0 master br0 permanent'));
  });

  // Model difference: parseFdb() reads no state word as not permanent; iproute2's fdb_modify() turns it into
  // NUD_PERMANENT ("Assume permanent"), so Linux makes a local entry and prints it as permanent.
  it('prints an entry added on a port without a state word as permanent', () => {
    const out = showFdb(netns(bridges(['02:00:00:00:09:0b dev eth0 master']), 'host'));
    expect(out).toContain('02:00:00:00:09:0b dev eth0 master br0 permanent\n');
  });
});

describe('showFdb on other devices', () => {
  it('prints the multicast list of a veth', () => {
    expect(showFdb(netns(bridges(), 'c1'))).toBe(text(
      '33:33:00:00:00:01 dev eth0 self permanent',
      '01:00:5e:00:00:01 dev eth0 self permanent',
    ));
    expect(showFdb(netns(portless, 'q'))).toBe(text(
      '33:33:00:00:00:01 dev eth0 self permanent',
    ));
  });

  it('prints a vxlan device table newest first and no multicast list for it', () => {
    expect(linesOf(showFdb(netns(vxlans, 'v')), 'vx1')).toBe(linesOf(capturedVxlan, 'vx1'));
  });

  // The vxlan fdb keeps one entry per default destination (`append`), each permanent.
  it('prints every default destination of a vxlan device, permanent', () => {
    expect(linesOf(showFdb(netns(vxlans, 'v')), 'vx2')).toBe(linesOf(capturedVxlan, 'vx2'));
  });

  it('leaves the multicast lists out when asked', () => {
    expect(showFdb(netns(bridges(), 'c1'), { multicast: false })).toBe('');
    expect(showFdb(netns(portless, 'p'), { multicast: false })).toBe(text(
      '02:00:00:00:0d:01 dev brx master brx permanent',
      `${netns(portless, 'p').world.macFor('p', 'bry')} dev bry master bry permanent`,
    ));
  });
});

describe('multicastList', () => {
  it('has ff02::1 from registration, the snoopers groups on an open bridge, 224.0.0.1 once up', () => {
    const host = netns(bridges(), 'host');
    const dev = (name: string) => {
      const d = host.device(name);
      if (!d) throw new Error(name);
      return d;
    };
    expect(multicastList(dev('eth5'))).toEqual(['33:33:00:00:00:01']);
    expect(multicastList(dev('eth0'))).toEqual(['33:33:00:00:00:01', '01:00:5e:00:00:01']);
    expect(multicastList(dev('br0'))).toEqual(['33:33:00:00:00:01', '01:00:5e:00:00:6a', '33:33:00:00:00:6a', '01:00:5e:00:00:01']);
  });
});
