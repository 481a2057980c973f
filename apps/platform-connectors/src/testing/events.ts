/** Health events in proto3 JSON form, as monitors send them. */
export type EventJson = Record<string, unknown>;

let sequence = 0;

export function eventJson(overrides: EventJson = {}): EventJson {
  sequence++;
  return {
    version: 1,
    agent: 'gpu-health-monitor',
    componentClass: 'GPU',
    checkName: 'GpuMemWatch',
    isFatal: true,
    isHealthy: false,
    message: `double-bit ECC error #${sequence}`,
    recommendedAction: 'RESTART_VM',
    errorCode: ['DCGM_FR_VOLATILE_DBE_DETECTED'],
    entitiesImpacted: [{ entityType: 'GPU', entityValue: '0' }],
    metadata: {},
    generatedTimestamp: new Date(Date.UTC(2026, 10, 21, 9, 0, 0) + sequence * 1000).toISOString(),
    nodeName: 'gpu-node-0',
    ...overrides,
  };
}
