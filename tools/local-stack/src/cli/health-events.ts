/**
 * Health events shaped like the ones NVIDIA's monitors send: syslog-health-monitor reports XIDs
 * it reads from the kernel log as `SysLogsXIDError`, gpu-health-monitor (DCGM) as `GpuXidError`.
 * Both are matched by fault-quarantine's default rule sets when fatal.
 */
import { createHash } from 'node:crypto';
import { ProcessingStrategy, RecommendedAction, type HealthEvent } from '@nvsentinel/health-model';
import { xidInfo } from './xid-catalog.js';

export type Monitor = 'syslog' | 'gpu';

const MONITORS: Record<Monitor, { agent: string; checkName: string }> = {
  syslog: { agent: 'syslog-health-monitor', checkName: 'SysLogsXIDError' },
  gpu: { agent: 'gpu-health-monitor', checkName: 'GpuXidError' },
};

export function isMonitor(value: string): value is Monitor {
  return value in MONITORS;
}

export interface FaultInput {
  node: string;
  xid: number;
  gpu: number;
  monitor: Monitor;
  /** Overrides the catalogue's fatal flag (e.g. to send a non-matching event). */
  fatal?: boolean;
  now?: Date;
}

/** A PCI address per GPU index, as on an 8-GPU HGX board, so entities look like real ones. */
export function pciAddress(gpu: number): string {
  return `0000:${(0x18 + gpu * 0x10).toString(16).padStart(2, '0')}:00.0`;
}

/**
 * The GPU's UUID as nvidia-smi prints it (`GPU-xxxxxxxx-xxxx-…`), stable per node and index so
 * repeated faults on one GPU name the same GPU — the analyzer's rules and GPU resets key on it.
 */
export function gpuUuid(node: string, gpu: number): string {
  const hex = createHash('sha256').update(`${node}/${gpu}`).digest('hex');
  return `GPU-${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

export function xidEvent(input: FaultInput): HealthEvent {
  const info = xidInfo(input.xid);
  const { agent, checkName } = MONITORS[input.monitor];
  const pci = pciAddress(input.gpu);
  return {
    ...common(input.node, agent, checkName, input.now),
    isFatal: input.fatal ?? info.fatal,
    isHealthy: false,
    message: `NVRM: Xid (PCI:${pci}): ${input.xid}, ${info.description}`,
    recommendedAction: info.action,
    errorCode: [String(input.xid)],
    entitiesImpacted: [
      { entityType: 'GPU', entityValue: String(input.gpu) },
      { entityType: 'PCI', entityValue: pci },
      { entityType: 'GPU_UUID', entityValue: gpuUuid(input.node, input.gpu) },
    ],
  };
}

export interface RecoveryInput {
  node: string;
  monitor: Monitor;
  /** Only this GPU recovered; undefined = every fault this check reported on the node. */
  gpu?: number;
  now?: Date;
}

export function healthyEvent(input: RecoveryInput): HealthEvent {
  const { agent, checkName } = MONITORS[input.monitor];
  return {
    ...common(input.node, agent, checkName, input.now),
    isFatal: false,
    isHealthy: true,
    message: 'No Health Failures',
    recommendedAction: RecommendedAction.NONE,
    errorCode: [],
    entitiesImpacted:
      input.gpu === undefined
        ? []
        : [
            { entityType: 'GPU', entityValue: String(input.gpu) },
            { entityType: 'PCI', entityValue: pciAddress(input.gpu) },
            { entityType: 'GPU_UUID', entityValue: gpuUuid(input.node, input.gpu) },
          ],
  };
}

function common(node: string, agent: string, checkName: string, now = new Date()) {
  return {
    version: 1,
    agent,
    componentClass: 'GPU',
    checkName,
    metadata: {},
    generatedTimestamp: { seconds: Math.floor(now.getTime() / 1000), nanos: (now.getTime() % 1000) * 1_000_000 },
    nodeName: node,
    processingStrategy: ProcessingStrategy.EXECUTE_REMEDIATION,
    id: '',
    customRecommendedAction: '',
  };
}
