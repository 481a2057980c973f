/**
 * End to end, on the embedded datastore and on the local PostgreSQL: a cloud maintenance window
 * scheduled the way `nvsentinel maintenance schedule` schedules it (the `sim` CSP's ConfigMap) →
 * csp-health-monitor stores it → maintenance-notifier quarantines the node before the window →
 * the window ends and the node is Ready → a healthy CSPMaintenance event → the node is uncordoned.
 * csp-health-monitor runs with the seconds-resolution keys (testing/fast-maintenance.ts), so the
 * window lasts seconds. Timings are printed, never asserted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Annotations } from '@nvsentinel/fault-quarantine';
import { MaintenanceStatus, RecommendedAction } from '@nvsentinel/health-model';
import { maintenanceList, maintenanceSchedule } from './cli/maintenance-command.js';
import { NVSENTINEL_NAMESPACE } from './stack/local-config.js';
import { FAST_MAINTENANCE_TOML, HEALTHY_DELAY_SECONDS } from './testing/fast-maintenance.js';
import { eventually, StackHarness, type Provider } from './testing/stack-harness.js';

const FLOW_TIMEOUT_MS = 120_000;
/** Long enough for poll → store → trigger → cordon on a loaded machine, short enough to keep CI lean. */
const WINDOW_STARTS_IN_SECONDS = 8;
const WINDOW_SECONDS = 3;

const providers: Provider[] = ['embedded', 'postgresql'];
const measurements: string[] = [];

afterAll(() => {
  if (measurements.length) console.log(`\nscheduled maintenance end-to-end\n  ${measurements.join('\n  ')}\n`);
});

describe.each(providers)('scheduled maintenance on the %s datastore', (provider) => {
  let h: StackHarness;

  beforeAll(async () => {
    h = await StackHarness.start(provider, { cspHealthMonitorToml: FAST_MAINTENANCE_TOML });
  }, FLOW_TIMEOUT_MS);

  afterAll(async () => {
    await h?.close();
  }, FLOW_TIMEOUT_MS);

  it(
    'quarantines the node before the window and releases it with a healthy event after the window, each trigger once',
    async () => {
      const node = 'gpu-node-2';
      const scheduledAt = Date.now();
      const result = await maintenanceSchedule(h.kube, NVSENTINEL_NAMESPACE, {
        node,
        inSeconds: WINDOW_STARTS_IN_SECONDS,
        durationSeconds: WINDOW_SECONDS,
      });
      if (result.kind !== 'scheduled') throw new Error(`expected a scheduled window, got ${result.kind}`);
      const window = result.window;
      const maintenance = h.stack.datastore.maintenanceEventStore();
      const events = h.stack.datastore.healthEventStore();
      const cspEvents = async () =>
        (await events.findHealthEventsByNode(node)).filter(
          (e) => e.healthEvent.agent === 'csp-health-monitor' && e.healthEvent.checkName === 'CSPMaintenance',
        );

      // csp-health-monitor stores the window; the notifier triggers the quarantine.
      const stored = await eventually(
        async () => (await maintenance.findMaintenanceEventById(window.id)) ?? undefined,
        'the stored window',
      );
      expect(stored).toMatchObject({ csp: 'sim', nodeName: node, clusterName: 'e2e' });
      const cordonedAt = await eventually(() => h.cordonedAt(node, scheduledAt), 'cordon before the window');
      expect(cordonedAt, 'cordoned before the window starts').toBeLessThan(window.start.getTime());
      const trigger = await eventually(
        async () => (await cspEvents()).find((e) => !e.healthEvent.isHealthy),
        'trigger',
      );
      expect(trigger.healthEvent).toMatchObject({
        isFatal: true,
        isHealthy: false,
        recommendedAction: RecommendedAction.RESTART_VM,
      });
      expect(trigger.createdAt.getTime()).toBeLessThan(window.start.getTime());
      await eventually(
        async () =>
          (await events.findHealthEventById(trigger.id))?.healthEventStatus.nodeQuarantined === 'Quarantined'
            ? true
            : undefined,
        'the trigger quarantined',
      );
      const tracked = JSON.parse(h.node(node).metadata?.annotations?.[Annotations.healthEvents] ?? '[]') as Array<{
        checkName: string;
      }>;
      expect(tracked.map((t) => t.checkName)).toContain('CSPMaintenance');
      expect((await maintenance.findMaintenanceEventById(window.id))?.status).not.toBe(MaintenanceStatus.DETECTED);

      // The node stays quarantined through the window; after it (and Ready) the notifier sends healthy.
      const released = await eventually(
        () =>
          h.nodeHistory.get(node)?.find((o) => o.at >= cordonedAt && !o.node.spec?.unschedulable)
            ? h.nodeHistory.get(node)!.find((o) => o.at >= cordonedAt && !o.node.spec?.unschedulable)
            : undefined,
        'uncordon after the window',
        { timeoutMs: 90_000 },
      );
      expect(released.at, 'released only after the window and the healthy delay').toBeGreaterThanOrEqual(
        window.end.getTime() + HEALTHY_DELAY_SECONDS * 1000,
      );
      expect(released.node.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
      expect(released.node.metadata?.annotations?.[Annotations.healthEvents]).toBeUndefined();
      const healthy = await eventually(async () => (await cspEvents()).find((e) => e.healthEvent.isHealthy), 'healthy');
      expect(healthy.createdAt.getTime()).toBeGreaterThanOrEqual(window.end.getTime());
      await eventually(
        async () =>
          (await events.findHealthEventById(healthy.id))?.healthEventStatus.nodeQuarantined === 'UnQuarantined'
            ? true
            : undefined,
        'the healthy event UnQuarantined',
      );
      await eventually(
        async () =>
          (await maintenance.findMaintenanceEventById(window.id))?.status === MaintenanceStatus.HEALTHY_TRIGGERED
            ? true
            : undefined,
        'HEALTHY_TRIGGERED',
      );

      // Exactly once: one quarantine trigger, one healthy trigger, one cordon, one uncordon.
      const all = await cspEvents();
      expect(all.filter((e) => !e.healthEvent.isHealthy)).toHaveLength(1);
      expect(all.filter((e) => e.healthEvent.isHealthy)).toHaveLength(1);
      expect(h.cordonChanges(node, scheduledAt)).toEqual({ cordons: 1, uncordons: 1 });
      // The sim window's action is RESTART_VM (the CLI's default), which the chart's action map
      // remediates with a RebootNode: the drained node is rebooted once, and stays quarantined
      // after its reboot until the window is over.
      expect(h.maintenanceCrs('rebootnodes', node)).toHaveLength(1);
      expect(h.reboots(node, scheduledAt)).toBe(1);

      // What the CLI's `maintenance list` shows at the end.
      const listing = await maintenanceList({
        ingestUrl: h.stack.ingestUrl,
        kube: h.kube,
        namespace: NVSENTINEL_NAMESPACE,
        node,
      });
      expect(listing.stored.map((e) => [e.eventId, e.status])).toEqual([[window.id, 'HEALTHY_TRIGGERED']]);
      expect(listing.pending).toEqual([]);

      const at = (t: number) => `${((t - scheduledAt) / 1000).toFixed(1)} s`;
      measurements.push(
        `${provider}: window ${at(window.start.getTime())} → ${at(window.end.getTime())}; cordon ${at(cordonedAt)}, ` +
          `reboots ${h.reboots(node, scheduledAt)}, RebootNode CRs ${h.maintenanceCrs('rebootnodes', node).length}, ` +
          `healthy stored ${at(healthy.createdAt.getTime())}, uncordon ${at(released.at)}`,
      );
    },
    FLOW_TIMEOUT_MS,
  );
});
