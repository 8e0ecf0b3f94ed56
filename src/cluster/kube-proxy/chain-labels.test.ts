import { describe, expect, it } from 'vitest';
import { chainLabels } from './chain-labels.js';
import { endpointsByServicePort } from './endpoints.js';
import { servicePortsOf } from './service-port.js';
import { slice, svc } from './testing.js';

describe('chainLabels', () => {
  it('names the Service port of SVC/SVL/EXT/FW chains and the endpoint of SEP chains', () => {
    const labels = chainLabels(servicePortsOf(svc('ns1', 'svc1'), 'IPv4'), endpointsByServicePort([slice('ns1', 'svc1', ['10.180.0.1'])], 'IPv4', 'test-node'));
    expect(labels.get('KUBE-SVC-XPGD46QRK7WJZT7O')?.text).toBe('ns1/svc1:p80');
    expect(labels.get('KUBE-FW-XPGD46QRK7WJZT7O')?.kind).toBe('firewall');
    expect(labels.get('KUBE-SEP-SXIVWICOYRO3J4NJ')).toEqual({ servicePort: 'ns1/svc1:p80', kind: 'endpoint', endpoint: '10.180.0.1:80', text: 'ns1/svc1:p80 -> 10.180.0.1:80' });
    expect(labels.size).toBe(5);
  });
});
