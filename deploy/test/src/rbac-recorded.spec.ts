/**
 * RBAC from recorded runs. The cluster simulator logs every API request with its User-Agent
 * (service-kit names each service's client `nvsentinel-<service>`), so the calls of each service
 * are attributed to it. Two runs:
 *   1. node-drainer's own harness drives every drain mode (Immediate, AllowCompletion,
 *      DeleteAfterTimeout with a moved clock — the only way to reach the force delete quickly);
 *   2. the whole stack (testing/recorded-stack.ts) on one simulator and PostgreSQL: a fatal XID
 *      goes quarantine → drain → RebootNode → janitor reboots through janitor-provider (sim) →
 *      healthy → unquarantine; REPLACE_VM → TerminateNode → node deleted; a GPUReset and an
 *      ExternalRemediationRequest reconciled by janitor; a sim maintenance window quarantined by
 *      csp-health-monitor + its notifier; leader election of fault-remediation and janitor; the
 *      TokenReview of janitor's token at janitor-provider.
 * Then, per service (the ServiceAccount its pod runs as):
 *   - every recorded call is allowed by the rendered ClusterRole, or by the Role when it is in the
 *     release namespace (no missing permission);
 *   - every granted verb/resource was exercised, or is listed in NOT_EXERCISED with the reason
 *     (no unexplained permission);
 *   - every recorded call is in the static table of support/rbac-table.ts (rbac.spec.ts checks the
 *     chart equals that table exactly).
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiRequestRecord } from '@nvsentinel/cluster-sim';
import { RecommendedAction } from '@nvsentinel/health-model';
import { eventually } from '@nvsentinel/service-kit/testing';
import { SCENARIOS, WORKSPACE_ROOT, renderChart, type KubeObject } from './support/helm.js';
import {
  API_CALLS,
  JANITOR_PROVIDER_BY_CSP,
  NOT_EXERCISED,
  SERVICE_ACCOUNT_OF,
  TEST_ONLY_CALLS,
  call,
  type Call,
} from './support/rbac-table.js';
import { RecordedStack } from './testing/recorded-stack.js';

interface DrainerHarness {
  sim: {
    requests: { records: ApiRequestRecord[] };
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

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

const NAMESPACE = 'nvsentinel';
const SYSTEM = 'systemNamespaces = "^(kube-system|gpu-operator)$"';
const JANITOR_GROUP = 'janitor.dgxc.nvidia.com';
/** The chart values the recorded stack corresponds to: janitor-provider with the `sim` CSP. */
const RECORDED_VALUES = ['janitor-provider.csp.provider=sim'];

/** Recorded calls by the service account they run as (a Call plus the namespace, when namespaced). */
const recorded = new Map<string, Array<{ call: Call; namespace?: string; code?: number }>>();
let objects: KubeObject[];

function record(records: readonly ApiRequestRecord[]): void {
  for (const r of records) {
    if (!r.userAgent.startsWith('nvsentinel-')) continue; // the test's own clients and helpers
    const service = r.userAgent.slice('nvsentinel-'.length);
    const account = SERVICE_ACCOUNT_OF[service] ?? service;
    const list = recorded.get(account) ?? [];
    list.push({
      call: call(r.verb, r.resource, r.group),
      ...(r.namespace !== undefined ? { namespace: r.namespace } : {}),
      ...(r.code !== undefined ? { code: r.code } : {}),
    });
    recorded.set(account, list);
  }
}

function granted(kind: 'ClusterRole' | 'Role', component: string): Set<Call> {
  const role = objects.find((o) => o.kind === kind && o.metadata.name === `nvsentinel-${component}`);
  const rules = (role?.rules as Rule[] | undefined) ?? [];
  return new Set(
    rules.flatMap((r) => r.apiGroups.flatMap((g) => r.resources.flatMap((res) => r.verbs.map((v) => call(v, res, g))))),
  );
}

beforeAll(async () => {
  objects = await renderChart(SCENARIOS.full, RECORDED_VALUES);
});

describe('node-drainer, every drain mode (its own harness)', () => {
  let h: DrainerHarness;
  let workloadPod: (input: Record<string, unknown>) => unknown;

  beforeAll(async () => {
    const harness = (await import(
      /* @vite-ignore */ join(WORKSPACE_ROOT, 'apps/node-drainer/src/testing/harness.ts')
    )) as { Harness: { start(o: unknown): Promise<DrainerHarness> } };
    ({ workloadPod } = (await import(
      /* @vite-ignore */ join(WORKSPACE_ROOT, 'apps/node-drainer/src/testing/pods.ts')
    )) as { workloadPod: typeof workloadPod });
    h = await harness.Harness.start({ scenario: { nodes: 3, namespaces: ['train', 'serve', 'batch', NAMESPACE] } });
  }, 120_000);
  afterAll(async () => {
    await h?.stopDrainers();
    await h?.close();
  });

  it('records Immediate, AllowCompletion and DeleteAfterTimeout drains', async () => {
    // Three drainers at once, one per mode and node; each mode's namespace is its own.
    let offsetMs = 0;
    h.sim.state.create(workloadPod({ name: 'train-0', namespace: 'train', node: 'gpu-node-0', gpus: 8 }));
    h.sim.state.create(workloadPod({ name: 'batch-0', namespace: 'batch', node: 'gpu-node-1', ownerKind: 'Job' }));
    h.sim.state.create(
      workloadPod({ name: 'serve-a', namespace: 'serve', node: 'gpu-node-2', terminationGracePeriodSeconds: 3600 }),
    );
    await h.startDrainer({
      toml: `${SYSTEM}
deleteAfterTimeoutMinutes = 30
[[userNamespaces]]
name = "train"
mode = "Immediate"
[[userNamespaces]]
name = "batch"
mode = "AllowCompletion"
[[userNamespaces]]
name = "serve"
mode = "DeleteAfterTimeout"
`,
      now: () => new Date(Date.now() + offsetMs),
    });
    const [immediate, waiting, timed] = await Promise.all(
      ['gpu-node-0', 'gpu-node-1', 'gpu-node-2'].map((n) => h.quarantine(n)),
    );
    await h.waitForStatus(immediate!, 'Succeeded');
    // AllowCompletion: the pod watch wakes the drain when the pod finishes.
    await eventually(
      () => (h.nodeEvents('gpu-node-1', 'AwaitingPodCompletion').length > 0 ? true : undefined),
      'AwaitingPodCompletion event',
    );
    h.sim.state.updateStatus('v1', 'Pod', 'batch-0', 'batch', {
      phase: 'Succeeded',
      conditions: [{ type: 'Ready', status: 'False' }],
    });
    await h.waitForStatus(waiting!, 'Succeeded');
    // DeleteAfterTimeout: force deletes once the (moved) deadline passes.
    await eventually(() => h.nodeEvents('gpu-node-2', 'WaitingBeforeForceDelete')[0], 'WaitingBeforeForceDelete event');
    offsetMs = 31 * 60_000;
    await h.waitForStatus(timed!, 'Succeeded');
    await h.stopDrainers();
    record(h.sim.requests.records);
    const calls = new Set(recorded.get('node-drainer')?.map((r) => r.call));
    for (const c of ['create /pods/eviction', 'delete /pods', 'list /pods', 'watch /pods', 'patch /nodes'])
      expect(calls, c).toContain(c);
  });
});

describe('the whole stack on one simulator', () => {
  let s: RecordedStack;
  beforeAll(async () => {
    s = await RecordedStack.start();
  }, 180_000);
  afterAll(async () => {
    await s?.close();
  }, 60_000);

  const crs = (plural: string, node?: string) =>
    (
      s.sim.state.list(
        `${JANITOR_GROUP}/v1alpha1`,
        plural === 'rebootnodes' ? 'RebootNode' : 'TerminateNode',
      ) as Array<{
        spec?: { nodeName?: string };
        status?: { conditions?: Array<{ type: string; status: string }> };
      }>
    ).filter((cr) => node === undefined || cr.spec?.nodeName === node);
  const node = (name: string) =>
    s.sim.state.get('v1', 'Node', name) as { spec?: { unschedulable?: boolean } } | undefined;
  const conditionOf = (apiVersion: string, kind: string, name: string, type: string) =>
    (
      s.sim.state.get(apiVersion, kind, name) as { status?: { conditions?: Array<{ type: string; status: string }> } }
    )?.status?.conditions?.find((c) => c.type === type)?.status;

  it('drives reboot, terminate, GPU reset, external remediation and a maintenance window through every service', async () => {
    const { xidEvent, healthyEvent, sendOverGrpc, scheduleSimMaintenance } = s.modules;
    const [rebooted, terminated, reset, external, maintained] = [
      'gpu-node-0',
      'gpu-node-1',
      'gpu-node-2',
      'gpu-node-3',
      'gpu-node-4',
    ];
    await sendOverGrpc(s.socketPath, [
      xidEvent({ node: rebooted!, xid: 79, gpu: 1, monitor: 'syslog' }),
      {
        ...xidEvent({ node: terminated!, xid: 79, gpu: 0, monitor: 'syslog' }),
        recommendedAction: RecommendedAction.REPLACE_VM,
      },
    ]);
    await s.admin.customObjects.createClusterCustomObject({
      group: JANITOR_GROUP,
      version: 'v1alpha1',
      plural: 'gpuresets',
      body: {
        apiVersion: `${JANITOR_GROUP}/v1alpha1`,
        kind: 'GPUReset',
        metadata: { name: 'reset-recorded' },
        spec: { nodeName: reset, selector: { uuids: ['GPU-1'] } },
      },
    });
    await s.admin.customObjects.createClusterCustomObject({
      group: 'nvsentinel.dgxc.nvidia.com',
      version: 'v1',
      plural: 'externalremediationrequests',
      body: {
        apiVersion: 'nvsentinel.dgxc.nvidia.com/v1',
        kind: 'ExternalRemediationRequest',
        metadata: { name: 'err-recorded' },
        spec: {
          healthEvent: {
            nodeName: external,
            checkName: 'GpuXidError',
            agent: 'gpu-health-monitor',
            isFatal: true,
            isHealthy: false,
            recommendedAction: 'CUSTOM',
            generatedTimestamp: new Date().toISOString(),
          },
        },
      },
    });
    // Non-fatal, twice: the platform connector's mirror records a node Event, then counts the repeat.
    const notice = xidEvent({ node: 'gpu-node-5', xid: 13, gpu: 1, monitor: 'syslog' });
    const called = (ua: string, verb: string, resource: string) =>
      s.sim.requests.of(ua).some((r) => r.verb === verb && r.resource === resource) ? true : undefined;
    await sendOverGrpc(s.socketPath, [notice]);
    // The repeat must find the first Event written, or it would create a second one.
    await eventually(() => called('nvsentinel-platform-connectors', 'create', 'events'), 'the mirrored node Event');
    await sendOverGrpc(s.socketPath, [notice]);
    await eventually(() => called('nvsentinel-platform-connectors', 'patch', 'events'), 'the repeat counted');
    await scheduleSimMaintenance(s.admin, {
      namespace: s.namespace,
      node: maintained!,
      inMs: 60_000,
      durationMs: 60_000,
    });

    const flows = [
      // reboot → healthy → unquarantine
      (async () => {
        // A second fault while the node's RebootNode exists: fault-remediation's state check reads it.
        await eventually(() => crs('rebootnodes', rebooted)[0], 'the RebootNode CR');
        await sendOverGrpc(s.socketPath, [xidEvent({ node: rebooted!, xid: 79, gpu: 2, monitor: 'syslog' })]);
        await eventually(
          () =>
            s.sim.requests
              .of('nvsentinel-fault-remediation')
              .some((r) => r.verb === 'get' && r.resource === 'rebootnodes')
              ? true
              : undefined,
          'the state check of the RebootNode',
          { timeoutMs: 60_000 },
        );
        await eventually(
          () =>
            crs('rebootnodes', rebooted).some((cr) =>
              cr.status?.conditions?.some((c) => c.type === 'NodeReady' && c.status === 'True'),
            )
              ? true
              : undefined,
          'RebootNode NodeReady',
          { timeoutMs: 90_000 },
        );
        await sendOverGrpc(s.socketPath, [healthyEvent({ node: rebooted!, monitor: 'syslog' })]);
        await eventually(() => (node(rebooted!)?.spec?.unschedulable ? undefined : true), 'uncordon', {
          timeoutMs: 60_000,
        });
      })(),
      eventually(() => (node(terminated!) ? undefined : true), 'the terminated Node deleted', { timeoutMs: 90_000 }),
      eventually(
        () =>
          conditionOf(`${JANITOR_GROUP}/v1alpha1`, 'GPUReset', 'reset-recorded', 'Complete') === 'True'
            ? true
            : undefined,
        'GPUReset Complete',
        { timeoutMs: 90_000 },
      ),
      (async () => {
        await eventually(
          () =>
            conditionOf(
              'nvsentinel.dgxc.nvidia.com/v1',
              'ExternalRemediationRequest',
              'err-recorded',
              'NVSentinelOwnershipReleased',
            ) === 'True'
              ? true
              : undefined,
          'ExternalRemediationRequest released',
          { timeoutMs: 60_000 },
        );
        await s.admin.customObjects.deleteClusterCustomObject({
          group: 'nvsentinel.dgxc.nvidia.com',
          version: 'v1',
          plural: 'externalremediationrequests',
          name: 'err-recorded',
        });
        await eventually(
          () =>
            s.sim.state.get('nvsentinel.dgxc.nvidia.com/v1', 'ExternalRemediationRequest', 'err-recorded')
              ? undefined
              : true,
          'ExternalRemediationRequest finalized',
          { timeoutMs: 60_000 },
        );
      })(),
      eventually(() => (node(maintained!)?.spec?.unschedulable ? true : undefined), 'maintenance quarantine', {
        timeoutMs: 90_000,
      }),
    ];
    await Promise.all(flows);
    await Promise.all(s.services.map(({ service }) => service.stop()));
    record(s.sim.requests.records);
    console.log(`user agents: ${[...new Set(s.sim.requests.records.map((r) => r.userAgent))].join(', ')}`);
    for (const [account, calls] of [...recorded.entries()].sort())
      console.log(
        `${account}: ${[...new Set(calls.map((c) => `${c.call}${c.namespace ? ` [${c.namespace}]` : ''}`))].sort().join(', ')}`,
      );
  }, 240_000);
});

describe('RBAC per service account from the recorded calls', () => {
  it('the chart allows every recorded call (ClusterRole, or Role in the release namespace)', () => {
    const missing: string[] = [];
    for (const [account, calls] of recorded) {
      const cluster = granted('ClusterRole', account);
      const namespaced = granted('Role', account);
      const testOnly = TEST_ONLY_CALLS[account] ?? {};
      for (const c of calls)
        if (!cluster.has(c.call) && !(c.namespace === NAMESPACE && namespaced.has(c.call)) && !(c.call in testOnly))
          missing.push(`${account}: ${c.call}${c.namespace ? ` in ${c.namespace}` : ''}`);
    }
    expect([...new Set(missing)].sort()).toEqual([]);
  });

  it('the chart grants nothing that was not exercised or listed with its reason', () => {
    const excess: string[] = [];
    for (const account of Object.keys(API_CALLS)) {
      const exercised = new Set(recorded.get(account)?.map((c) => c.call));
      const explained = new Set(Object.keys(NOT_EXERCISED[account] ?? {}));
      for (const g of [...granted('ClusterRole', account), ...granted('Role', account)])
        if (!exercised.has(g) && !explained.has(g)) excess.push(`${account}: ${g}`);
      const grants = new Set([...granted('ClusterRole', account), ...granted('Role', account)]);
      // An entry may still be recorded in some runs (a read that depends on cache timing); it must
      // name a rule the chart grants, so the list cannot outlive a rule.
      for (const e of explained) {
        if (!grants.has(e)) excess.push(`${account}: ${e} is listed as not exercised but the chart does not grant it`);
      }
    }
    expect(excess.sort()).toEqual([]);
  });

  it('the static table lists every recorded call, and every service that called is a chart service', () => {
    const unlisted: string[] = [];
    for (const [account, calls] of recorded) {
      const table = API_CALLS[account];
      if (!table) {
        unlisted.push(`${account}: not a service of the chart`);
        continue;
      }
      const extra = account === 'janitor-provider' ? JANITOR_PROVIDER_BY_CSP['sim']! : { cluster: [], namespace: [] };
      const all = new Set([
        ...table.cluster,
        ...table.namespace,
        ...extra.cluster,
        ...extra.namespace,
        ...Object.keys(TEST_ONLY_CALLS[account] ?? {}),
      ]);
      for (const c of calls) if (!all.has(c.call)) unlisted.push(`${account}: ${c.call}`);
    }
    expect([...new Set(unlisted)].sort()).toEqual([]);
  });

  it('attributes calls to every Kubernetes-using service, and none to the analyzer (it has no client)', () => {
    expect([...recorded.keys()].sort()).toEqual(
      Object.keys(API_CALLS)
        .filter((service) => service !== 'health-events-analyzer')
        .sort(),
    );
  });
});
