// The DNS fields of Pods and Services: spec.dnsPolicy / spec.dnsConfig (what kubelet writes into the pod's
// /etc/resolv.conf) and spec.externalName (what cluster DNS serves as a CNAME).

import type { Node } from 'yaml';
import { isMap } from 'yaml';
import { describeNode, readEnum, readList, readString, readStringList } from '../../scenario/yaml-fields.js';
import type { ScenarioSource } from '../../scenario/yaml-source.js';
import type { PodDnsConfig, PodSpecK, ServiceObject } from '../model.js';
import { child } from './read-objects.js';

const DNS_POLICIES = ['ClusterFirst', 'ClusterFirstWithHostNet', 'Default', 'None'] as const;

/** Reads spec.dnsPolicy and spec.dnsConfig (ValidatePodDNSConfig: policy None needs a nameserver; at most 3). */
export function readPodDns(src: ScenarioSource, node: Node, what: string, spec: PodSpecK): void {
  const policy = child(src, node, 'dnsPolicy');
  if (policy !== undefined) {
    const p = readEnum(src, policy, `${what}: spec.dnsPolicy`, DNS_POLICIES);
    if (p !== undefined) spec.dnsPolicy = p;
  }
  const cfgNode = child(src, node, 'dnsConfig');
  if (cfgNode !== undefined) {
    if (!isMap(cfgNode)) src.error(cfgNode, `${what}: spec.dnsConfig: expected a map, got ${describeNode(cfgNode)}`);
    else {
      const cfg: PodDnsConfig = { nameservers: [], searches: [], options: [] };
      const ns = child(src, cfgNode, 'nameservers');
      if (ns !== undefined) cfg.nameservers = readStringList(src, ns, `${what}: spec.dnsConfig.nameservers`).map((s) => s.text);
      if (cfg.nameservers.length > 3) src.error(ns, `${what}: spec.dnsConfig.nameservers: must not have more than 3 nameservers`);
      const se = child(src, cfgNode, 'searches');
      if (se !== undefined) cfg.searches = readStringList(src, se, `${what}: spec.dnsConfig.searches`).map((s) => s.text);
      const op = child(src, cfgNode, 'options');
      if (op !== undefined) {
        readList(src, op, `${what}: spec.dnsConfig.options`)?.forEach((o, i) => {
          const name = readString(src, child(src, o, 'name'), `${what}: spec.dnsConfig.options[${i}].name`);
          const v = child(src, o, 'value');
          const value = v === undefined ? undefined : readString(src, v, `${what}: spec.dnsConfig.options[${i}].value`);
          if (name !== undefined) cfg.options.push(value === undefined ? { name } : { name, value });
        });
      }
      spec.dnsConfig = cfg;
    }
  }
  if (spec.dnsPolicy === 'None' && (spec.dnsConfig?.nameservers.length ?? 0) === 0) {
    src.error(policy ?? node, `${what}: spec.dnsConfig.nameservers: must have at least one nameserver when dnsPolicy is None`);
  }
}

/** Reads spec.externalName: required for type ExternalName, a DNS name. */
export function readExternalName(src: ScenarioSource, spec: Node, what: string, svc: ServiceObject): void {
  const n = child(src, spec, 'externalName');
  if (n !== undefined) {
    const s = readString(src, n, `${what}: spec.externalName`);
    if (s !== undefined) svc.externalName = s;
  }
  if (svc.type === 'ExternalName' && svc.externalName === undefined) src.error(spec, `${what}: spec.externalName: required when spec.type is ExternalName`);
}
