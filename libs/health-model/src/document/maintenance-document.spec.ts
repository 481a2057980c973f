import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HealthModelErrorCode, isHealthModelError } from '../errors.js';
import type { MaintenanceEvent } from '../model/types.js';
import { maintenanceEventArbitrary } from '../testing/arbitraries.js';
import { maintenanceEventFromDocument, maintenanceEventToDocument } from './maintenance-document.js';
import { MaintenanceDocumentPaths } from './paths.js';

const sample: MaintenanceEvent = {
  eventId: 'evt-1',
  csp: 'gcp',
  clusterName: 'c1',
  resourceType: 'gce_instance',
  resourceId: 'vm-1',
  maintenanceType: 'SCHEDULED',
  status: 'DETECTED',
  cspStatus: 'PENDING',
  scheduledStartTime: new Date('2026-11-22T00:00:00Z'),
  scheduledEndTime: null,
  actualStartTime: null,
  actualEndTime: null,
  eventReceivedTimestamp: new Date('2026-11-21T00:00:00Z'),
  lastUpdatedTimestamp: new Date('2026-11-21T00:00:01Z'),
  recommendedAction: 'RESTART_VM',
  metadata: { zone: 'us-central1-a' },
  nodeName: 'gpu-node-1',
};

describe('maintenance event mapping', () => {
  it('uses the camelCase field names, Dates and nulls', () => {
    const doc = maintenanceEventToDocument(sample);
    expect(Object.keys(doc).sort()).toStrictEqual(
      Object.values(MaintenanceDocumentPaths)
        .filter((p) => p !== '_id')
        .sort(),
    );
    expect(doc.scheduledStartTime).toBeInstanceOf(Date);
    expect(doc.actualEndTime).toBeNull();
    expect(doc).toStrictEqual(sample);
    expect(doc.scheduledStartTime).not.toBe(sample.scheduledStartTime);
  });

  it('round-trips every maintenance event (property)', () => {
    fc.assert(
      fc.property(maintenanceEventArbitrary(), (event) => {
        expect(maintenanceEventFromDocument(maintenanceEventToDocument(event))).toStrictEqual(event);
      }),
    );
  });

  it('ignores _id and reads ISO-string dates', () => {
    const doc = { ...maintenanceEventToDocument(sample), _id: 'x', scheduledStartTime: '2026-11-22T00:00:00.000Z' };
    expect(maintenanceEventFromDocument(doc)).toStrictEqual(sample);
  });

  it.each([
    [{ status: 'DONE' }, "status: unknown value 'DONE' (expected one of DETECTED"],
    [{ eventId: '' }, 'eventId: required'],
    [{ eventReceivedTimestamp: null }, 'eventReceivedTimestamp: expected date, got null'],
    [{ metadata: { a: null } }, 'metadata.a: expected string, got null'],
  ])('rejects %o', (patch, message) => {
    try {
      maintenanceEventFromDocument({ ...maintenanceEventToDocument(sample), ...patch });
      expect.unreachable();
    } catch (error) {
      expect(isHealthModelError(error, HealthModelErrorCode.MaintenanceDocumentUndecodable)).toBe(true);
      expect((error as Error).message).toContain(message);
    }
  });
});
