import type { V1NodeCondition } from '@kubernetes/client-node';

export type ConditionStatus = 'True' | 'False' | 'Unknown';

export interface NodeConditionInput {
  /** Condition type; platform-connectors uses the health check name. */
  type: string;
  status: ConditionStatus;
  reason?: string;
  message?: string;
  /** Time of the observation (upstream: the latest event time). Defaults to now. */
  heartbeatTime?: Date;
}

export interface ConditionMergeResult {
  conditions: V1NodeCondition[];
  /** Anything differs from what was stored (so a write is needed). */
  changed: boolean;
  /** The status flipped (or the condition is new), so lastTransitionTime moved. */
  transitioned: boolean;
}

/**
 * Kubernetes stores condition times with one-second precision; truncating here makes a value we
 * write compare equal to the value we read back, so repeating a call is a no-op.
 */
export function toApiTime(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 1000) * 1000);
}

const sameTime = (a: Date | undefined, b: Date | undefined): boolean =>
  a === undefined || b === undefined ? a === b : new Date(a).getTime() === new Date(b).getTime();

/**
 * Merge one condition into a node's list by `type`, with the API's transition semantics:
 * lastTransitionTime changes only when the status changes; lastHeartbeatTime always takes the new
 * observation time; other types are left untouched. Pure.
 */
export function mergeNodeCondition(
  current: readonly V1NodeCondition[],
  input: NodeConditionInput,
  now: Date,
): ConditionMergeResult {
  const heartbeat = toApiTime(input.heartbeatTime ?? now);
  const conditions = current.map((c) => ({ ...c }));
  const index = conditions.findIndex((c) => c.type === input.type);
  if (index === -1) {
    conditions.push({
      type: input.type,
      status: input.status,
      reason: input.reason,
      message: input.message,
      lastHeartbeatTime: heartbeat,
      lastTransitionTime: toApiTime(now),
    });
    return { conditions, changed: true, transitioned: true };
  }
  const existing = conditions[index];
  const transitioned = existing.status !== input.status;
  const next: V1NodeCondition = {
    ...existing,
    status: input.status,
    reason: input.reason,
    message: input.message,
    lastHeartbeatTime: heartbeat,
    lastTransitionTime: transitioned ? toApiTime(now) : existing.lastTransitionTime,
  };
  const changed =
    transitioned ||
    (existing.reason ?? undefined) !== input.reason ||
    (existing.message ?? undefined) !== input.message ||
    !sameTime(existing.lastHeartbeatTime, heartbeat);
  conditions[index] = next;
  return { conditions, changed, transitioned };
}

/** Remove the condition of `type`; `removed` is false when there was none. Pure. */
export function withoutNodeCondition(
  current: readonly V1NodeCondition[],
  type: string,
): { conditions: V1NodeCondition[]; removed: boolean } {
  const conditions = current.filter((c) => c.type !== type);
  return { conditions, removed: conditions.length !== current.length };
}

/** The node's condition of `type`, if it reports one. */
export function findNodeCondition(
  node: { status?: { conditions?: V1NodeCondition[] } },
  type: string,
): V1NodeCondition | undefined {
  return node.status?.conditions?.find((c) => c.type === type);
}

/** Ready=True, as the janitor requires after a reboot (Unknown — an unreachable kubelet — is not ready). */
export function isNodeReady(node: { status?: { conditions?: V1NodeCondition[] } }): boolean {
  return findNodeCondition(node, 'Ready')?.status === 'True';
}
