/**
 * The ideal form of the RBAC check, for node-drainer: run the real drainer (its own test harness,
 * loaded by path) against tools/cluster-sim and a real PostgreSQL, drive every drain mode, record
 * each Kubernetes API call its client makes, and check the chart's ClusterRole + Role allow every
 * one of them. The static table in rbac.spec.ts must cover the recording too.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCENARIOS, WORKSPACE_ROOT, renderChart, type KubeObject } from './support/helm.js';
import { API_CALLS } from './support/rbac-table.js';

interface Harness {
  requests: { records: Array<{ verb: string; resource: string; path: string }> };
  sim: {
    state: {
      create(o: unknown): void;
      updateStatus(api: string, kind: string, name: string, ns: string, status: unknown): void;
    };
  };
  startDrainer(input: { toml: string; now?: () => Date }): Promise<unknown>;
  quarantine(node: string): Promise<string>;
  waitForStatus(id: string, status: string): Promise<unknown>;
  nodeEvents(node: string, reason: string): unknown[];
  stopDrainers(): Promise<void>;
  close(): Promise<void>;
}

const SYSTEM = 'systemNamespaces = "^(kube-system|gpu-operator)$"';
let h: Harness;
let workloadPod: (input: Record<string, unknown>) => unknown;
let eventually: <T>(check: () => T | undefined | Promise<T | undefined>, what: string) => Promise<T>;
let objects: KubeObject[];

beforeAll(async () => {
  const harness = (await import(
    /* @vite-ignore */ join(WORKSPACE_ROOT, 'apps/node-drainer/src/testing/harness.ts')
  )) as {
    Harness: { start(o: unknown): Promise<Harness> };
    eventually: typeof eventually;
  };
  ({ workloadPod } = (await import(
    /* @vite-ignore */ join(WORKSPACE_ROOT, 'apps/node-drainer/src/testing/pods.ts')
  )) as { workloadPod: typeof workloadPod });
  eventually = harness.eventually;
  h = await harness.Harness.start({ scenario: { nodes: 3, namespaces: ['train', 'serve', 'batch'] } });
  objects = await renderChart(SCENARIOS.full);
}, 120_000);
afterAll(async () => {
  await h?.stopDrainers();
  await h?.close();
});

function allowed(): Set<string> {
  const rules = ['ClusterRole', 'Role'].flatMap(
    (kind) =>
      (objects.find((o) => o.kind === kind && o.metadata.name === 'nvsentinel-node-drainer')?.rules ?? []) as Array<{
        apiGroups: string[];
        resources: string[];
        verbs: string[];
      }>,
  );
  return new Set(
    rules.flatMap((r) =>
      r.apiGroups.flatMap((g) => r.resources.flatMap((res) => r.verbs.map((v) => `${v} ${g}/${res}`))),
    ),
  );
}

describe('node-drainer RBAC from a recorded run', () => {
  it('drives Immediate, AllowCompletion and DeleteAfterTimeout drains, and every call it made is allowed', async () => {
    // Immediate: evictions
    h.sim.state.create(workloadPod({ name: 'train-0', namespace: 'train', node: 'gpu-node-0', gpus: 8 }));
    await h.startDrainer({ toml: `${SYSTEM}\n[[userNamespaces]]\nname = "*"\nmode = "Immediate"\n` });
    await h.waitForStatus(await h.quarantine('gpu-node-0'), 'Succeeded');
    await h.stopDrainers();

    // AllowCompletion: the pod watch wakes the drain when the pod finishes
    h.sim.state.create(workloadPod({ name: 'batch-0', namespace: 'batch', node: 'gpu-node-1', ownerKind: 'Job' }));
    await h.startDrainer({ toml: `${SYSTEM}\n[[userNamespaces]]\nname = "*"\nmode = "AllowCompletion"\n` });
    const waiting = await h.quarantine('gpu-node-1');
    await eventually(
      () => (h.nodeEvents('gpu-node-1', 'AwaitingPodCompletion').length > 0 ? true : undefined),
      'AwaitingPodCompletion event',
    );
    h.sim.state.updateStatus('v1', 'Pod', 'batch-0', 'batch', {
      phase: 'Succeeded',
      conditions: [{ type: 'Ready', status: 'False' }],
    });
    await h.waitForStatus(waiting, 'Succeeded');
    await h.stopDrainers();

    // DeleteAfterTimeout: force deletes once the deadline passes
    h.sim.state.create(
      workloadPod({ name: 'serve-a', namespace: 'serve', node: 'gpu-node-2', terminationGracePeriodSeconds: 3600 }),
    );
    let offsetMs = 0;
    await h.startDrainer({
      toml: `${SYSTEM}\ndeleteAfterTimeoutMinutes = 30\n[[userNamespaces]]\nname = "serve"\nmode = "DeleteAfterTimeout"\n`,
      now: () => new Date(Date.now() + offsetMs),
    });
    const timed = await h.quarantine('gpu-node-2');
    await eventually(() => h.nodeEvents('gpu-node-2', 'WaitingBeforeForceDelete')[0], 'WaitingBeforeForceDelete event');
    offsetMs = 31 * 60_000;
    await h.waitForStatus(timed, 'Succeeded');

    // every API call has a core-group resource for node-drainer; the record carries no group
    const recorded = [...new Set(h.requests.records.map((r) => `${r.verb} /${r.resource}`))].sort();
    console.log(`node-drainer API calls recorded: ${recorded.join(', ')}`);
    expect(recorded).toEqual(
      expect.arrayContaining([
        'create /pods/eviction',
        'delete /pods',
        'list /pods',
        'watch /pods',
        'patch /nodes',
        'create /events',
      ]),
    );
    const grants = allowed();
    expect(recorded.filter((c) => !grants.has(c))).toEqual([]);
    const table = new Set([...API_CALLS['node-drainer']!.cluster, ...API_CALLS['node-drainer']!.namespace]);
    expect(recorded.filter((c) => !table.has(c))).toEqual([]);
  });
});
