import { describe, expect, it } from 'vitest';
import { describeRequest } from './request-metrics.js';

describe('describeRequest', () => {
  it.each([
    ['GET', 'https://h/api/v1/nodes', 'list', 'nodes'],
    ['GET', 'https://h/api/v1/nodes?watch=true&resourceVersion=5', 'watch', 'nodes'],
    ['GET', 'https://h/api/v1/nodes/gpu-1', 'get', 'nodes'],
    ['PUT', 'https://h/api/v1/nodes/gpu-1/status', 'update', 'nodes/status'],
    ['PATCH', 'https://h/api/v1/nodes/gpu-1', 'patch', 'nodes'],
    ['POST', 'https://h/api/v1/namespaces/ml/pods/p-1/eviction', 'create', 'pods/eviction'],
    ['GET', 'https://h/api/v1/namespaces/ml/pods', 'list', 'pods'],
    ['GET', 'https://h/api/v1/namespaces/ml', 'get', 'namespaces'],
    ['DELETE', 'https://h/apis/janitor.dgxc.nvidia.com/v1alpha1/rebootnodes/r-1', 'delete', 'rebootnodes'],
    ['POST', 'https://h/apis/coordination.k8s.io/v1/namespaces/nvs/leases', 'create', 'leases'],
  ])('%s %s → %s %s', (method, url, verb, resource) => {
    expect(describeRequest(method, url)).toMatchObject({ verb, resource });
  });
});
