// Client: rate-limited, metered access to the API server.
export {
  createKubeClient,
  DEFAULT_BURST,
  DEFAULT_QPS,
  type KubeClient,
  type KubeClientOptions,
} from './client/kube-client.js';
export { TokenBucket, type TokenBucketOptions } from './client/token-bucket.js';
export {
  RequestCounter,
  combineHooks,
  describeRequest,
  type RequestMetricsHooks,
  type RequestRecord,
} from './client/request-metrics.js';
export { ThrottledWatch } from './client/throttled-watch.js';

// Errors.
export {
  K8sError,
  K8sErrorCode,
  codeForStatus,
  isAlreadyExists,
  isConflict,
  isForbidden,
  isGone,
  isInvalid,
  isNotFound,
  isTooManyRequests,
  isTransient,
  toK8sError,
  type K8sStatus,
} from './errors.js';

// Shared building blocks.
export { type Clock, systemClock } from './internal/clock.js';
export { type BackoffPolicy, backoffDelay } from './internal/backoff.js';
export {
  type LabelRequirement,
  type LabelSelectorInput,
  matchesLabels,
  parseLabelSelector,
} from './internal/label-selector.js';
export { retryOnConflict, type ConflictRetryOptions, DEFAULT_CONFLICT_BACKOFF } from './retry/retry-on-conflict.js';
export {
  ResilientInformer,
  type ChangeType,
  type ObjectChange,
  type ResilientInformerOptions,
} from './informers/resilient-informer.js';

// Nodes.
export { NodeCache, type NodeCacheOptions, type NodeChange } from './nodes/node-cache.js';
export {
  NodeOps,
  type ConditionResult,
  type CordonResult,
  type KeyValuePatch,
  type ModifyResult,
  type NodeMutation,
  type NodeOpsOptions,
} from './nodes/node-ops.js';
export {
  mergeTaints,
  withoutTaints,
  type AddTaintsResult,
  type RemoveTaintsResult,
  type TaintEffect,
  type TaintSpec,
} from './nodes/taints.js';
export {
  findNodeCondition,
  isNodeReady,
  mergeNodeCondition,
  toApiTime,
  withoutNodeCondition,
  type ConditionMergeResult,
  type ConditionStatus,
  type NodeConditionInput,
} from './nodes/conditions.js';

// Events.
export {
  EventRecorder,
  type EventInput,
  type EventRecorderOptions,
  type RecordResult,
} from './events/event-recorder.js';

// Pods.
export {
  PodOps,
  type DeleteOptions,
  type EvictOptions,
  type EvictionResult,
  type ListPodsOptions,
  type PodOpsOptions,
  type PodRef,
} from './pods/pod-ops.js';
export { isDaemonSetPod, isStuckTerminating, isTerminal, podKey } from './pods/pod-predicates.js';

// Custom resources, ConfigMaps, Leases.
export {
  CustomObjectOps,
  watchCustomObjects,
  type CreateResult,
  type CustomObject,
  type CustomObjectWatch,
  type CustomResourceRef,
  type WatchCustomObjectsOptions,
} from './custom/custom-objects.js';
export { ConfigMapOps, type ConfigMapData, type ConfigMapWriteResult } from './configmaps/configmap-ops.js';
export {
  decideStart,
  RESUME_CONTROL_CONFIGMAP,
  type DecideStartOptions,
  type StartDecision,
} from './resume-control/resume-control.js';
export { NodeLocks, leaseExpiry, type AcquireResult, type NodeLocksOptions } from './leases/node-locks.js';
export { LeaderElection, type LeaderElectionOptions } from './leases/leader-election.js';

// Work queue.
export { WorkQueue, type WorkQueueMetrics, type WorkQueueOptions } from './workqueue/work-queue.js';
export {
  BucketRateLimiter,
  ItemExponentialFailureRateLimiter,
  MaxOfRateLimiter,
  defaultControllerRateLimiter,
  type WorkQueueRateLimiter,
} from './workqueue/rate-limiters.js';
export { runWorkers, type ProcessResult, type RunWorkersOptions } from './workqueue/run-workers.js';
