/**
 * Both processes through service-kit's `launchService` — the code path of `dist/main.js` and
 * `dist/notifier/main.js` — with the datastore (PostgreSQL) and the simulated cluster injected:
 * bad settings are ConfigErrors naming the fix, one sim window becomes a stored MaintenanceEvent
 * and a CSPMaintenance health event over the gRPC socket, and stop ends both cleanly.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError, launchService, type LaunchedService } from '@nvsentinel/service-kit';
import { eventually } from '@nvsentinel/service-kit/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cspHealthMonitorService } from './definition.js';
import { listMaintenanceEvents } from './list.js';
import { scheduleSimMaintenance } from './csp/sim/schedule.js';
import { maintenanceNotifierService } from './notifier/definition.js';
import { startConnectors, type Connectors } from './testing/connectors.js';
import { Harness, NAMESPACE } from './testing/harness.js';

const SIM_TOML = `
clusterName = "lifecycle"
maintenanceEventPollIntervalSeconds = 10
triggerQuarantineWorkflowTimeLimitMinutes = 5
postMaintenanceHealthyDelayMinutes = 1
nodeReadinessTimeoutMinutes = 10
[sim]
enabled = true
pollingIntervalSeconds = 1
`;

describe('csp-health-monitor and maintenance-notifier lifecycle', () => {
  let h: Harness;
  let pc: Connectors;
  let configPath: string;
  const launched: LaunchedService[] = [];

  const launch = (definition: typeof cspHealthMonitorService | typeof maintenanceNotifierService, argv: string[]) => {
    const service = launchService(definition as typeof cspHealthMonitorService, {
      argv: ['--metrics-port', '0', ...argv],
      env: {},
      datastore: h.datastore,
      kube: h.kube,
      namespace: NAMESPACE,
      logger: h.logger,
    });
    launched.push(service);
    return service;
  };

  beforeAll(async () => {
    h = await Harness.start('postgresql', 3);
    pc = await startConnectors(h);
    configPath = join(h.dir, 'config.toml');
    await writeFile(configPath, SIM_TOML);
  });
  afterEach(async () => {
    await Promise.all(launched.splice(0).map((s) => s.stop()));
  });
  afterAll(async () => {
    await pc?.stop();
    await h?.close();
  });

  it('a missing config file is a ConfigError naming --config, for both processes', async () => {
    for (const definition of [cspHealthMonitorService, maintenanceNotifierService]) {
      const err = await launch(definition, ['--config', join(h.dir, 'absent.toml')]).started.catch((e: unknown) => e);
      expect(ConfigError.is(err), definition.name).toBe(true);
      expect((err as Error).message).toContain('--config');
      expect((err as Error).message).toContain('absent.toml');
    }
  });

  it('an invalid config file is a ConfigError listing every problem', async () => {
    const bad = join(h.dir, 'bad.toml');
    await writeFile(bad, 'clusterName = ""\n[sim]\nenabled = true\n[aws]\nenabled = true\nregion = "us-east-1"\n');
    const err = await launch(cspHealthMonitorService, ['--config', bad]).started.catch((e: unknown) => e);
    expect(ConfigError.is(err)).toBe(true);
    expect((err as Error).message).toContain('at most one CSP may be enabled');
    expect((err as Error).message).toContain('clusterName is required');
  });

  it('a bad notifier flag is a ConfigError naming the flag', async () => {
    const err = await launch(maintenanceNotifierService, [
      '--config',
      configPath,
      '--uds-max-retries',
      '-1',
      '--processing-strategy',
      'SOMETIMES',
    ]).started.catch((e: unknown) => e);
    expect(ConfigError.is(err)).toBe(true);
    expect((err as Error).message).toContain('uds-max-retries');
    expect((err as Error).message).toContain('processing-strategy');
  });

  it('a sim window becomes a stored maintenance event and a CSPMaintenance health event on the socket; stop ends both', async () => {
    const node = 'gpu-node-1';
    const monitor = launch(cspHealthMonitorService, ['--config', configPath]);
    await monitor.started;
    expect(Object.keys(monitor.instance!.readinessChecks!())).toEqual(['node-cache', 'csp-poll']);

    const window = await scheduleSimMaintenance(h.kube, {
      namespace: NAMESPACE,
      node,
      inMs: 60_000,
      durationMs: 300_000,
    });
    const stored = await eventually(
      async () =>
        (await listMaintenanceEvents(h.datastore, { nodeName: node })).find((e) => e.eventId.includes(window.id)),
      'the sim window stored as a maintenance event',
    );
    expect(stored).toMatchObject({ nodeName: node, csp: 'sim', clusterName: 'lifecycle', status: 'DETECTED' });
    expect(stored.scheduledStartTime?.getTime()).toBe(window.start.getTime());

    const notifier = launch(maintenanceNotifierService, ['--config', configPath, '--uds-path', pc.socketPath]);
    await notifier.started;
    const [trigger] = await eventually(async () => {
      const triggers = await pc.triggers(node);
      return triggers.length > 0 ? triggers : undefined;
    }, 'a CSPMaintenance health event received over the socket');
    expect(trigger!.healthEvent).toMatchObject({ nodeName: node, checkName: 'CSPMaintenance', isHealthy: false });
    await eventually(
      async () => (await h.store.findMaintenanceEventById(stored.eventId))?.status === 'QUARANTINE_TRIGGERED',
      'the maintenance event marked QUARANTINE_TRIGGERED',
    );

    await Promise.all([monitor.stop(), notifier.stop()]);
    await Promise.all([monitor.done, notifier.done]);
    await monitor.stop(); // idempotent
    // One window, one trigger: neither the repeated polls nor the notifier's cycles sent it twice.
    expect(await pc.triggers(node)).toHaveLength(1);
  });
});
