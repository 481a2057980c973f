import { describe, expect, it } from 'vitest';
import { normalizeGcpEntry, UnsupportedGcpEntry, type GcpLogEntry } from './normalize.js';

const at = new Date('2026-12-02T10:00:00.123Z');
const entry = (method: string, metadata: Record<string, unknown>, statusMessage?: string): GcpLogEntry => ({
  insertId: 'ins-1',
  timestamp: at,
  resourceType: 'gce_instance',
  resourceLabels: { instance_id: '1001', zone: 'us-central1-a', project_id: 'p' },
  auditLog: { methodName: method, metadata, ...(statusMessage ? { status: { message: statusMessage } } : {}) },
});

describe('GCP normalisation', () => {
  it('upcomingMaintenance PENDING → DETECTED with window, zone and project', () => {
    const e = normalizeGcpEntry(
      entry('compute.instances.upcomingMaintenance', {
        maintenanceStatus: 'PENDING',
        type: 'SCHEDULED',
        windowStartTime: '2026-12-03T00:00:00Z',
        windowEndTime: '2026-12-03T04:00:00Z',
      }),
      'gpu-node-1',
      'p',
    );
    expect(e).toMatchObject({
      eventId: 'ins-1',
      csp: 'gcp',
      resourceType: 'gce_instance',
      resourceId: '1001',
      maintenanceType: 'SCHEDULED',
      status: 'DETECTED',
      cspStatus: 'PENDING',
      scheduledStartTime: new Date('2026-12-03T00:00:00Z'),
      scheduledEndTime: new Date('2026-12-03T04:00:00Z'),
      recommendedAction: 'NONE',
      eventReceivedTimestamp: at,
      nodeName: 'gpu-node-1',
      metadata: { gcp_zone: 'us-central1-a', gcp_project_id: 'p' },
    });
  });

  it('unknown status: PENDING on upcoming*, ACTIVE on terminate/migrate; ONGOING sets actualStartTime', () => {
    expect(
      normalizeGcpEntry(
        entry('compute.instances.upcomingInfraMaintenance', { maintenanceStatus: 'WHATEVER' }),
        '',
        'p',
      ),
    ).toMatchObject({ status: 'DETECTED', cspStatus: 'PENDING' });
    expect(normalizeGcpEntry(entry('compute.instances.terminateOnHostMaintenance', {}), '', 'p')).toMatchObject({
      status: 'MAINTENANCE_ONGOING',
      cspStatus: 'ACTIVE',
      actualStartTime: at,
    });
    expect(normalizeGcpEntry(entry('compute.instances.migrateOnHostMaintenance', {}), '', 'p')).toMatchObject({
      status: 'MAINTENANCE_ONGOING',
      cspStatus: 'ACTIVE',
    });
    expect(
      normalizeGcpEntry(entry('compute.instances.upcomingMaintenance', { maintenanceStatus: 'ONGOING' }), '', 'p'),
    ).toMatchObject({ status: 'MAINTENANCE_ONGOING', cspStatus: 'ONGOING' });
  });

  it('"window completed" status text → MAINTENANCE_COMPLETE; CANCELLED → CANCELLED', () => {
    expect(
      normalizeGcpEntry(
        entry(
          'compute.instances.upcomingMaintenance',
          { maintenanceStatus: 'ONGOING' },
          'Maintenance window has completed',
        ),
        '',
        'p',
      ),
    ).toMatchObject({
      status: 'MAINTENANCE_COMPLETE',
      cspStatus: 'COMPLETED',
      actualEndTime: at,
    });
    expect(
      normalizeGcpEntry(entry('compute.instances.upcomingMaintenance', { maintenanceStatus: 'CANCELLED' }), '', 'p'),
    ).toMatchObject({ status: 'CANCELLED' });
  });

  it('refuses other resources, methods and payloads as unsupported, and bad times as malformed', () => {
    expect(() =>
      normalizeGcpEntry({ ...entry('compute.instances.upcomingMaintenance', {}), resourceType: 'k8s_node' }, '', 'p'),
    ).toThrow(UnsupportedGcpEntry);
    expect(() => normalizeGcpEntry(entry('compute.instances.insert', {}), '', 'p')).toThrow(UnsupportedGcpEntry);
    expect(() => normalizeGcpEntry({ ...entry('x', {}), auditLog: undefined }, '', 'p')).toThrow(UnsupportedGcpEntry);
    expect(() =>
      normalizeGcpEntry(entry('compute.instances.upcomingMaintenance', { windowStartTime: 'tomorrow' }), '', 'p'),
    ).toThrow(/windowStartTime "tomorrow"/);
  });
});
