// Protocol names: xtables_chain_protos[] first, then /etc/protocols (getprotobynumber()), as proto_to_name()
// and xtables_parse_protocol() in libxtables use them.

const CHAIN_PROTOS: ReadonlyArray<readonly [string, number]> = [
  ['tcp', 6], ['sctp', 132], ['udp', 17], ['udplite', 136], ['icmp', 1], ['ipv6-icmp', 58], ['esp', 50], ['ah', 51],
  ['ipv6-mh', 135], ['mh', 135], ['all', 0],
];

/** The Debian /etc/protocols the real tools read in this environment (first name per number). */
const ETC_PROTOCOLS: ReadonlyArray<readonly [string, number]> = [
  ['ip', 0], ['icmp', 1], ['igmp', 2], ['ggp', 3], ['ipencap', 4], ['st', 5], ['tcp', 6], ['egp', 8], ['igp', 9],
  ['pup', 12], ['udp', 17], ['hmp', 20], ['xns-idp', 22], ['rdp', 27], ['iso-tp4', 29], ['dccp', 33], ['xtp', 36],
  ['ddp', 37], ['idpr-cmtp', 38], ['ipv6', 41], ['ipv6-route', 43], ['ipv6-frag', 44], ['idrp', 45], ['rsvp', 46],
  ['gre', 47], ['esp', 50], ['ah', 51], ['skip', 57], ['ipv6-icmp', 58], ['ipv6-nonxt', 59], ['ipv6-opts', 60],
  ['rspf', 73], ['vmtp', 81], ['eigrp', 88], ['ospf', 89], ['ax.25', 93], ['ipip', 94], ['etherip', 97],
  ['encap', 98], ['pim', 103], ['ipcomp', 108], ['vrrp', 112], ['l2tp', 115], ['isis', 124], ['sctp', 132],
  ['fc', 133], ['mobility-header', 135], ['udplite', 136], ['mpls-in-ip', 137], ['manet', 138], ['hip', 139],
  ['shim6', 140], ['wesp', 141], ['rohc', 142], ['ethernet', 143],
];

/** xtables_parse_protocol(): a number 0..255 or a name (any case); undefined for unknown. */
export function parseProtocol(text: string): number | undefined {
  if (/^[0-9]+$/.test(text)) {
    const n = parseInt(text, 10);
    return n <= 255 ? n : undefined;
  }
  const name = text.toLowerCase();
  const hit = ETC_PROTOCOLS.find(([n]) => n === name) ?? CHAIN_PROTOS.find(([n]) => n === name);
  return hit?.[1];
}

/** proto_to_name(): how `-p` is printed; a number when no name is known. */
export function protocolName(num: number): string {
  const hit = CHAIN_PROTOS.find(([, n]) => n === num) ?? ETC_PROTOCOLS.find(([, n]) => n === num);
  return hit ? hit[0] : `${num}`;
}
