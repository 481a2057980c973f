/**
 * The datastore goes away in the middle of the monitor's life (a real outage of the real server:
 * the test database stops accepting connections and the pool's short-lived connections cannot be
 * replaced, as in platform-connectors' outage test). Entries the CSP reports meanwhile must all
 * be stored once the datastore is back: the checkpoint stays put while polls fail.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gceMaintenanceEntry, GcpLoggingFake } from '../fakes/gcp-logging-fake.js';
import { Harness, metricValue, testConfig } from '../testing/harness.js';

describe('datastore outage during polls (postgresql)', () => {
  let h: Harness;
  let fake: GcpLoggingFake;
  beforeAll(async () => {
    h = await Harness.start('postgresql', 3, {
      connectionLifetimeMs: 300,
      maxIdleConnections: 0,
      idleTimeoutMs: 100,
      connectTimeoutMs: 1000,
    });
    fake = await new GcpLoggingFake().start();
  });
  afterAll(async () => {
    await h?.database?.admin(`ALTER DATABASE "${h.database.database}" ALLOW_CONNECTIONS true`).catch(() => undefined);
    await h?.close();
    await fake?.close();
  });

  it('loses no entry reported while the datastore was unavailable', async () => {
    const monitor = h.monitor(testConfig('gcp', fake.endpoint));
    await monitor.start();
    const from = monitor.checkpoint()!;
    const at = (ms: number) => new Date(from.getTime() + ms);
    await new Promise((resolve) => setTimeout(resolve, 20));
    for (let i = 0; i < 3; i++) {
      fake.entries.push(
        gceMaintenanceEntry({
          insertId: `during-outage-${i}`,
          timestamp: at(i + 1),
          instanceId: String(1000 + i),
          maintenanceStatus: 'PENDING',
          type: 'SCHEDULED',
        }),
      );
    }
    await h.database!.admin(`ALTER DATABASE "${h.database!.database}" ALLOW_CONNECTIONS false`);
    await new Promise((resolve) => setTimeout(resolve, 800)); // pooled connections reach their lifetime
    await expect(monitor.pollOnce()).rejects.toThrow();
    await expect(monitor.pollOnce()).rejects.toThrow();
    expect(monitor.checkpoint()).toEqual(from);
    expect(await metricValue(monitor.registry, 'csp_health_monitor_csp_monitor_errors_total')).toBe(2);

    await h.database!.admin(`ALTER DATABASE "${h.database!.database}" ALLOW_CONNECTIONS true`);
    const report = await monitor.pollOnce();
    expect(report.events).toBe(3);
    for (let i = 0; i < 3; i++) {
      expect(await h.store.findMaintenanceEventById(`during-outage-${i}`)).toMatchObject({
        status: 'DETECTED',
        nodeName: `gpu-node-${i}`,
      });
    }
    expect(monitor.checkpoint()!.getTime()).toBeGreaterThan(from.getTime());
    await monitor.stop();
  });

  it('stores oldest first and stops at the first failed write, so a restart resumes before the unstored entry', async () => {
    const monitor = h.monitor(testConfig('gcp', fake.endpoint));
    await monitor.start();
    const from = monitor.checkpoint()!;
    await new Promise((resolve) => setTimeout(resolve, 20));
    for (let i = 0; i < 3; i++) {
      fake.entries.push(
        gceMaintenanceEntry({
          insertId: `partial-${i}`,
          timestamp: new Date(from.getTime() + i + 1),
          instanceId: String(1000 + i),
          maintenanceStatus: 'PENDING',
        }),
      );
    }
    const client = new pg.Client({ connectionString: h.database!.url });
    await client.connect();
    try {
      await client.query(`CREATE FUNCTION refuse_partial() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN IF NEW.event_id = 'partial-1' THEN RAISE EXCEPTION 'injected: write refused'; END IF; RETURN NEW; END $$`);
      await client.query(
        'CREATE TRIGGER refuse_partial BEFORE INSERT ON maintenance_events FOR EACH ROW EXECUTE FUNCTION refuse_partial()',
      );
      await expect(monitor.pollOnce()).rejects.toThrow(/write refused/);
      expect(await h.store.findMaintenanceEventById('partial-0')).not.toBeNull();
      expect(await h.store.findMaintenanceEventById('partial-2')).toBeNull();
      await monitor.stop(); // the process dies; its in-memory checkpoint is gone
      await client.query('DROP TRIGGER refuse_partial ON maintenance_events');
    } finally {
      await client.query('DROP TRIGGER IF EXISTS refuse_partial ON maintenance_events').catch(() => undefined);
      await client.end();
    }
    const restarted = h.monitor(testConfig('gcp', fake.endpoint));
    await restarted.start(); // resumes at partial-0's timestamp
    expect(await h.store.findMaintenanceEventById('partial-1')).not.toBeNull();
    expect(await h.store.findMaintenanceEventById('partial-2')).not.toBeNull();
    await restarted.stop();
  });
});
