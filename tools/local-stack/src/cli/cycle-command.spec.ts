import { describe, expect, it } from 'vitest';
import { eventSteps, formatCycle, maintenanceSteps, toDate } from './cycle-command.js';
import type { StoredEventView } from './events-command.js';
import { maintenancePhase } from './nodes-command.js';
import type { MaintenanceObject } from '../progress/remediation-progress.js';

/** CRs come from the API as raw JSON: timestamps are strings, not the typed model's Date. */
const asCr = (raw: unknown) => raw as MaintenanceObject;

const ts = (iso: string) => ({ seconds: Math.floor(Date.parse(iso) / 1000), nanos: (Date.parse(iso) % 1000) * 1e6 });

const view = (
  over: Partial<StoredEventView['healthEvent']>,
  status: Record<string, unknown>,
  createdAt: string,
  id: string,
): StoredEventView => ({
  id,
  createdAt,
  healthEvent: {
    nodeName: 'gpu-node-3',
    agent: 'syslog-health-monitor',
    checkName: 'SysLogsXIDError',
    isFatal: true,
    isHealthy: false,
    errorCode: ['79'],
    recommendedAction: 'RESTART_BM',
    ...over,
  },
  healthEventStatus: {
    nodeQuarantined: '',
    userPodsEvictionStatus: { status: '' },
    faultRemediated: null,
    ...status,
  } as StoredEventView['healthEventStatus'],
});

describe('nvsentinel cycle', () => {
  const fault = view(
    {},
    {
      nodeQuarantined: 'Quarantined',
      quarantineFinishTimestamp: ts('2026-12-02T10:00:00.020Z'),
      userPodsEvictionStatus: { status: 'Succeeded' },
      drainFinishTimestamp: ts('2026-12-02T10:00:03.000Z'),
      faultRemediated: true,
      lastRemediationTimestamp: ts('2026-12-02T10:00:03.100Z'),
    },
    '2026-12-02T10:00:00.005Z',
    'aaaaaaaa1111',
  );
  const healthy = view(
    { isHealthy: true, isFatal: false, errorCode: [], recommendedAction: 'NONE' },
    { nodeQuarantined: 'UnQuarantined', quarantineFinishTimestamp: ts('2026-12-02T10:00:16.050Z') },
    '2026-12-02T10:00:16.010Z',
    'bbbbbbbb2222',
  );
  const reboot = asCr({
    metadata: { name: 'maintenance-gpu-node-3-aaaa', creationTimestamp: '2026-12-02T10:00:03Z' },
    spec: { nodeName: 'gpu-node-3' },
    status: {
      conditions: [
        { type: 'SignalSent', status: 'True', reason: 'Succeeded', lastTransitionTime: '2026-12-02T10:00:03.300Z' },
        { type: 'NodeReady', status: 'True', reason: 'Succeeded', lastTransitionTime: '2026-12-02T10:00:15.900Z' },
      ],
    },
  });

  it('orders every step of the cycle by time, from the event statuses and the CR conditions', () => {
    const steps = [...eventSteps([healthy, fault]), ...maintenanceSteps('RebootNode', [reboot])];
    const out = formatCycle('gpu-node-3', steps);
    const order = [
      'fault stored',
      'cordoned',
      'drained',
      'CR created',
      'remediation done',
      'reboot signal sent',
      'node Ready',
      'healthy reported',
      'uncordoned',
    ];
    const positions = order.map((step) => out.indexOf(`  ${step}`));
    expect(
      positions.every((p) => p > 0),
      out,
    ).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(out).toContain('+16.045 s');
    expect(out).toContain('RebootNode maintenance-gpu-node-3-aaaa');
    expect(out).toContain('fault → back in service: 16.045 s');
  });

  it('says so when nothing is recorded, and reads both timestamp forms', () => {
    expect(formatCycle('gpu-node-1', [])).toMatch(/no break-fix cycle recorded for gpu-node-1/);
    expect(toDate({ seconds: 0, nanos: 0 })).toBeUndefined();
    expect(toDate('not a time')).toBeUndefined();
    expect(toDate({ seconds: '1764669600', nanos: 5e8 })?.toISOString()).toBe('2025-12-02T10:00:00.500Z');
  });

  it('shows a failed step as failed, and the furthest step as the CR phase', () => {
    const failed = asCr({
      ...reboot,
      status: {
        conditions: [
          { type: 'NodeReady', status: 'False', reason: 'Timeout', lastTransitionTime: '2026-12-02T10:30:00Z' },
        ],
      },
    });
    expect(maintenanceSteps('RebootNode', [failed]).map((s) => s.step)).toEqual(['CR created', 'NodeReady failed']);
    expect(maintenancePhase(failed)).toBe('NodeReady=False (Timeout)');
    expect(maintenancePhase(reboot)).toBe('NodeReady');
    expect(maintenancePhase({ status: { conditions: [{ type: 'SignalSent', status: 'True' }] } })).toBe('SignalSent');
    expect(maintenancePhase({ status: { phase: 'ResettingGPU' } })).toBe('ResettingGPU');
  });
});
