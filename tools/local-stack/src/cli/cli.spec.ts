import { RecommendedAction, validateHealthEvent, toProtoJson } from '@nvsentinel/health-model';
import { describe, expect, it } from 'vitest';
import { gpuUuid, healthyEvent, pciAddress, xidEvent } from './health-events.js';
import { summarizeQuarantine } from './nodes-command.js';
import { formatTable } from './table.js';
import { xidInfo } from './xid-catalog.js';

describe('injected health events', () => {
  const now = new Date('2026-11-21T09:00:00.250Z');

  it('reports a fatal XID like syslog-health-monitor: check, code, GPU and PCI entities, action from the catalogue', () => {
    const event = xidEvent({ node: 'gpu-node-3', xid: 79, gpu: 2, monitor: 'syslog', now });
    expect(event).toMatchObject({
      agent: 'syslog-health-monitor',
      componentClass: 'GPU',
      checkName: 'SysLogsXIDError',
      isFatal: true,
      isHealthy: false,
      recommendedAction: RecommendedAction.RESTART_BM,
      errorCode: ['79'],
      entitiesImpacted: [
        { entityType: 'GPU', entityValue: '2' },
        { entityType: 'PCI', entityValue: pciAddress(2) },
        { entityType: 'GPU_UUID', entityValue: gpuUuid('gpu-node-3', 2) },
      ],
      nodeName: 'gpu-node-3',
      generatedTimestamp: { seconds: Math.floor(now.getTime() / 1000), nanos: 250_000_000 },
    });
    // What the platform connector accepts over HTTP: the event survives its validation unchanged.
    expect(validateHealthEvent(toProtoJson(event))).toEqual({ ok: true, value: event });
  });

  it('uses the catalogue for fatality, lets --non-fatal override it, and treats unknown XIDs as fatal', () => {
    expect(xidEvent({ node: 'n', xid: 13, gpu: 0, monitor: 'gpu' })).toMatchObject({
      agent: 'gpu-health-monitor',
      checkName: 'GpuXidError',
      isFatal: false,
    });
    expect(xidEvent({ node: 'n', xid: 79, gpu: 0, monitor: 'syslog', fatal: false }).isFatal).toBe(false);
    expect(xidInfo(4242)).toMatchObject({ fatal: true, action: RecommendedAction.CONTACT_SUPPORT });
  });

  it('names each GPU by a UUID that is stable per node and index', () => {
    expect(gpuUuid('gpu-node-3', 2)).toMatch(/^GPU-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(gpuUuid('gpu-node-3', 2)).toBe(gpuUuid('gpu-node-3', 2));
    expect(new Set([gpuUuid('gpu-node-3', 2), gpuUuid('gpu-node-3', 1), gpuUuid('gpu-node-4', 2)]).size).toBe(3);
  });

  it('reports recovery for the whole check, or for one GPU', () => {
    expect(healthyEvent({ node: 'n', monitor: 'syslog' })).toMatchObject({
      isHealthy: true,
      isFatal: false,
      entitiesImpacted: [],
      errorCode: [],
    });
    expect(healthyEvent({ node: 'n', monitor: 'syslog', gpu: 1 }).entitiesImpacted).toContainEqual({
      entityType: 'GPU',
      entityValue: '1',
    });
  });
});

describe('quarantine annotation summary', () => {
  it('groups the per-entity entries into one item per check and code', () => {
    const entry = (code: string, type: string, value: string) => ({
      checkName: 'SysLogsXIDError',
      errorCode: [code],
      entitiesImpacted: [{ entityType: type, entityValue: value }],
    });
    const annotation = JSON.stringify([
      entry('79', 'GPU', '0'),
      entry('79', 'PCI', '0000:18:00.0'),
      entry('48', 'GPU', '3'),
    ]);
    expect(summarizeQuarantine(annotation)).toBe('SysLogsXIDError:79(GPU 0) SysLogsXIDError:48(GPU 3)');
    expect(summarizeQuarantine(undefined)).toBe('');
    expect(summarizeQuarantine('{not json')).toBe('(unreadable annotation)');
  });
});

describe('tables', () => {
  it('pads every column but the last', () => {
    expect(
      formatTable(
        ['A', 'LONGER'],
        [
          ['value', 'x'],
          ['v', 'y'],
        ],
      ),
    ).toBe('A       LONGER\nvalue   x\nv       y');
  });
});
