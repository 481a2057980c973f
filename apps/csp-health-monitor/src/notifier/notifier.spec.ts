/**
 * The maintenance flow against real servers: maintenance events in a real datastore, a real
 * platform-connectors over its gRPC socket, nodes in the cluster simulator. Time is an injected
 * clock, so upstream's minutes pass without sleeping.
 */
import pg from 'pg';
import {
  MaintenanceStatus,
  ProcessingStrategy,
  RecommendedAction,
  type MaintenanceEvent,
} from '@nvsentinel/health-model';
import { eventually } from '@nvsentinel/service-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scheduleSimMaintenance } from '../csp/sim/schedule.js';
import { startConnectors, type Connectors } from '../testing/connectors.js';
import { Harness, metricValue, NAMESPACE, PROVIDERS, testConfig } from '../testing/harness.js';
import { createGrpcPublisher } from './publisher.js';
import { buildTriggerEvent, TRIGGER_KEY_METADATA } from './trigger-event.js';

const MIN = 60_000;

function maintenance(id: string, node: string, overrides: Partial<MaintenanceEvent> = {}): MaintenanceEvent {
  const now = new Date();
  return {
    eventId: id,
    csp: 'sim',
    clusterName: 'test-cluster',
    resourceType: 'sim_instance',
    resourceId: node,
    maintenanceType: 'SCHEDULED',
    status: MaintenanceStatus.DETECTED,
    cspStatus: 'PENDING',
    scheduledStartTime: new Date(now.getTime() + 10 * MIN),
    scheduledEndTime: new Date(now.getTime() + 20 * MIN),
    actualStartTime: null,
    actualEndTime: null,
    eventReceivedTimestamp: now,
    lastUpdatedTimestamp: now,
    recommendedAction: 'RESTART_VM',
    metadata: { origin: 'test' },
    nodeName: node,
    ...overrides,
  };
}

describe.each(PROVIDERS)('maintenance notifier on %s', (provider) => {
  let h: Harness;
  let pc: Connectors;
  beforeAll(async () => {
    h = await Harness.start(provider, 8);
    pc = await startConnectors(h);
  });
  afterAll(async () => {
    await pc?.stop();
    await h?.close();
  });

  it('runs the whole sim flow, restarting both processes at every step, and sends each trigger exactly once', async () => {
    let clock = Date.now();
    const now = () => new Date(clock);
    const config = testConfig('sim');
    const node = 'gpu-node-1';
    const boot = async () => {
      const monitor = h.monitor(config, { now });
      const notifier = h.notifier(config, pc.socketPath, { now });
      await monitor.start(); // first poll inside start
      await notifier.start(); // first cycle inside start
      return {
        monitor,
        notifier,
        stop: async () => {
          await notifier.stop();
          await monitor.stop();
        },
      };
    };
    const window = await scheduleSimMaintenance(h.kube, {
      namespace: NAMESPACE,
      node,
      inMs: 10 * MIN,
      durationMs: 5 * MIN,
      now: now(),
    });
    const status = async () => (await h.store.findMaintenanceEventById(window.id))?.status;

    let p = await boot();
    expect(await status()).toBe('QUARANTINE_TRIGGERED');
    const [quarantine] = await pc.triggers(node);
    expect(quarantine!.healthEvent).toMatchObject({
      agent: 'csp-health-monitor',
      checkName: 'CSPMaintenance',
      componentClass: 'sim_instance',
      isFatal: true,
      isHealthy: false,
      message: 'CSP maintenance scheduled',
      recommendedAction: RecommendedAction.RESTART_VM,
      entitiesImpacted: [{ entityType: 'sim_instance', entityValue: node }],
      nodeName: node,
      processingStrategy: ProcessingStrategy.EXECUTE_REMEDIATION,
      metadata: { maintenanceEventId: window.id, [TRIGGER_KEY_METADATA]: `${window.id}#quarantine` },
    });
    await p.stop();
    p = await boot(); // restart while QUARANTINE_TRIGGERED
    await p.notifier.cycleOnce();
    expect(await pc.triggers(node)).toHaveLength(1);

    clock += 11 * MIN; // maintenance running
    await p.stop();
    p = await boot();
    expect(await status()).toBe('MAINTENANCE_ONGOING');
    clock += 5 * MIN; // ended
    await p.stop();
    p = await boot();
    expect(await status()).toBe('MAINTENANCE_COMPLETE');
    expect(await pc.triggers(node)).toHaveLength(1); // healthy delay (15 min) not over

    clock += 16 * MIN;
    await p.stop();
    p = await boot();
    expect(await status()).toBe('HEALTHY_TRIGGERED');
    const triggers = await pc.triggers(node);
    expect(triggers.map((t) => [t.healthEvent.isHealthy, t.healthEvent.message])).toEqual([
      [false, 'CSP maintenance scheduled'],
      [true, 'CSP maintenance completed'],
    ]);
    expect(triggers[1]!.healthEvent).toMatchObject({ isFatal: false, recommendedAction: RecommendedAction.NONE });
    await p.stop();
    p = await boot(); // restart after everything: nothing more
    await p.monitor.pollOnce();
    await p.notifier.cycleOnce();
    expect(await pc.triggers(node)).toHaveLength(2);
    expect(await status()).toBe('HEALTHY_TRIGGERED');
    await p.stop();
  });

  it('does not resend a trigger that reached platform-connectors before the process died (status never written)', async () => {
    const node = 'gpu-node-2';
    const event = maintenance('crash-window', node);
    await h.store.upsertMaintenanceEvent(event);
    // The previous notifier's last act: the send succeeded, then it died before the status write.
    const publisher = createGrpcPublisher({ socket: pc.socketPath, retries: 0, retryDelayMs: 1 });
    await publisher.publish(buildTriggerEvent(event, 'quarantine', ProcessingStrategy.EXECUTE_REMEDIATION, new Date()));
    publisher.close();
    const notifier = h.notifier(testConfig('none'), pc.socketPath);
    await notifier.start();
    expect((await h.store.findMaintenanceEventById('crash-window'))!.status).toBe('QUARANTINE_TRIGGERED');
    expect(await pc.triggers(node)).toHaveLength(1);
    expect(
      await metricValue(
        notifier.registry,
        'csp_health_monitor_trigger_duplicates_avoided_total',
        'trigger_type="quarantine"',
      ),
    ).toBe(1);
    await notifier.stop();
  });

  it.runIf(provider === 'postgresql')(
    'does not resend when the status write fails after a successful send',
    async () => {
      const node = 'gpu-node-3';
      await h.store.upsertMaintenanceEvent(maintenance('status-write-fails', node));
      const client = new pg.Client({ connectionString: h.database!.url });
      await client.connect();
      try {
        // A real server-side failure of exactly that write.
        await client.query(`CREATE FUNCTION refuse_status() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN IF NEW.event_id = 'status-write-fails' THEN RAISE EXCEPTION 'injected: status write refused'; END IF; RETURN NEW; END $$`);
        await client.query(
          'CREATE TRIGGER refuse_status BEFORE UPDATE ON maintenance_events FOR EACH ROW EXECUTE FUNCTION refuse_status()',
        );
        const first = h.notifier(testConfig('none'), pc.socketPath);
        await first.start();
        expect(await pc.triggers(node)).toHaveLength(1);
        expect((await h.store.findMaintenanceEventById('status-write-fails'))!.status).toBe('DETECTED');
        expect(
          await metricValue(first.registry, 'csp_health_monitor_trigger_failures_total', 'failure_reason="db_update"'),
        ).toBe(1);
        await first.cycleOnce(); // still refused: still not resent
        expect(await pc.triggers(node)).toHaveLength(1);
        await client.query('DROP TRIGGER refuse_status ON maintenance_events');
        await first.cycleOnce();
        expect((await h.store.findMaintenanceEventById('status-write-fails'))!.status).toBe('QUARANTINE_TRIGGERED');
        expect(await pc.triggers(node)).toHaveLength(1);
        await first.stop();
      } finally {
        await client.query('DROP TRIGGER IF EXISTS refuse_status ON maintenance_events').catch(() => undefined);
        await client.end();
      }
    },
  );

  it('waits for a NotReady node and sends the healthy trigger when the node watch sees it Ready', async () => {
    const node = 'gpu-node-4';
    await h.sim.setNodeReady(node, false);
    await h.store.upsertMaintenanceEvent(
      maintenance('ready-wait', node, {
        status: MaintenanceStatus.MAINTENANCE_COMPLETE,
        actualEndTime: new Date(Date.now() - 16 * MIN),
      }),
    );
    const notifier = h.notifier(testConfig('none'), pc.socketPath);
    await notifier.start();
    expect(
      await metricValue(
        notifier.registry,
        'csp_health_monitor_node_readiness_monitoring_started_total',
        `node_name="${node}"`,
      ),
    ).toBe(1);
    expect(await pc.triggers(node)).toHaveLength(0);
    await notifier.cycleOnce(); // a second cycle does not start a second wait
    expect(
      await metricValue(
        notifier.registry,
        'csp_health_monitor_node_readiness_monitoring_started_total',
        `node_name="${node}"`,
      ),
    ).toBe(1);
    await h.sim.setNodeReady(node, true);
    await eventually(
      async () => (await h.store.findMaintenanceEventById('ready-wait'))!.status === 'HEALTHY_TRIGGERED',
      'healthy trigger after Ready',
    );
    expect((await pc.triggers(node)).map((t) => t.healthEvent.isHealthy)).toEqual([true]);
    await notifier.stop();
  });

  it('gives up with NODE_READINESS_TIMEOUT when the node stays NotReady (on a cycle, and on the wait timer)', async () => {
    const node = 'gpu-node-5';
    await h.sim.setNodeReady(node, false);
    await h.store.upsertMaintenanceEvent(
      maintenance('timed-out', node, {
        status: MaintenanceStatus.MAINTENANCE_COMPLETE,
        actualEndTime: new Date(Date.now() - 76 * MIN),
      }),
    );
    // Deadline = actualEndTime + 15 min delay + 60 min timeout: a second from now.
    await h.store.upsertMaintenanceEvent(
      maintenance('times-out-soon', node, {
        status: MaintenanceStatus.MAINTENANCE_COMPLETE,
        actualEndTime: new Date(Date.now() - 75 * MIN + 1000),
      }),
    );
    const notifier = h.notifier(testConfig('none'), pc.socketPath);
    await notifier.start();
    expect((await h.store.findMaintenanceEventById('timed-out'))!.status).toBe('NODE_READINESS_TIMEOUT');
    await eventually(
      async () => (await h.store.findMaintenanceEventById('times-out-soon'))!.status === 'NODE_READINESS_TIMEOUT',
      'timeout by the wait timer',
    );
    expect(
      await metricValue(notifier.registry, 'csp_health_monitor_node_not_ready_timeout_total', `node_name="${node}"`),
    ).toBe(2);
    expect(await pc.triggers(node)).toHaveLength(0);
    await notifier.stop();
  });

  it('sends healthy for CANCELLED, quarantines emergencies at once, and leaves far-off or unmappable events', async () => {
    await h.store.upsertMaintenanceEvent(
      maintenance('cancelled', 'gpu-node-6', { status: MaintenanceStatus.CANCELLED, cspStatus: 'CANCELLED' }),
    );
    const in5h = new Date(Date.now() + 300 * MIN);
    await h.store.upsertMaintenanceEvent(
      maintenance('emergency', 'gpu-node-7', { scheduledStartTime: in5h, metadata: { urgency: 'emergency' } }),
    );
    await h.store.upsertMaintenanceEvent(maintenance('far-off', 'gpu-node-7', { scheduledStartTime: in5h }));
    await h.store.upsertMaintenanceEvent(maintenance('no-node', '', { resourceId: 'i-unknown' }));
    const notifier = h.notifier(testConfig('none'), pc.socketPath);
    await notifier.start();
    expect((await h.store.findMaintenanceEventById('cancelled'))!.status).toBe('HEALTHY_TRIGGERED');
    expect((await pc.triggers('gpu-node-6')).map((t) => t.healthEvent.isHealthy)).toEqual([true]);
    expect((await h.store.findMaintenanceEventById('emergency'))!.status).toBe('QUARANTINE_TRIGGERED');
    expect((await h.store.findMaintenanceEventById('far-off'))!.status).toBe('DETECTED');
    expect((await pc.triggers('gpu-node-7')).map((t) => t.healthEvent.metadata.maintenanceEventId)).toEqual([
      'emergency',
    ]);
    expect((await h.store.findMaintenanceEventById('no-node'))!.status).toBe('DETECTED');
    expect(
      await metricValue(notifier.registry, 'csp_health_monitor_trigger_failures_total', 'failure_reason="mapping"'),
    ).toBe(1);
    await notifier.stop();
    await h.store.updateEventStatus('no-node', MaintenanceStatus.ERROR);
  });

  it('keeps the event DETECTED while platform-connectors is unreachable, and sends it once it is back', async () => {
    const node = 'gpu-node-0';
    await h.store.upsertMaintenanceEvent(maintenance('pc-down', node));
    const other = await startConnectors(h, 'second.sock');
    await other.stop(); // its socket path now has no server
    const notifier = h.notifier(testConfig('none'), other.socketPath);
    await notifier.start();
    expect((await h.store.findMaintenanceEventById('pc-down'))!.status).toBe('DETECTED');
    expect(
      await metricValue(notifier.registry, 'csp_health_monitor_trigger_failures_total', 'failure_reason="uds"'),
    ).toBe(1);
    expect(await metricValue(notifier.registry, 'csp_health_monitor_trigger_uds_send_errors_total')).toBe(3); // 1 + 2 retries
    await notifier.stop();
    const again = await startConnectors(h, 'second.sock');
    const retry = h.notifier(testConfig('none'), again.socketPath);
    await retry.start();
    expect((await h.store.findMaintenanceEventById('pc-down'))!.status).toBe('QUARANTINE_TRIGGERED');
    expect(await pc.triggers(node)).toHaveLength(1);
    await retry.stop();
    await again.stop();
  });
});
