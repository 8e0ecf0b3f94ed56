// Adapter from the CoreDNS peer suite's fixture (test/conformance/coredns/coredns-kubernetes.json, taken from
// CoreDNS's plugin/kubernetes tests) to a DnsView and a plugin configuration.

import { canonicalIpv6 } from './names.js';
import type { KubernetesPluginConfig, PodMode } from './plugin-config.js';
import { defaultPluginConfig } from './plugin-config.js';
import type { DnsView } from './view.js';

export interface FixturePort {
  name: string;
  protocol: string;
  port: number;
}

export interface FixtureObjects {
  namespaces?: unknown;
  services?: {
    name: string;
    namespace: string;
    type: string;
    clusterIPs: string[];
    ports: FixturePort[];
    externalName?: string;
  }[];
  endpointslices?: {
    service: string;
    namespace: string;
    sliceName: string;
    readyAddresses: { ip: string; hostname?: string }[];
    ports: FixturePort[];
    zones?: Record<string, string>;
  }[];
  pods?: { name: string; namespace: string; ip: string }[];
}

export interface FixtureSuiteConfig {
  zones: string[];
  namespaces?: string[] | 'all';
  pods?: string;
  ttl?: number;
  fallthrough?: boolean;
  ignore_empty_service?: boolean;
  server_local_ips?: string[];
  api_synced?: boolean;
  zonal?: boolean;
}

const canon = (ip: string): string => (ip.includes(':') ? canonicalIpv6(ip) ?? ip : ip);

/** The fixture's objects as a DnsView. Namespaces: those the cases need and those objects live in, minus `must_not_exist`. */
export function fixtureView(f: FixtureObjects, synced = true): DnsView {
  const ns = new Set<string>();
  const meta = f.namespaces;
  const mustNot = new Set<string>();
  if (typeof meta === 'object' && meta !== null) {
    const m = meta as { existing_needed_by_cases?: string[]; must_not_exist?: string[] };
    for (const n of m.existing_needed_by_cases ?? []) ns.add(n);
    for (const n of m.must_not_exist ?? []) mustNot.add(n);
  }
  for (const s of f.services ?? []) ns.add(s.namespace);
  for (const s of f.endpointslices ?? []) ns.add(s.namespace);
  for (const p of f.pods ?? []) ns.add(p.namespace);
  return {
    namespaces: [...ns].filter((n) => !mustNot.has(n)),
    services: (f.services ?? []).map((s) => ({
      name: s.name,
      namespace: s.namespace,
      type: s.type === 'ExternalName' ? 'ExternalName' : 'ClusterIP',
      headless: s.clusterIPs[0] === 'None',
      clusterIPs: s.clusterIPs[0] === 'None' ? [] : s.clusterIPs.map(canon),
      ports: s.ports,
      ...(s.externalName !== undefined ? { externalName: s.externalName } : {}),
    })),
    endpointSlices: (f.endpointslices ?? []).map((s) => ({
      name: s.sliceName,
      service: s.service,
      namespace: s.namespace,
      addresses: s.readyAddresses.map((a) => ({
        ip: canon(a.ip),
        ready: true,
        ...(a.hostname !== undefined ? { hostname: a.hostname } : {}),
        ...(s.zones?.[a.ip] !== undefined ? { zone: s.zones[a.ip] } : {}),
      })),
      ports: s.ports,
    })),
    pods: (f.pods ?? []).map((p) => ({ name: p.name, namespace: p.namespace, ip: p.ip })),
    synced,
    serial: 1499347823,
  };
}

/** A suite's configuration as the kubernetes plugin's settings (CoreDNS defaults for what it leaves out). */
export function fixtureConfig(c: FixtureSuiteConfig): KubernetesPluginConfig {
  const cfg = defaultPluginConfig(c.zones);
  if (c.ttl !== undefined) cfg.ttl = c.ttl;
  if (c.pods !== undefined) cfg.pods = c.pods as PodMode;
  if (Array.isArray(c.namespaces)) cfg.namespaces = c.namespaces;
  if (c.fallthrough === true) cfg.fallthrough = [];
  if (c.ignore_empty_service === true) cfg.ignoreEmptyService = true;
  if (c.server_local_ips !== undefined) cfg.localIps = c.server_local_ips;
  if (c.zonal === true) cfg.zonal = true;
  return cfg;
}
