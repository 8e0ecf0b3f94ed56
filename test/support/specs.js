import { parseIpv4, parsePrefix } from '../../src/wire/ipv4-addr.js';
export function ip(text) {
    const a = parseIpv4(text);
    if (a === undefined)
        throw new Error(`bad address ${text}`);
    return a;
}
export function ns(name, links, extra = {}) {
    return { name, sysctls: {}, links, routes: [], rules: [], neigh: [], fdb: [], listen: [], ...extra };
}
export function veth(name, peer, ...addrs) {
    const [pns, pdev] = peer.split('/');
    return { name, type: 'veth', peer: { netns: pns, dev: pdev }, addresses: addrs.map(addr) };
}
export function addr(text) {
    const p = parsePrefix(text);
    if (!p)
        throw new Error(`bad prefix ${text}`);
    return { addr: p.addr, len: p.len };
}
/** A tiny `ip route` reader for tests: "default via A [dev D]" or "P/L dev D" or "P/L via A". */
export function route(text, table = 254) {
    const w = text.split(/\s+/);
    const dst = w[0] === 'default' ? { addr: 0, len: 0 } : addr(w[0]);
    const at = (k) => (w.indexOf(k) >= 0 ? w[w.indexOf(k) + 1] : undefined);
    const via = at('via');
    return { text, type: 'unicast', dst, table, via: via ? ip(via) : undefined, dev: at('dev'), metric: 0, onlink: false };
}
/** left -- router -- right, the DESIGN.md example without the extras. */
export function routerWorld(forward = 1) {
    return {
        name: 'router',
        namespaces: [
            ns('left', [veth('eth0', 'router/eth0', '10.0.1.2/24')], { routes: [route('default via 10.0.1.1 dev eth0')] }),
            ns('router', [veth('eth0', 'left/eth0', '10.0.1.1/24'), veth('eth1', 'right/eth0', '10.0.2.1/24')], {
                sysctls: { 'net.ipv4.ip_forward': forward },
            }),
            ns('right', [veth('eth0', 'router/eth1', '10.0.2.2/24')], {
                routes: [route('default via 10.0.2.1 dev eth0')],
                listen: [{ proto: 'tcp', port: 80, addr: 0 }, { proto: 'udp', port: 53, addr: 0 }],
            }),
        ],
    };
}
//# sourceMappingURL=specs.js.map