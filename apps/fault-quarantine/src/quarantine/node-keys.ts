/** Annotation and label keys fault-quarantine owns on a node (upstream's exact names). */

export const Annotations = {
  /** JSON list of the active faults that keep the node quarantined. */
  healthEvents: 'quarantineHealthEvent',
  /** JSON list of the taints FQ applied: `[{Key, Value, Effect, preExisting}]`. */
  appliedTaints: 'quarantineHealthEventAppliedTaints',
  /** "True" when FQ cordoned the node (or found it cordoned, see cordonPreExisting). */
  isCordoned: 'quarantineHealthEventIsCordoned',
  /** "True" when the node was already unschedulable: FQ never uncordons it. */
  cordonPreExisting: 'quarantineHealthEventCordonPreExisting',
  uncordonedManually: 'quarantinedNodeUncordonedManually',
  untaintedManually: 'quarantinedNodeUntaintedManually',
} as const;

/** The annotations that together describe an active quarantine. */
export const QUARANTINE_ANNOTATIONS = [
  Annotations.healthEvents,
  Annotations.appliedTaints,
  Annotations.isCordoned,
  Annotations.cordonPreExisting,
] as const;

export const MANUAL_ANNOTATIONS = [Annotations.uncordonedManually, Annotations.untaintedManually] as const;

export const TRUE = 'True';

/** Shared node state machine label (also written by node-drainer and fault-remediation). */
export const STATE_LABEL = 'dgxc.nvidia.com/nvsentinel-state';
export const QUARANTINED_STATE = 'quarantined';

/** Nodes labelled `<key>=false` are never quarantined. */
export const OPT_OUT_LABEL = 'k8saas.nvidia.com/ManagedByNVSentinel';

export const CORDONED_BY = 'NVSentinel';

export interface CordonLabels {
  cordonBy: string;
  cordonReason: string;
  cordonTimestamp: string;
  uncordonBy: string;
  uncordonTimestamp: string;
}

export function cordonLabels(prefix: string): CordonLabels {
  return {
    cordonBy: `${prefix}cordon-by`,
    cordonReason: `${prefix}cordon-reason`,
    cordonTimestamp: `${prefix}cordon-timestamp`,
    uncordonBy: `${prefix}uncordon-by`,
    uncordonTimestamp: `${prefix}uncordon-timestamp`,
  };
}
