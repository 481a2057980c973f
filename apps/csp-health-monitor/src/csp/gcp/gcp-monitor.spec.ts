/**
 * The GCP path end to end: the official Cloud Logging client over its REST transport against
 * the local fake, nodes in the cluster simulator, maintenance events in a real datastore.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listMaintenanceEvents } from '../../list.js';
import { gceMaintenanceEntry, GcpLoggingFake } from '../../fakes/gcp-logging-fake.js';
import { gcpAuth, Harness, metricValue, PROVIDERS, testConfig } from '../../testing/harness.js';

describe.each(PROVIDERS)('GCP Cloud Logging monitor on %s', (provider) => {
  let h: Harness;
  let fake: GcpLoggingFake;
  beforeAll(async () => {
    h = await Harness.start(provider, 4);
    fake = await new GcpLoggingFake().start();
  });
  afterAll(async () => {
    await h?.close();
    await fake?.close();
  });

  const t = (offsetMs: number) => new Date(Date.now() + offsetMs);
  const window = { windowStartTime: t(3_600_000), windowEndTime: t(7_200_000) };

  it('normalises PENDING → ONGOING → COMPLETE entries of one node, with inheritance, across pages', async () => {
    const monitor = h.monitor(testConfig('gcp', fake.endpoint), {
      options: { gcp: { authClient: gcpAuth(), pageSize: 2 } },
    });
    await monitor.start();
    const before = monitor.checkpoint()!;
    const at = (ms: number) => new Date(before.getTime() + ms);
    await new Promise((resolve) => setTimeout(resolve, 20)); // every entry below is inside the next window
    fake.entries.push(
      gceMaintenanceEntry({
        insertId: 'p1',
        timestamp: at(1),
        instanceId: '1001',
        maintenanceStatus: 'PENDING',
        type: 'SCHEDULED',
        ...window,
      }),
      // ONGOING without times or type: inherits them from the DETECTED event of the node.
      gceMaintenanceEntry({
        insertId: 'o1',
        timestamp: at(3),
        instanceId: '1001',
        maintenanceStatus: 'ONGOING',
        type: 'SCHEDULED',
      }),
      gceMaintenanceEntry({
        insertId: 'c1',
        timestamp: at(5),
        instanceId: '1001',
        maintenanceStatus: 'ONGOING',
        statusMessage: 'Maintenance window has completed',
      }),
      // Not a maintenance entry, another resource, an instance outside the cluster.
      {
        insertId: 'j1',
        timestamp: at(2).toISOString(),
        resource: { type: 'gce_instance', labels: { instance_id: '1001' } },
        jsonPayload: { hello: 'world' },
      },
      {
        ...gceMaintenanceEntry({ insertId: 'k1', timestamp: at(2), instanceId: '1002' }),
        resource: { type: 'k8s_node', labels: {} },
      },
      gceMaintenanceEntry({
        insertId: 'x1',
        timestamp: at(4),
        instanceId: '999999',
        maintenanceStatus: 'PENDING',
        ...window,
      }),
    );
    // Entries written before the checkpoint are outside the window (older than the monitor's start).
    fake.entries.push(
      gceMaintenanceEntry({
        insertId: 'old',
        timestamp: new Date(before.getTime() - 60_000),
        instanceId: '1003',
        maintenanceStatus: 'PENDING',
      }),
    );
    const report = await monitor.pollOnce();
    expect(report.events).toBe(4);
    const last = fake.requests.at(-1)!;
    expect(String(last.filter)).toMatch(
      /^\(protoPayload.methodName="compute.instances.upcomingMaintenance"\) AND \(timestamp >= "[^"]+" AND timestamp <= "[^"]+"\)$/,
    );
    expect(last.resourceNames).toEqual(['projects/my-project']);
    expect(fake.requests.filter((r) => r.pageToken).length).toBeGreaterThan(0);

    const byId = new Map((await listMaintenanceEvents(h.datastore)).map((e) => [e.eventId, e]));
    expect(byId.get('p1')).toMatchObject({
      status: 'DETECTED',
      cspStatus: 'PENDING',
      nodeName: 'gpu-node-1',
      resourceId: '1001',
      resourceType: 'gce_instance',
      maintenanceType: 'SCHEDULED',
      recommendedAction: 'NONE',
      clusterName: 'test-cluster',
      metadata: { gcp_zone: 'us-central1-a', gcp_project_id: 'my-project' },
    });
    expect(byId.get('p1')!.scheduledStartTime).toEqual(window.windowStartTime);
    expect(byId.get('o1')).toMatchObject({
      status: 'MAINTENANCE_ONGOING',
      nodeName: 'gpu-node-1',
      maintenanceType: 'SCHEDULED',
      scheduledStartTime: window.windowStartTime,
      scheduledEndTime: window.windowEndTime,
    });
    expect(byId.get('c1')).toMatchObject({
      status: 'MAINTENANCE_COMPLETE',
      cspStatus: 'COMPLETED',
      maintenanceType: 'SCHEDULED',
      scheduledStartTime: window.windowStartTime,
    });
    expect(byId.get('c1')!.actualEndTime).toEqual(new Date(fake.entries.find((e) => e.insertId === 'c1')!.timestamp));
    expect(byId.get('x1')).toMatchObject({ nodeName: '', status: 'DETECTED' });
    expect(byId.has('j1') || byId.has('k1') || byId.has('old')).toBe(false);
    expect(
      await metricValue(monitor.registry, 'csp_health_monitor_csp_events_by_type_unsupported_total', 'csp="gcp"'),
    ).toBe(2);
    await monitor.stop();
  });

  it('fails the poll on auth failure, throttling and a malformed body, keeping the window for the next poll', async () => {
    const monitor = h.monitor(testConfig('gcp', fake.endpoint));
    await monitor.start();
    const from = monitor.checkpoint()!;
    fake.entries.push(
      gceMaintenanceEntry({
        insertId: 'late-1',
        timestamp: t(-10),
        instanceId: '1002',
        maintenanceStatus: 'PENDING',
        ...window,
      }),
    );

    fake.failNext(1, 429, 'RESOURCE_EXHAUSTED', 'Quota exceeded for quota metric Read requests');
    await expect(monitor.pollOnce()).rejects.toThrow(/Quota exceeded/);
    fake.malformedNext(1, '{"entries": [{"insertId": ');
    await expect(monitor.pollOnce()).rejects.toThrow();
    const denied = h.monitor(testConfig('gcp', fake.endpoint), {
      options: { gcp: { authClient: gcpAuth('expired-token') } },
    });
    await denied.start();
    await expect(denied.pollOnce()).rejects.toThrow(/invalid authentication credentials/);
    expect(await metricValue(denied.registry, 'csp_health_monitor_csp_api_errors_total', 'csp="gcp"')).toBe(2);

    expect(monitor.checkpoint()).toEqual(from);
    expect(await h.store.findMaintenanceEventById('late-1')).toBeNull();
    await monitor.pollOnce();
    expect(await h.store.findMaintenanceEventById('late-1')).toMatchObject({
      nodeName: 'gpu-node-2',
      status: 'DETECTED',
    });
    expect(await metricValue(monitor.registry, 'csp_health_monitor_csp_monitor_errors_total', 'csp="gcp"')).toBe(2);
    await monitor.stop();
    await denied.stop();
  });

  it('resumes after a restart at the newest stored entry time (nothing replayed, nothing skipped)', async () => {
    const latest = await h.store.getLastProcessedEventTimestampByCSP('test-cluster', 'gcp');
    const monitor = h.monitor(testConfig('gcp', fake.endpoint));
    const n = fake.requests.length;
    await monitor.start();
    expect(String(fake.requests[n]!.filter)).toContain(`timestamp >= "${latest!.toISOString()}"`);
    await monitor.stop();
  });
});
