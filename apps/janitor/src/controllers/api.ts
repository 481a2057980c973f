/**
 * The janitor custom resources as TypeScript sees them (`apps/janitor/crds/*.yaml` are the
 * schemas), with upstream's condition types, reasons and phases, and metav1.Condition helpers
 * that behave like apimachinery's `meta.SetStatusCondition`.
 */
import type { CustomObject, CustomResourceRef } from '@nvsentinel/k8s';

export const JANITOR_GROUP = 'janitor.dgxc.nvidia.com';
export const JANITOR_VERSION = 'v1alpha1';
export const NVSENTINEL_GROUP = 'nvsentinel.dgxc.nvidia.com';

export const REBOOT_NODES: CustomResourceRef = {
  group: JANITOR_GROUP,
  version: JANITOR_VERSION,
  plural: 'rebootnodes',
};
export const TERMINATE_NODES: CustomResourceRef = {
  group: JANITOR_GROUP,
  version: JANITOR_VERSION,
  plural: 'terminatenodes',
};
export const GPU_RESETS: CustomResourceRef = { group: JANITOR_GROUP, version: JANITOR_VERSION, plural: 'gpuresets' };
export const EXTERNAL_REMEDIATIONS: CustomResourceRef = {
  group: NVSENTINEL_GROUP,
  version: 'v1',
  plural: 'externalremediationrequests',
};

export const KINDS = {
  rebootnodes: 'RebootNode',
  terminatenodes: 'TerminateNode',
  gpuresets: 'GPUReset',
  externalremediationrequests: 'ExternalRemediationRequest',
} as const;

export const ConditionType = {
  SignalSent: 'SignalSent',
  NodeReady: 'NodeReady',
  NodeTerminated: 'NodeTerminated',
  ManualMode: 'ManualMode',
  // GPUReset
  Ready: 'Ready',
  ServicesTornDown: 'ServicesTornDown',
  ResetJobCreated: 'ResetJobCreated',
  ResetJobCompleted: 'ResetJobCompleted',
  ServicesRestored: 'ServicesRestored',
  Terminating: 'Terminating',
  Complete: 'Complete',
  // ExternalRemediationRequest
  OwnershipReleased: 'NVSentinelOwnershipReleased',
  ExternalRemediationComplete: 'ExternalRemediationComplete',
} as const;

export const Reason = {
  Initializing: 'Initializing',
  Succeeded: 'Succeeded',
  Failed: 'Failed',
  Timeout: 'Timeout',
  OutsideActorRequired: 'OutsideActorRequired',
  /** Not upstream: the signal is about to be sent (the intent record that makes a restart safe). */
  Sending: 'Sending',
  /**
   * Not upstream: a restarted janitor found the node already going down after a `Sending` intent,
   * so the signal is taken as sent without a provider reference; readiness then rests on the Node
   * (Ready with a new bootID) alone.
   */
  SignalRecovered: 'SignalRecovered',
  // GPUReset
  ResourceContention: 'ResourceContention',
  ReadyForReset: 'ReadyForReset',
  TearingDownServices: 'TearingDownServices',
  ServicesTornDown: 'ServicesTornDown',
  ServiceTeardownTimeoutExceeded: 'ServiceTeardownTimeoutExceeded',
  ResetJobCreated: 'ResetJobCreated',
  ResetJobRunning: 'ResetJobRunning',
  ResetJobSucceeded: 'ResetJobSucceeded',
  ResetJobFailed: 'ResetJobFailed',
  ResetJobTimeoutExceeded: 'ResetJobTimeoutExceeded',
  RestoringServices: 'RestoringServices',
  ServicesRestored: 'ServicesRestored',
  RestoreTimeoutExceeded: 'RestoreTimeoutExceeded',
  NodeNotFound: 'NodeNotFound',
  InvalidConfig: 'InvalidConfig',
  InternalError: 'InternalError',
  GPUResetSucceeded: 'GPUResetSucceeded',
  GPUResetFailed: 'GPUResetFailed',
  Deleting: 'Deleting',
  // ExternalRemediationRequest
  ReleaseTaintApplied: 'ReleaseTaintApplied',
} as const;

export type GpuResetPhase = 'Pending' | 'InProgress' | 'Terminating' | 'Succeeded' | 'Failed' | 'Unknown';

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

export interface NodeActionSpec {
  nodeName: string;
  force?: boolean;
}

export interface NodeActionStatus {
  startTime?: string;
  completionTime?: string;
  conditions?: Condition[];
  signalBootID?: string;
  signalAttemptTime?: string;
}

export type RebootNode = CustomObject<NodeActionSpec, NodeActionStatus>;
export type TerminateNode = CustomObject<NodeActionSpec, NodeActionStatus>;

export interface GpuResetSpec {
  nodeName: string;
  selector?: { uuids?: string[]; pciBusIDs?: string[] };
}

export interface GpuResetStatus {
  phase?: GpuResetPhase;
  startTime?: string;
  completionTime?: string;
  conditions?: Condition[];
  jobRef?: { apiVersion: string; kind: string; name: string; namespace: string; uid?: string };
}

export type GpuReset = CustomObject<GpuResetSpec, GpuResetStatus>;

export interface ExternalRemediationSpec {
  healthEvent: { nodeName: string; checkName?: string; [key: string]: unknown };
}

export interface ExternalRemediationStatus {
  completionTime?: string;
  conditions?: Condition[];
}

export type ExternalRemediationRequest = CustomObject<ExternalRemediationSpec, ExternalRemediationStatus>;

/** The node a janitor CR acts on. */
export function nodeNameOf(object: CustomObject<unknown, unknown>): string | undefined {
  const spec = object.spec as { nodeName?: unknown; healthEvent?: { nodeName?: unknown } } | undefined;
  const name = spec?.nodeName ?? spec?.healthEvent?.nodeName;
  return typeof name === 'string' && name !== '' ? name : undefined;
}

export function findCondition(conditions: readonly Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((condition) => condition.type === type);
}

export function isConditionTrue(conditions: readonly Condition[] | undefined, type: string): boolean {
  return findCondition(conditions, type)?.status === 'True';
}

/** Seconds-precision RFC 3339, as metav1.Time serialises. */
export function apiTime(date: Date): string {
  return new Date(Math.floor(date.getTime() / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/**
 * meta.SetStatusCondition: add or replace the condition of that type; lastTransitionTime moves
 * only when the status changes. Returns a new array (the input is not changed).
 */
export function setCondition(
  conditions: readonly Condition[] | undefined,
  next: Omit<Condition, 'lastTransitionTime'>,
  now: Date,
): Condition[] {
  const list = [...(conditions ?? [])];
  const index = list.findIndex((condition) => condition.type === next.type);
  const previous = index === -1 ? undefined : list[index]!;
  const lastTransitionTime = previous && previous.status === next.status ? previous.lastTransitionTime : apiTime(now);
  const condition: Condition = { ...next, lastTransitionTime };
  if (index === -1) list.push(condition);
  else list[index] = condition;
  return list;
}
