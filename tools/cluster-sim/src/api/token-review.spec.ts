import { AuthenticationV1Api, BatchV1Api, type KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterSim } from '../start-cluster-sim.js';
import { startWithClient } from '../testing/client.js';
import { DEFAULT_TOKEN_AUDIENCE } from './token-review.js';

describe('TokenReview and Jobs', () => {
  let sim: ClusterSim;
  let kc: KubeConfig;
  let auth: AuthenticationV1Api;

  beforeAll(async () => {
    const started = await startWithClient({ nodes: 1, podsPerNode: 0, daemonSets: false, namespaces: ['nvsentinel'] });
    sim = started.sim;
    kc = started.kc;
    auth = kc.makeApiClient(AuthenticationV1Api);
  });
  afterAll(() => sim.close());

  const review = (token: string, audiences?: string[]) =>
    auth.createTokenReview({
      body: {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenReview',
        spec: { token, ...(audiences ? { audiences } : {}) },
      },
    });

  it('accepts an issued token for one of its audiences and answers with the intersection', async () => {
    const token = sim.issueToken({ username: 'system:serviceaccount:nvsentinel:janitor', audiences: ['csp', 'other'] });
    const result = await review(token, ['csp', 'third']);
    expect(result.status).toMatchObject({
      authenticated: true,
      audiences: ['csp'],
      user: { username: 'system:serviceaccount:nvsentinel:janitor' },
    });
  });

  it('refuses unknown tokens and tokens for other audiences', async () => {
    expect((await review('made-up', ['csp'])).status).toMatchObject({
      authenticated: false,
      error: 'invalid bearer token',
    });
    const token = sim.issueToken();
    expect((await review(token, ['csp'])).status?.authenticated).toBe(false);
    expect((await review(token)).status).toMatchObject({ authenticated: true, audiences: [DEFAULT_TOKEN_AUDIENCE] });
  });

  it('stores batch/v1 Jobs', async () => {
    const batch = kc.makeApiClient(BatchV1Api);
    const job = await batch.createNamespacedJob({
      namespace: 'nvsentinel',
      body: {
        metadata: { generateName: 'reboot-' },
        spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } },
      },
    });
    expect(job.metadata?.name).toMatch(/^reboot-/);
    expect((await batch.listNamespacedJob({ namespace: 'nvsentinel' })).items).toHaveLength(1);
  });
});
