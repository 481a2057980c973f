/**
 * End to end, on the embedded datastore and on the local PostgreSQL: the stack as `npm start`
 * runs it (every service through its definition), faults injected through the public ingest
 * (gRPC socket and HTTP), everything observed through the Kubernetes API and the event documents.
 * Latencies are printed (never asserted) for the closing report.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Annotations, STATE_LABEL, cordonLabels } from '@nvsentinel/fault-quarantine';
import { RemediationLabel } from '@nvsentinel/fault-remediation';
import { RecommendedAction } from '@nvsentinel/health-model';
import { healthyEvent, xidEvent } from './cli/health-events.js';
import { sendOverGrpc, sendOverHttp } from './cli/senders.js';
import { eventually, REBOOT_SECONDS, StackHarness, type Provider } from './testing/stack-harness.js';

const LABEL_PREFIX = 'k8saas.nvidia.com/';
const labels = cordonLabels(LABEL_PREFIX);
const FLOW_TIMEOUT_MS = 120_000;

/** The stack's drainer settings, except that ml-training waits for its pods (AllowCompletion). */
const DRAINER_TOML = `
evictionTimeoutInSeconds = "3"
systemNamespaces = "^(nvsentinel|kube-system|gpu-operator)$"
deleteAfterTimeoutMinutes = 60
notReadyTimeoutMinutes = 5
[[userNamespaces]]
name = "ml-training"
mode = "AllowCompletion"
[[userNamespaces]]
name = "*"
mode = "Immediate"
`;

const providers: Provider[] = ['embedded', 'postgresql'];
const measurements: string[] = [];

afterAll(() => {
  if (measurements.length) console.log(`\nlocal-stack end-to-end measurements\n  ${measurements.join('\n  ')}\n`);
});

describe.each(providers)('the local stack on the %s datastore', (provider) => {
  let h: StackHarness;

  beforeAll(async () => {
    h = await StackHarness.start(provider, { drainerToml: DRAINER_TOML });
    measurements.push(
      `${provider}: stack start (cluster simulator + datastore + 3 services, in-process) ${ms(h.startupMs)}`,
    );
  }, FLOW_TIMEOUT_MS);

  afterAll(async () => {
    await h?.close();
  }, FLOW_TIMEOUT_MS);

  const namespaceOf = (pod: string) => pod.split('/')[0];

  it(
    'gRPC: a fatal XID quarantines the node, drains it per namespace mode, writes statuses in order; recovery un-quarantines it',
    async () => {
      // A node with a pod that must wait (AllowCompletion) and pods that are evicted at once.
      const node = h.nodeNames().find((name) => {
        const pods = h.workloadPods(name);
        return pods.some((p) => namespaceOf(p) === 'ml-training') && pods.some((p) => namespaceOf(p) !== 'ml-training');
      });
      expect(node, 'the local scenario has a node running ml-training next to other workloads').toBeDefined();
      const podsBefore = h.workloadPods(node!);
      const waiting = podsBefore.filter((p) => namespaceOf(p) === 'ml-training');
      const evicted = podsBefore.filter((p) => namespaceOf(p) !== 'ml-training');

      const sentAt = Date.now();
      await sendOverGrpc(h.stack.socketPath, [xidEvent({ node: node!, xid: 79, gpu: 3, monitor: 'syslog' })]);
      const eventId = await eventually(() => h.insertedEventId(node!, sentAt), 'the stored event');

      // Cordoned, with fault-quarantine's labels and annotations.
      const cordoned = await eventually(
        () => (h.node(node!).spec?.unschedulable ? h.node(node!) : undefined),
        'cordon',
      );
      expect(cordoned.metadata?.labels?.[labels.cordonBy]).toBe('NVSentinel');
      expect(cordoned.metadata?.labels?.[labels.cordonTimestamp]).toBeTruthy();
      expect(['quarantined', 'draining']).toContain(cordoned.metadata?.labels?.[STATE_LABEL]);
      expect(cordoned.metadata?.annotations?.[Annotations.isCordoned]).toBe('True');
      const tracked = JSON.parse(cordoned.metadata?.annotations?.[Annotations.healthEvents] ?? '[]') as Array<{
        checkName: string;
        errorCode: string[];
        entitiesImpacted: Array<{ entityType: string; entityValue: string }>;
      }>;
      expect(tracked.map((t) => [t.checkName, t.errorCode, t.entitiesImpacted[0]?.entityType])).toEqual(
        expect.arrayContaining([
          ['SysLogsXIDError', ['79'], 'GPU'],
          ['SysLogsXIDError', ['79'], 'PCI'],
        ]),
      );

      // Immediate namespaces are evicted; the AllowCompletion pod keeps running and the drain waits for it.
      await eventually(
        () => (h.workloadPods(node!).every((p) => !evicted.includes(p)) ? true : undefined),
        `eviction of ${evicted.join(', ')}`,
      );
      expect(h.workloadPods(node!)).toEqual(waiting);
      await eventually(
        () =>
          h.sim.state
            .list('v1', 'Event', 'default')
            .some(
              (e) =>
                (e as { reason?: string; involvedObject?: { name?: string } }).reason === 'AwaitingPodCompletion' &&
                (e as { involvedObject?: { name?: string } }).involvedObject?.name === node,
            )
            ? true
            : undefined,
        'the AwaitingPodCompletion node event',
      );
      const midway = await h.stack.datastore.healthEventStore().findHealthEventById(eventId);
      expect(midway?.healthEventStatus.userPodsEvictionStatus.status).toBe('InProgress');
      expect(midway?.healthEventStatus.nodeQuarantined).toBe('Quarantined');

      // The training job finishes on its own: the drain completes.
      for (const pod of waiting) {
        const [namespace, name] = pod.split('/');
        h.sim.state.updateStatus('v1', 'Pod', name!, namespace, {
          phase: 'Succeeded',
          conditions: [{ type: 'Ready', status: 'False' }],
        });
      }
      const drained = await eventually(async () => {
        const stored = await h.stack.datastore.healthEventStore().findHealthEventById(eventId);
        return stored?.healthEventStatus.userPodsEvictionStatus.status === 'Succeeded' ? stored : undefined;
      }, 'eviction status Succeeded');
      expect(drained.healthEventStatus.quarantineFinishTimestamp).toBeDefined();
      expect(drained.healthEventStatus.drainFinishTimestamp!.seconds).toBeGreaterThanOrEqual(
        drained.healthEventStatus.quarantineFinishTimestamp!.seconds,
      );
      await eventually(
        () => (h.node(node!).metadata?.labels?.[STATE_LABEL] === 'drain-succeeded' ? true : undefined),
        'state label drain-succeeded',
      );

      // Status fields were written in order, each by its one writer (as the test's own change
      // stream delivers them; it may trail the read above by a moment).
      const statusWrites = await eventually(() => {
        const writes = statusWritesOf(h, eventId);
        return writes.includes('eviction:Succeeded') ? writes : undefined;
      }, 'the Succeeded write on the change stream');
      expect(statusWrites).toEqual(['quarantine:Quarantined', 'eviction:InProgress', 'eviction:Succeeded']);

      // Recovery: un-quarantined and uncordoned, the quarantine annotations gone.
      const healthyAt = Date.now();
      await sendOverGrpc(h.stack.socketPath, [healthyEvent({ node: node!, monitor: 'syslog' })]);
      const released = await eventually(
        () => (h.node(node!).spec?.unschedulable ? undefined : h.node(node!)),
        'uncordon',
      );
      expect(released.metadata?.labels?.[STATE_LABEL]).toBeUndefined();
      expect(released.metadata?.labels?.[labels.uncordonBy]).toBe('NVSentinel');
      expect(released.metadata?.annotations?.[Annotations.healthEvents]).toBeUndefined();
      const healthyId = await eventually(() => h.insertedEventId(node!, healthyAt), 'the stored healthy event');
      await eventually(
        async () =>
          (await h.stack.datastore.healthEventStore().findHealthEventById(healthyId))?.healthEventStatus
            .nodeQuarantined === 'UnQuarantined'
            ? true
            : undefined,
        'UnQuarantined status',
      );
      measurements.push(`${provider}: gRPC fault → cordon ${ms(h.cordonedAt(node!, sentAt)! - sentAt)}`);
    },
    FLOW_TIMEOUT_MS,
  );

  it(
    'HTTP: a fatal XID on a node of Immediate namespaces goes quarantined → drained; recovery uncordons it',
    async () => {
      const node = h.nodeNames().find((name) => {
        const pods = h.workloadPods(name);
        return (
          pods.length > 0 && pods.every((p) => namespaceOf(p) !== 'ml-training') && !h.node(name).spec?.unschedulable
        );
      });
      expect(node, 'the local scenario has a node without ml-training pods').toBeDefined();

      const sentAt = Date.now();
      const { ids } = await sendOverHttp(h.stack.ingestUrl, [
        xidEvent({ node: node!, xid: 48, gpu: 0, monitor: 'gpu' }),
      ]);
      expect(ids).toHaveLength(1);
      const eventId = ids[0]!;
      await eventually(() => h.cordonedAt(node!, sentAt), 'cordon');
      const drained = await eventually(
        () =>
          h
            .changesOf(eventId)
            .find(
              (c) =>
                (c.fullDocument as { healtheventstatus?: { userpodsevictionstatus?: { status?: string } } } | null)
                  ?.healtheventstatus?.userpodsevictionstatus?.status === 'Succeeded',
            ),
        'eviction status Succeeded',
      );
      expect(h.workloadPods(node!)).toEqual([]);
      const cordonMs = h.cordonedAt(node!, sentAt)! - sentAt;
      const drainedMs = drained.clusterTime.getTime() - sentAt;

      const healthyAt = Date.now();
      await sendOverHttp(h.stack.ingestUrl, [healthyEvent({ node: node!, monitor: 'gpu' })]);
      await eventually(
        () => h.nodeHistory.get(node!)?.find((o) => o.at >= healthyAt && !o.node.spec?.unschedulable),
        'uncordon',
      );
      const uncordonMs =
        h.nodeHistory.get(node!)!.find((o) => o.at >= healthyAt && !o.node.spec?.unschedulable)!.at - healthyAt;
      measurements.push(
        `${provider}: HTTP fault → cordon ${ms(cordonMs)}, fault → drained ${ms(drainedMs)} (3 s eviction grace included), healthy → uncordon ${ms(uncordonMs)}`,
      );
    },
    FLOW_TIMEOUT_MS,
  );

  it(
    'an event no rule matches changes nothing',
    async () => {
      const node = 'gpu-node-7';
      const before = h.node(node);
      const podsBefore = h.workloadPods(node);
      const { ids } = await sendOverHttp(h.stack.ingestUrl, [
        xidEvent({ node, xid: 13, gpu: 1, monitor: 'syslog' }), // non-fatal: an application error
        { ...xidEvent({ node, xid: 79, gpu: 1, monitor: 'syslog' }), agent: 'my-custom-monitor' }, // fatal, but no rule names this agent
      ]);
      for (const id of ids) {
        const outcome = await eventually(() => h.outcome(id), `fault-quarantine's decision on ${id}`);
        expect(outcome.decision).toBe('ignore');
        const stored = await h.stack.datastore.healthEventStore().findHealthEventById(id);
        expect(stored?.healthEventStatus.nodeQuarantined).toBe('');
        expect(stored?.healthEventStatus.userPodsEvictionStatus.status).toBe('');
      }
      const after = h.node(node);
      expect(after.spec?.unschedulable ?? false).toBe(false);
      expect(after.spec?.taints ?? []).toEqual(before.spec?.taints ?? []);
      expect(after.metadata?.labels).toEqual(before.metadata?.labels);
      expect(after.metadata?.annotations?.[Annotations.healthEvents]).toBeUndefined();
      expect(h.workloadPods(node)).toEqual(podsBefore);
    },
    FLOW_TIMEOUT_MS,
  );

  it('the whole break-fix cycle: fatal XID → cordon → drain → RebootNode → janitor reboots the node → NodeReady → healthy → uncordon', async () => {
    const node = h
      .nodeNames()
      .find(
        (name) =>
          !h.node(name).spec?.unschedulable &&
          h.maintenanceCrs('rebootnodes', name).length === 0 &&
          h.workloadPods(name).every((p) => namespaceOf(p) !== 'ml-training'),
      );
    expect(
      node,
      'a node without maintenance CRs yet and without ml-training pods (they would wait for completion)',
    ).toBeDefined();
    const bootBefore = h.node(node!).status?.nodeInfo?.bootID;
    const sentAt = Date.now();
    await sendOverGrpc(h.stack.socketPath, [xidEvent({ node: node!, xid: 79, gpu: 1, monitor: 'syslog' })]);
    // This fault's document (an earlier test's reboot may still report on other nodes, never mix them up).
    const eventId = await eventually(async () => {
      const events = await h.stack.datastore.healthEventStore().findHealthEventsByNode(node!);
      return events.find(
        (e) => !e.healthEvent.isHealthy && e.healthEvent.errorCode[0] === '79' && e.createdAt.getTime() >= sentAt,
      )?.id;
    }, 'the stored event');
    await eventually(() => h.cordonedAt(node!, sentAt), 'cordon');

    // fault-remediation: one RebootNode for the drained node, owned by the Node, labelled remediating.
    const cr = await eventually(() => h.maintenanceCrs('rebootnodes', node!)[0], 'the RebootNode CR');
    expect(cr.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'Node', name: node });
    expect(cr.metadata.annotations?.['nvsentinel.nvidia.com/ttl']).toBeTruthy();
    const remediating = h.nodeHistory
      .get(node!)
      ?.find((o) => o.at >= sentAt && o.node.metadata?.labels?.[STATE_LABEL] === RemediationLabel.Remediating);
    const stateAnnotation = await eventually(
      () => h.node(node!).metadata?.annotations?.['latestFaultRemediationState'],
      'the remediation state annotation',
    );
    expect(JSON.parse(stateAnnotation).equivalenceGroups.restart).toMatchObject({
      maintenanceCR: cr.metadata.name,
      actionName: 'RESTART_BM',
    });

    // janitor: the sim provider reboots the node (NotReady, a new bootID), NodeReady ends the CR.
    const done = await eventually(
      () => {
        const now = h.maintenanceCrs('rebootnodes', node!)[0];
        return now?.status?.conditions?.some((c) => c.type === 'NodeReady' && c.status === 'True') ? now : undefined;
      },
      'RebootNode NodeReady=True',
      { timeoutMs: 90_000 },
    );
    expect(done.status?.conditions?.find((c) => c.type === 'SignalSent')?.status).toBe('True');
    expect(
      h.nodeHistory
        .get(node!)
        ?.some(
          (o) => o.at >= sentAt && o.node.status?.conditions?.some((c) => c.type === 'Ready' && c.status !== 'True'),
        ),
    ).toBe(true);
    expect(h.node(node!).status?.nodeInfo?.bootID).not.toBe(bootBefore);

    // The node's monitors report healthy after the boot; fault-quarantine releases the node.
    const released = await eventually(
      () =>
        h.nodeHistory
          .get(node!)
          ?.find((o) => o.at >= sentAt && !o.node.spec?.unschedulable && o.node.metadata?.labels?.[labels.uncordonBy]),
      'uncordon',
      { timeoutMs: 90_000 },
    );
    expect(released.node.metadata?.annotations?.[Annotations.healthEvents]).toBeUndefined();
    const stored = await h.stack.datastore.healthEventStore().findHealthEventById(eventId);
    expect(stored?.healthEventStatus).toMatchObject({
      nodeQuarantined: 'Quarantined',
      userPodsEvictionStatus: { status: 'Succeeded' },
      faultRemediated: true,
    });
    const healthy = (await h.stack.datastore.healthEventStore().findHealthEventsByNode(node!)).find(
      (e) => e.healthEvent.isHealthy && e.createdAt.getTime() >= sentAt,
    );
    expect(healthy?.healthEvent).toMatchObject({
      agent: 'syslog-health-monitor',
      checkName: 'SysLogsXIDError',
      recommendedAction: RecommendedAction.NONE,
    });
    await eventually(
      async () =>
        (await h.stack.datastore.healthEventStore().findHealthEventById(healthy!.id))?.healthEventStatus
          .nodeQuarantined === 'UnQuarantined'
          ? true
          : undefined,
      'UnQuarantined status',
    );
    // Exactly one CR for the one fault.
    expect(h.maintenanceCrs('rebootnodes', node!)).toHaveLength(1);
    const step = (label: string, at: number | undefined) => `${label} ${at === undefined ? '?' : ms(at - sentAt)}`;
    measurements.push(
      `${provider}: cycle (${REBOOT_SECONDS} s simulated reboot): ${[step('cordon', h.cordonedAt(node!, sentAt)), step('remediating label', remediating?.at), step('uncordon', released.at)].join(', ')}`,
    );
  }, 180_000);

  it('REPLACE_VM: cordon → drain → TerminateNode → janitor terminates the machine → the Node is gone', async () => {
    const node = h
      .nodeNames()
      .filter(
        (name) =>
          !h.node(name).spec?.unschedulable && h.workloadPods(name).every((p) => namespaceOf(p) !== 'ml-training'),
      )
      .at(-1);
    expect(node, 'a node without ml-training pods').toBeDefined();
    const sentAt = Date.now();
    await sendOverGrpc(h.stack.socketPath, [
      {
        ...xidEvent({ node: node!, xid: 79, gpu: 0, monitor: 'syslog' }),
        recommendedAction: RecommendedAction.REPLACE_VM,
      },
    ]);
    await eventually(() => h.cordonedAt(node!, sentAt), 'cordon');
    const cr = await eventually(() => h.maintenanceCrs('terminatenodes', node!)[0], 'the TerminateNode CR');
    expect(cr.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'Node', name: node });
    await eventually(() => (h.nodeNames().includes(node!) ? undefined : true), 'the Node deleted', {
      timeoutMs: 90_000,
    });
    measurements.push(`${provider}: REPLACE_VM → node deleted ${ms(Date.now() - sentAt)} (upper bound: polled)`);
  }, 180_000);

  it('repeated XIDs: the analyzer finds XID 31 in two bursts on one GPU and its finding quarantines the node', async () => {
    const node = h.nodeNames().find((name) => !h.node(name).spec?.unschedulable);
    expect(node).toBeDefined();
    const sentAt = Date.now();
    // Two bursts: the first 10 minutes ago (its monitor reported it then), the second now.
    const earlier = xidEvent({
      node: node!,
      xid: 31,
      gpu: 2,
      monitor: 'syslog',
      now: new Date(Date.now() - 10 * 60_000),
    });
    await sendOverGrpc(h.stack.socketPath, [earlier]);
    await sendOverGrpc(h.stack.socketPath, [xidEvent({ node: node!, xid: 31, gpu: 2, monitor: 'syslog' })]);
    const finding = await eventually(
      async () => {
        const events = await h.stack.datastore.healthEventStore().findHealthEventsByNode(node!);
        // The first, solo XID 31 is a finding too (XIDErrorSoloNoBurst, action NONE: not fatal).
        return events.find(
          (e) =>
            e.healthEvent.agent === 'health-events-analyzer' &&
            e.healthEvent.checkName === 'RepeatedXID31OnSameGPU' &&
            e.createdAt.getTime() >= sentAt,
        );
      },
      'the RepeatedXID31OnSameGPU finding',
      { timeoutMs: 60_000 },
    );
    expect(finding.healthEvent).toMatchObject({
      checkName: 'RepeatedXID31OnSameGPU',
      isFatal: true,
      recommendedAction: RecommendedAction.RUN_DCGMEUD,
    });
    await eventually(() => h.cordonedAt(node!, sentAt), 'cordon on the finding');
    await eventually(
      async () =>
        (await h.stack.datastore.healthEventStore().findHealthEventById(finding.id))?.healthEventStatus
          .nodeQuarantined === 'Quarantined'
          ? true
          : undefined,
      'the finding quarantined',
    );
  }, 120_000);

  it(
    'a burst of fatal faults on every node trips the circuit breaker before half the fleet is cordoned',
    async () => {
      const nodes = h.nodeNames();
      // Nodes an earlier test left quarantined (the analyzer finding) are not part of the comparison.
      const quarantinedBefore = new Set(nodes.filter((n) => h.node(n).spec?.unschedulable));
      const sentAt = Date.now();
      await sendOverGrpc(
        h.stack.socketPath,
        nodes.map((node) => xidEvent({ node, xid: 79, gpu: 0, monitor: 'syslog' })),
      );
      const breaker = await eventually(() => {
        const configMap = h.sim.state.get('v1', 'ConfigMap', 'circuit-breaker', 'nvsentinel') as
          { data?: Record<string, string> } | undefined;
        return configMap?.data?.['status'] === 'TRIPPED' ? configMap : undefined;
      }, 'circuit-breaker ConfigMap TRIPPED');
      expect(breaker.data?.['status']).toBe('TRIPPED');
      // Every burst event is stored. The breaker admits nodes until ceil(8 × 50 %) distinct nodes
      // count (nodes quarantined in its 5-minute window by the tests above count already), then
      // refuses every other node. Admitted events finish with a 'quarantine' decision; refused
      // ones never do (fault-quarantine keeps them unprocessed for after a reset).
      const threshold = Math.ceil(nodes.length / 2);
      const ids = await eventually(() => {
        const found = nodes.map((n) => h.insertedEventId(n, sentAt));
        return found.every(Boolean) ? (found as string[]) : undefined;
      }, 'every burst event stored');
      // Admitted: fault-quarantine finished the event with a quarantine decision (a node an earlier
      // test left quarantined would show 'add-faults').
      const admitted = () =>
        nodes.filter(
          (n, i) =>
            !quarantinedBefore.has(n) && ['quarantine', 'add-faults'].includes(h.outcome(ids[i]!)?.decision ?? ''),
        );
      // Admitted nodes are then drained, rebooted and released by the rest of the cycle, so count
      // the nodes cordoned now or at any moment since the burst.
      const cordonedNow = () =>
        nodes.filter(
          (n) => !quarantinedBefore.has(n) && (h.node(n).spec?.unschedulable || h.cordonedAt(n, sentAt) !== undefined),
        );
      // The breaker tripped on an admission, so at least one node is admitted. Settled when the
      // cordoned nodes are exactly the admitted ones on two polls in a row.
      let previous: string | undefined;
      const cordoned = await eventually(
        () => {
          const now = cordonedNow();
          const settled = now.length > 0 && now.join() === admitted().join() && now.join() === previous;
          previous = now.join();
          return settled ? now : undefined;
        },
        'the burst settled',
        { timeoutMs: 60_000, intervalMs: 500 },
      ).catch((err: Error) => {
        throw new Error(
          `${err.message}: cordoned since the burst [${cordonedNow().join(', ')}], admitted [${admitted().join(', ')}], outcomes ${JSON.stringify(ids.map((id) => h.outcome(id)?.decision ?? null))}`,
        );
      });
      expect(cordoned.length).toBeGreaterThan(0);
      expect(cordoned.length).toBeLessThanOrEqual(threshold);
      for (const [i, node] of nodes.entries()) {
        if (cordoned.includes(node) || quarantinedBefore.has(node)) continue;
        const stored = await h.stack.datastore.healthEventStore().findHealthEventById(ids[i]!);
        expect(stored?.healthEventStatus.nodeQuarantined, `${node} was refused`).toBe('');
        expect(h.node(node).metadata?.labels?.[STATE_LABEL]).toBeUndefined();
      }
    },
    FLOW_TIMEOUT_MS,
  );
});

/** The status fields written into one event document, in change-stream order. */
function statusWritesOf(h: StackHarness, eventId: string): string[] {
  return h
    .changesOf(eventId)
    .filter((c) => c.operationType === 'update')
    .flatMap((c) => {
      const fields = c.updateDescription?.updatedFields ?? {};
      const writes: string[] = [];
      if ('healtheventstatus.nodequarantined' in fields)
        writes.push(`quarantine:${String(fields['healtheventstatus.nodequarantined'])}`);
      const eviction =
        fields['healtheventstatus.userpodsevictionstatus.status'] ??
        (fields['healtheventstatus.userpodsevictionstatus'] as { status?: string } | undefined)?.status;
      if (eviction !== undefined) writes.push(`eviction:${String(eviction)}`);
      return writes;
    });
}

function ms(value: number): string {
  return value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${Math.round(value)} ms`;
}
