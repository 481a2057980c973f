/**
 * Sorts the pods on a node into what the drain must still do, per namespace mode. Pure: the
 * same pods, config and time always give the same plan, so the rules are unit-tested directly.
 */
import type { V1Pod } from '@kubernetes/client-node';
import { isDaemonSetPod, isStuckTerminating, isTerminal } from '@nvsentinel/k8s';
import { EvictionMode, modeForNamespace, type DrainerConfig } from '../config/drainer-config.js';
import { hasDevicesAnnotation, podUsesGpu } from './gpu-devices.js';

/** What part of the node the drain covers. */
export type DrainScope = { kind: 'full' } | { kind: 'gpu'; gpuUuid: string };

export interface PlanInput {
  pods: readonly V1Pod[];
  config: DrainerConfig;
  scope: DrainScope;
  /** `drainOverrides.force`: every user namespace is drained in Immediate mode. */
  forceImmediate: boolean;
  now: Date;
  /** Pods already handled by a dry-run eviction/delete (they stay on the node, but count as done). */
  dryRunHandled?: ReadonlySet<string>;
}

export interface PodPlan {
  /** Immediate-mode pods that still need an eviction. */
  toEvict: V1Pod[];
  /** Immediate-mode pods already terminating: evicted, waiting for them to go. */
  evicting: V1Pod[];
  /** DeleteAfterTimeout pods still present (terminating or not). */
  deleteAfterTimeout: V1Pod[];
  /** AllowCompletion pods still running. */
  allowCompletion: V1Pod[];
}

export function planPods(input: PlanInput): PodPlan {
  const plan: PodPlan = { toEvict: [], evicting: [], deleteAfterTimeout: [], allowCompletion: [] };
  for (const pod of input.pods) {
    const mode = drainModeFor(pod, input);
    if (mode === undefined) continue;
    const terminating = pod.metadata?.deletionTimestamp !== undefined;
    if (mode === EvictionMode.Immediate) (terminating ? plan.evicting : plan.toEvict).push(pod);
    else if (mode === EvictionMode.DeleteAfterTimeout) plan.deleteAfterTimeout.push(pod);
    else plan.allowCompletion.push(pod);
  }
  return plan;
}

/** True when nothing is left to drain. */
export function planIsEmpty(plan: PodPlan): boolean {
  return (
    plan.toEvict.length + plan.evicting.length + plan.deleteAfterTimeout.length + plan.allowCompletion.length === 0
  );
}

/** The mode that applies to the pod, or undefined when the drain leaves it alone or it counts as gone. */
function drainModeFor(pod: V1Pod, input: PlanInput): EvictionMode | undefined {
  const { config } = input;
  const namespace = pod.metadata?.namespace ?? 'default';
  const configured = modeForNamespace(config, namespace);
  if (configured === undefined) return undefined;
  // DaemonSet pods come straight back on a cordoned node; finished pods hold nothing.
  if (isDaemonSetPod(pod) || isTerminal(pod)) return undefined;
  if (config.drainGPUPods && !hasDevicesAnnotation(pod)) return undefined;
  if (input.scope.kind === 'gpu' && !podUsesGpu(pod, input.scope.gpuUuid)) return undefined;
  if (input.dryRunHandled?.has(pod.metadata?.uid ?? '')) return undefined;
  // A kubelet that never confirms a deletion must not hold the drain forever.
  if (isStuckTerminating(pod, input.now, config.evictionTimeoutSeconds)) return undefined;
  if (notReadyLongerThan(pod, config.notReadyTimeoutMinutes * 60_000, input.now)) return undefined;
  return input.forceImmediate ? EvictionMode.Immediate : configured;
}

function notReadyLongerThan(pod: V1Pod, timeoutMs: number, now: Date): boolean {
  const ready = pod.status?.conditions?.find((c) => c.type === 'Ready');
  if (!ready || ready.status === 'True' || !ready.lastTransitionTime) return false;
  return new Date(ready.lastTransitionTime).getTime() + timeoutMs < now.getTime();
}
