/** The node state label node-drainer owns part of (upstream's statemanager values). */
export const NODE_STATE_LABEL = 'dgxc.nvidia.com/nvsentinel-state';
export const NodeDrainState = {
  Draining: 'draining',
  Succeeded: 'drain-succeeded',
  Failed: 'drain-failed',
} as const;

/** Kubernetes Event reasons and their fixed attributes (upstream's values). */
export const DRAIN_EVENT_TYPE = 'NodeDraining';
export const DRAIN_EVENT_NAMESPACE = 'default';
export const DRAIN_EVENT_COMPONENT = 'nvsentinel-node-drainer';
export const EventReason = {
  WaitingBeforeForceDelete: 'WaitingBeforeForceDelete',
  AwaitingPodCompletion: 'AwaitingPodCompletion',
} as const;
