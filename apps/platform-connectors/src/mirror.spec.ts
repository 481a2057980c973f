/** Stored events mirrored into the cluster simulator, read back through @kubernetes/client-node. */
import type { CoreV1Api, V1NodeCondition } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventJson } from './testing/events.js';
import { startHarness, type Harness } from './testing/harness.js';

describe('Kubernetes mirror', () => {
  let h: Harness;
  let core: CoreV1Api;
  beforeAll(async () => {
    h = await startHarness({
      nodes: ['n-fatal', 'n-events', 'n-store', 'n-mixed', 'n-flaky'].map((name) => ({ name })),
    });
    core = h.kube!.core;
  }, 60_000);
  afterAll(async () => {
    await h?.close();
  });

  const condition = async (node: string, type: string): Promise<V1NodeCondition | undefined> =>
    (await core.readNode({ name: node })).status?.conditions?.find((c) => c.type === type);
  const idle = (): Promise<void> => h.connectors.mirror!.whenIdle();

  it('fatal events become a node condition; recoveries clear entity by entity', async () => {
    const gpu = (v: string) => [{ entityType: 'GPU', entityValue: v }];
    expect(
      (
        await h.post([
          eventJson({
            nodeName: 'n-fatal',
            checkName: 'GpuXidError',
            errorCode: ['79'],
            entitiesImpacted: gpu('1'),
            message: 'fell off the bus',
          }),
          eventJson({
            nodeName: 'n-fatal',
            checkName: 'GpuXidError',
            errorCode: ['48'],
            entitiesImpacted: gpu('2'),
            message: 'dbe',
          }),
        ])
      ).status,
    ).toBe(200);
    await idle();
    let c = await condition('n-fatal', 'GpuXidError');
    expect(c?.status).toBe('True');
    expect(c?.reason).toBe('GpuXidErrorIsNotHealthy');
    expect(c?.message).toBe(
      'ErrorCode:79 GPU:1 fell off the bus Recommended Action=RESTART_VM;ErrorCode:48 GPU:2 dbe Recommended Action=RESTART_VM;',
    );
    const firstTransition = c?.lastTransitionTime;

    await h.post([
      eventJson({
        nodeName: 'n-fatal',
        checkName: 'GpuXidError',
        isFatal: false,
        isHealthy: true,
        errorCode: [],
        entitiesImpacted: gpu('1'),
        message: '',
      }),
    ]);
    await idle();
    c = await condition('n-fatal', 'GpuXidError');
    expect(c?.status).toBe('True');
    expect(c?.message).toBe('ErrorCode:48 GPU:2 dbe Recommended Action=RESTART_VM;');
    expect(c?.lastTransitionTime).toEqual(firstTransition);

    await h.post([
      eventJson({
        nodeName: 'n-fatal',
        checkName: 'GpuXidError',
        isFatal: false,
        isHealthy: true,
        errorCode: [],
        entitiesImpacted: [],
        message: '',
      }),
    ]);
    await idle();
    c = await condition('n-fatal', 'GpuXidError');
    expect(c?.status).toBe('False');
    expect(c?.reason).toBe('GpuXidErrorIsHealthy');
    expect(c?.message).toBe('No Health Failures');
    const counts = await h.connectors.metrics.nodeConditionUpdates.get();
    expect(counts.values.find((v) => v.labels.status === 'success')?.value).toBeGreaterThanOrEqual(3);
  });

  it('non-fatal unhealthy events become node Events, repeats counted on one Event', async () => {
    const nonFatal = () =>
      eventJson({
        nodeName: 'n-events',
        agent: 'syslog-health-monitor',
        checkName: 'SysLogsSXIDError',
        isFatal: false,
        errorCode: ['12'],
        message: 'sxid',
        recommendedAction: 'NONE',
      });
    await h.post([nonFatal()]);
    await h.post([nonFatal()]);
    await idle();
    const events = (await core.listNamespacedEvent({ namespace: 'default' })).items.filter(
      (e) => e.involvedObject.name === 'n-events',
    );
    expect(events).toHaveLength(1);
    const [ev] = events;
    expect(ev!.type).toBe('SysLogsSXIDError');
    expect(ev!.reason).toBe('SysLogsSXIDErrorIsNotHealthy');
    expect(ev!.message).toBe('ErrorCode:12 GPU:0 sxid Recommended Action=NONE;');
    expect(ev!.count).toBe(2);
    expect(ev!.source?.component).toBe('syslog-health-monitor');
    expect(ev!.source?.host).toBe('n-events');
    expect(ev!.involvedObject.kind).toBe('Node');
    expect(await condition('n-events', 'SysLogsSXIDError')).toBeUndefined();
  });

  it('STORE_ONLY and STORE_AND_ANALYSE events are stored but not mirrored', async () => {
    const response = await h.post([
      eventJson({ nodeName: 'n-store', checkName: 'StoreOnlyCheck', processingStrategy: 'STORE_ONLY' }),
      eventJson({ nodeName: 'n-store', checkName: 'AnalyseCheck', processingStrategy: 'STORE_AND_ANALYSE' }),
      eventJson({ nodeName: 'n-store', checkName: 'QuietCheck', processingStrategy: 3, isFatal: false }),
    ]);
    expect(response.status).toBe(200);
    await idle();
    expect(await h.storedFor('n-store')).toBe(3);
    const node = await core.readNode({ name: 'n-store' });
    expect(node.status?.conditions?.map((c) => c.type)).not.toEqual(expect.arrayContaining(['StoreOnlyCheck']));
    expect(node.status?.conditions?.some((c) => c.type === 'AnalyseCheck')).toBe(false);
    const events = (await core.listNamespacedEvent({ namespace: 'default' })).items.filter(
      (e) => e.involvedObject.name === 'n-store',
    );
    expect(events).toHaveLength(0);
  });

  it('applies many events for one node in order, coalesced into few status writes', async () => {
    const before =
      (await h.connectors.metrics.nodeConditionUpdates.get()).values.find((v) => v.labels.status === 'success')
        ?.value ?? 0;
    const sends = Array.from({ length: 20 }, (_, i) =>
      h.post([
        eventJson({
          nodeName: 'n-mixed',
          checkName: 'GpuMemWatch',
          entitiesImpacted: [{ entityType: 'GPU', entityValue: String(i % 4) }],
          message: `m${i}`,
        }),
      ]),
    );
    await Promise.all(sends);
    // The last word: GPU 0..3 recover, in one batch after all faults.
    await h.post(
      [0, 1, 2, 3].map((g) =>
        eventJson({
          nodeName: 'n-mixed',
          checkName: 'GpuMemWatch',
          isFatal: false,
          isHealthy: true,
          entitiesImpacted: [{ entityType: 'GPU', entityValue: String(g) }],
          message: '',
        }),
      ),
    );
    await idle();
    const c = await condition('n-mixed', 'GpuMemWatch');
    expect(c?.status).toBe('False');
    expect(c?.message).toBe('No Health Failures');
    const after =
      (await h.connectors.metrics.nodeConditionUpdates.get()).values.find((v) => v.labels.status === 'success')
        ?.value ?? 0;
    expect(after - before).toBeLessThan(21);
  });

  it('a failing API server never delays the acknowledgement; the mirror retries until it succeeds', async () => {
    const remove = h.sim!.injectFault({ method: 'PATCH', path: '/api/v1/nodes/n-flaky/status', status: 503, times: 2 });
    try {
      const response = await h.post([eventJson({ nodeName: 'n-flaky', checkName: 'GpuPcieWatch' })]);
      expect(response.status).toBe(200);
      // Acknowledged (stored) while the mirror still holds the event: its attempts are failing.
      expect(h.connectors.mirror!.pendingEvents).toBe(1);
      expect(await h.storedFor('n-flaky')).toBe(1);
      await idle();
      expect((await condition('n-flaky', 'GpuPcieWatch'))?.status).toBe('True');
      const retries = (await h.connectors.metrics.workqueueRetries.get()).values[0]?.value ?? 0;
      expect(retries).toBeGreaterThanOrEqual(2);
    } finally {
      remove();
    }
  });
});
