/** Health events shaped like the monitors' reports that the chart rules look at. */
import {
  ProcessingStrategy,
  RecommendedAction,
  sampleHealthEvent,
  type Entity,
  type HealthEvent,
} from '@nvsentinel/health-model';

export interface XidOptions {
  xid: string;
  /** GPU_UUID entity value; null leaves the GPU_UUID entity out. */
  gpu?: string | null;
  /** Seconds since the epoch (generatedtimestamp.seconds). */
  ts: number;
  healthy?: boolean;
  fatal?: boolean;
  checkName?: string;
  agent?: string;
  extra?: Entity[];
  strategy?: ProcessingStrategy;
}

export function xidEvent(node: string, o: XidOptions): HealthEvent {
  const entities: Entity[] = [{ entityType: 'GPU', entityValue: '0' }];
  if (o.gpu !== null) entities.push({ entityType: 'GPU_UUID', entityValue: o.gpu ?? 'GPU-aaaa' });
  return sampleHealthEvent({
    nodeName: node,
    agent: o.agent ?? 'syslog-health-monitor',
    checkName: o.checkName ?? 'SysLogsXIDError',
    componentClass: 'GPU',
    errorCode: [o.xid],
    isHealthy: o.healthy ?? false,
    isFatal: o.fatal ?? true,
    message: `XID ${o.xid}`,
    recommendedAction: RecommendedAction.CONTACT_SUPPORT,
    entitiesImpacted: [...entities, ...(o.extra ?? [])],
    generatedTimestamp: { seconds: o.ts, nanos: 0 },
    processingStrategy: o.strategy ?? ProcessingStrategy.EXECUTE_REMEDIATION,
  });
}

/** A 32-character register value with only `bits` set (most significant bit first). */
function register(...bits: number[]): string {
  const chars = Array<string>(32).fill('0');
  for (const b of bits) chars[31 - b] = '1';
  return chars.join('');
}

/** REG0..REG6 entities: the given registers, zeros elsewhere; NVLINK entity when `nvlink` is set. */
export function registers(set: Partial<Record<0 | 1 | 2 | 3 | 4 | 5 | 6, number[]>>, nvlink?: string): Entity[] {
  const out: Entity[] = [];
  for (let r = 0; r < 7; r++) {
    const bits = set[r as 0] ?? [];
    out.push({ entityType: `REG${r}`, entityValue: register(...bits) });
  }
  if (nvlink !== undefined) out.push({ entityType: 'NVLINK', entityValue: nvlink });
  return out;
}

export function gpcTpc(gpc: string, tpc: string): Entity[] {
  return [
    { entityType: 'GPC', entityValue: gpc },
    { entityType: 'TPC', entityValue: tpc },
  ];
}

export function nicDriverEvent(node: string, code: string, ts: number): HealthEvent {
  return sampleHealthEvent({
    nodeName: node,
    agent: 'syslog-health-monitor',
    checkName: 'SysLogsNICDriverError',
    componentClass: 'NIC',
    errorCode: [code],
    isFatal: false,
    isHealthy: false,
    message: `NIC driver error ${code}`,
    recommendedAction: RecommendedAction.NONE,
    entitiesImpacted: [{ entityType: 'NIC', entityValue: 'mlx5_0' }],
    generatedTimestamp: { seconds: ts, nanos: 0 },
  });
}

export function nicDegradationEvent(
  node: string,
  port: string,
  ts: number,
  check = 'InfiniBandDegradationCheck',
): HealthEvent {
  return sampleHealthEvent({
    nodeName: node,
    agent: 'nic-health-monitor',
    checkName: check,
    componentClass: 'NIC',
    errorCode: ['DEGRADED'],
    isFatal: false,
    isHealthy: false,
    message: 'link degraded',
    recommendedAction: RecommendedAction.NONE,
    entitiesImpacted: [
      { entityType: 'NIC', entityValue: 'mlx5_0' },
      { entityType: 'NICPort', entityValue: port },
    ],
    generatedTimestamp: { seconds: ts, nanos: 0 },
  });
}
