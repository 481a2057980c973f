import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { type Server, createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ClusterSim } from '../start-cluster-sim.js';
import { apiFailure, startWithClient } from '../testing/client.js';

const group = 'janitor.dgxc.nvidia.com';
const version = 'v1alpha1';
const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/** A throwaway self-signed certificate for 127.0.0.1 (openssl is on every build machine). */
function selfSigned(dir: string, name: string): { cert: string; key: string } {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '-keyout',
      key,
      '-out',
      cert,
    ],
    { stdio: 'ignore' },
  );
  return { cert: readFileSync(cert, 'utf8'), key: readFileSync(key, 'utf8') };
}

interface Seen {
  operation: string;
  name?: string;
  subResource?: string;
  oldName?: string;
  dryRun?: boolean;
}

describe('ValidatingWebhookConfiguration', () => {
  let sim: ClusterSim;
  let custom: CustomObjectsApi;
  let server: Server;
  let port = 0;
  let dir: string;
  let tls: { cert: string; key: string };
  let other: { cert: string; key: string };
  const seen: Seen[] = [];
  let delayMs = 0;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sim-webhook-'));
    tls = selfSigned(dir, 'serving');
    other = selfSigned(dir, 'other');
    server = createServer({ cert: tls.cert, key: tls.key }, (request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const review = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        const r = review.request;
        seen.push({
          operation: r.operation,
          name: r.name,
          subResource: r.subResource,
          oldName: r.oldObject?.metadata?.name,
          dryRun: r.dryRun,
        });
        const object = r.object ?? r.oldObject;
        const deny =
          object?.spec?.nodeName === 'forbidden-node' ||
          (r.operation === 'UPDATE' && r.object?.spec?.nodeName !== r.oldObject?.spec?.nodeName);
        const answer = {
          apiVersion: 'admission.k8s.io/v1',
          kind: 'AdmissionReview',
          response: deny
            ? {
                uid: r.uid,
                allowed: false,
                status: { code: 403, message: `node ${object.spec.nodeName} is not allowed` },
              }
            : { uid: r.uid, allowed: true },
        };
        setTimeout(() => {
          response.writeHead(200, { 'content-type': 'application/json' });
          response.end(JSON.stringify(answer));
        }, delayMs);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;

    const started = await startWithClient({
      webhookServiceResolver: ({ namespace, name, port: servicePort, path }) =>
        name === 'janitor-webhook' && namespace === 'nvsentinel' && servicePort === 443
          ? `https://127.0.0.1:${port}${path}`
          : `https://127.0.0.1:1${path}`,
      objects: [
        {
          apiVersion: 'apiextensions.k8s.io/v1',
          kind: 'CustomResourceDefinition',
          metadata: { name: `rebootnodes.${group}` },
          spec: {
            group,
            scope: 'Cluster',
            names: { plural: 'rebootnodes', singular: 'rebootnode', kind: 'RebootNode', listKind: 'RebootNodeList' },
            versions: [
              {
                name: version,
                served: true,
                storage: true,
                subresources: { status: {} },
                schema: { openAPIV3Schema: { type: 'object' } },
              },
            ],
          },
        },
      ],
    });
    sim = started.sim;
    custom = started.kc.makeApiClient(CustomObjectsApi);
  });

  afterAll(async () => {
    await sim.close();
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(async () => {
    seen.length = 0;
    delayMs = 0;
    for (const name of ['janitor', 'janitor-ignore']) {
      try {
        sim.state.get('admissionregistration.k8s.io/v1', 'ValidatingWebhookConfiguration', name);
        await fetch(`${sim.url}/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/${name}`, {
          method: 'DELETE',
        });
      } catch {
        // not there
      }
    }
  });

  const configure = async (webhook: Record<string, unknown>, name = 'janitor'): Promise<void> => {
    const response = await fetch(`${sim.url}/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        apiVersion: 'admissionregistration.k8s.io/v1',
        kind: 'ValidatingWebhookConfiguration',
        metadata: { name },
        webhooks: [
          {
            name: 'vrebootnode.kb.io',
            admissionReviewVersions: ['v1'],
            sideEffects: 'None',
            rules: [
              {
                operations: ['CREATE', 'UPDATE', 'DELETE'],
                apiGroups: [group],
                apiVersions: [version],
                resources: ['rebootnodes'],
              },
            ],
            clientConfig: {
              service: { namespace: 'nvsentinel', name: 'janitor-webhook', path: '/validate' },
              caBundle: Buffer.from(tls.cert).toString('base64'),
            },
            ...webhook,
          },
        ],
      }),
    });
    expect(response.status).toBe(201);
  };

  const reboot = (name: string, nodeName: string) => ({
    apiVersion: `${group}/${version}`,
    kind: 'RebootNode',
    metadata: { name },
    spec: { nodeName, force: false },
  });
  const create = (name: string, nodeName: string) =>
    custom.createClusterCustomObject({ group, version, plural: 'rebootnodes', body: reboot(name, nodeName) });

  it('calls the webhook on create, update and delete, and returns its denial as the API server does', async () => {
    await configure({});
    await create('allowed', 'gpu-node-0');
    const denied = await apiFailure(create('denied', 'forbidden-node'));
    expect(denied.code).toBe(403);
    expect(denied.status.reason).toBe('Forbidden');
    expect(denied.status.message).toBe(
      'admission webhook "vrebootnode.kb.io" denied the request: node forbidden-node is not allowed',
    );
    expect(sim.state.list(`${group}/${version}`, 'RebootNode').map((o) => o.metadata.name)).toEqual(['allowed']);

    const changed = await apiFailure(
      custom.patchClusterCustomObject(
        { group, version, plural: 'rebootnodes', name: 'allowed', body: { spec: { nodeName: 'gpu-node-1' } } },
        merge,
      ),
    );
    expect(changed.code).toBe(403);
    // The status subresource is not in the rules, so status writes skip the webhook.
    await custom.patchClusterCustomObjectStatus(
      {
        group,
        version,
        plural: 'rebootnodes',
        name: 'allowed',
        body: { status: { startTime: '2026-01-01T00:00:00Z' } },
      },
      merge,
    );
    await custom.deleteClusterCustomObject({ group, version, plural: 'rebootnodes', name: 'allowed' });
    expect(seen.map((s) => `${s.operation}:${s.name}:${s.subResource ?? ''}`)).toEqual([
      'CREATE:allowed:',
      'CREATE:denied:',
      'UPDATE:allowed:',
      'DELETE:allowed:',
    ]);
    expect(seen[3]!.oldName).toBe('allowed');
  });

  it('failurePolicy Fail refuses writes when the webhook is unreachable or untrusted; Ignore lets them through', async () => {
    await configure({
      clientConfig: { url: 'https://127.0.0.1:1/validate', caBundle: Buffer.from(tls.cert).toString('base64') },
    });
    const unreachable = await apiFailure(create('r-fail', 'gpu-node-0'));
    expect(unreachable.code).toBe(500);
    expect(unreachable.status.message).toMatch(
      /^Internal error occurred: failed calling webhook "vrebootnode.kb.io": /,
    );

    // caBundle honoured: a server certificate signed by another CA is refused.
    await fetch(`${sim.url}/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/janitor`, {
      method: 'DELETE',
    });
    await configure({
      clientConfig: { url: `https://127.0.0.1:${port}/validate`, caBundle: Buffer.from(other.cert).toString('base64') },
    });
    const untrusted = await apiFailure(create('r-untrusted', 'gpu-node-0'));
    expect(untrusted.code).toBe(500);

    await fetch(`${sim.url}/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/janitor`, {
      method: 'DELETE',
    });
    await configure({ failurePolicy: 'Ignore', clientConfig: { url: 'https://127.0.0.1:1/validate' } });
    await create('r-ignored', 'gpu-node-0');
    expect(sim.state.get(`${group}/${version}`, 'RebootNode', 'r-ignored')?.metadata.name).toBe('r-ignored');
  });

  it('timeoutSeconds bounds the call', async () => {
    await configure({ timeoutSeconds: 1 });
    delayMs = 3_000;
    const slow = await apiFailure(create('r-slow', 'gpu-node-0'));
    expect(slow.code).toBe(500);
    expect(slow.status.message).toMatch(/deadline exceeded/);
  });

  it('a rule that names the status subresource sees status writes; other resources are not affected', async () => {
    await configure({
      rules: [
        { operations: ['UPDATE'], apiGroups: [group], apiVersions: [version], resources: ['rebootnodes/status'] },
      ],
    });
    await create('r-status', 'gpu-node-0');
    await custom.patchClusterCustomObjectStatus(
      {
        group,
        version,
        plural: 'rebootnodes',
        name: 'r-status',
        body: { status: { startTime: '2026-01-01T00:00:00Z' } },
      },
      merge,
    );
    expect(seen.map((s) => `${s.operation}:${s.subResource ?? ''}`)).toEqual(['UPDATE:status']);
  });
});
