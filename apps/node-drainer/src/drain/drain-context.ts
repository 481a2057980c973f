import type { EventRecorder, NodeOps, PodOps } from '@nvsentinel/k8s';
import type { Logger } from '@nvsentinel/service-kit';
import type { HealthEventStore } from '@nvsentinel/store-client';
import type { DrainerConfig } from '../config/drainer-config.js';
import type { DrainerMetrics } from '../metrics.js';
import type { WaitListener } from './pod-wakeups.js';
import type { Tracker } from './tracker.js';

/** How often a drain looks again, by situation. */
export interface DrainTiming {
  /** After evictions or force-deletes were sent: check the pods are gone. */
  verifyIntervalMs: number;
  /** While waiting for AllowCompletion pods or the DeleteAfterTimeout deadline. */
  pollIntervalMs: number;
  /** First wait after a PodDisruptionBudget refused an eviction; doubles per refusal up to the max. */
  blockedBackoffBaseMs: number;
  blockedBackoffMaxMs: number;
}

/** Everything one drain attempt needs, injected (no globals). */
export interface DrainContext {
  store: HealthEventStore;
  nodes: NodeOps;
  pods: PodOps;
  recorder: EventRecorder;
  config: DrainerConfig;
  tracker: Tracker;
  /** Told what a waiting drain waits for, so the pod watch can wake it early; absent: polling only. */
  wakeups?: WaitListener;
  metrics: DrainerMetrics;
  logger: Logger;
  timing: DrainTiming;
  /** Evictions and deletes carry dryRun=All; statuses and labels are still written. */
  dryRun: boolean;
  now(): Date;
}
