/**
 * Applies a Decision to a freshly read Node object in place: taints, cordon, labels and
 * annotations in one write (NodeOps.modify turns the difference into one merge patch).
 */
import type { V1Node, V1Taint } from '@kubernetes/client-node';
import { mergeTaints, withoutTaints } from '@nvsentinel/k8s';
import type { Decision, QuarantineActions } from './decide.js';
import { type AppliedTaint, parseAppliedTaints, sameTaint, serializeAppliedTaints } from './applied-taints.js';
import { labelTimestamp, sanitizeLabelValue } from './label-values.js';
import {
  Annotations,
  CORDONED_BY,
  MANUAL_ANNOTATIONS,
  QUARANTINE_ANNOTATIONS,
  QUARANTINED_STATE,
  STATE_LABEL,
  TRUE,
  cordonLabels,
} from './node-keys.js';
import { serializeTrackedFaults } from './tracked-faults.js';

export interface ApplyContext {
  labelPrefix: string;
  now: Date;
}

/** What the write did, for metrics and logs. */
export interface ApplyEffects {
  taintsAdded: AppliedTaint[];
  taintsRemoved: AppliedTaint[];
  cordoned: boolean;
  uncordoned: boolean;
}

export function applyDecision(node: V1Node, decision: Decision, context: ApplyContext): ApplyEffects {
  const effects: ApplyEffects = { taintsAdded: [], taintsRemoved: [], cordoned: false, uncordoned: false };
  const metadata = (node.metadata ??= {});
  const annotations = (metadata.annotations ??= {});
  const labels = (metadata.labels ??= {});
  switch (decision.kind) {
    case 'ignore':
      break;
    case 'quarantine':
      for (const key of MANUAL_ANNOTATIONS) delete annotations[key];
      labels[STATE_LABEL] = QUARANTINED_STATE;
      annotations[Annotations.healthEvents] = serializeTrackedFaults(decision.faults);
      applyActions(node, decision, context, effects);
      break;
    case 'add-faults':
      annotations[Annotations.healthEvents] = serializeTrackedFaults(decision.faults);
      applyActions(node, decision, context, effects);
      break;
    case 'partial-recovery':
      annotations[Annotations.healthEvents] = serializeTrackedFaults(decision.faults);
      break;
    case 'unquarantine':
      unquarantine(node, context, effects);
      break;
  }
  return effects;
}

function applyActions(node: V1Node, actions: QuarantineActions, context: ApplyContext, effects: ApplyEffects): void {
  const annotations = node.metadata!.annotations!;
  const labels = node.metadata!.labels!;
  const spec = (node.spec ??= {});
  const applied = parseAppliedTaints(annotations[Annotations.appliedTaints]);
  const wanted = actions.taints.filter((t) => !applied.some((a) => sameTaint(t, a)));
  if (wanted.length > 0) {
    const merged = mergeTaints(spec.taints ?? [], wanted, context.now);
    for (const t of merged.result.added) {
      const taint: AppliedTaint = { Key: t.key, Value: t.value ?? '', Effect: t.effect, preExisting: false };
      applied.push(taint);
      effects.taintsAdded.push(taint);
    }
    for (const t of merged.result.preExisting)
      applied.push({ Key: t.key, Value: t.value ?? '', Effect: t.effect, preExisting: true });
    spec.taints = merged.taints;
    annotations[Annotations.appliedTaints] = serializeAppliedTaints(applied);
  }
  if (actions.cordon && annotations[Annotations.isCordoned] !== TRUE) {
    annotations[Annotations.isCordoned] = TRUE;
    if (spec.unschedulable === true) {
      // Someone else cordoned the node: record that, so un-quarantine never uncordons it.
      annotations[Annotations.cordonPreExisting] = TRUE;
    } else {
      spec.unschedulable = true;
      effects.cordoned = true;
      const keys = cordonLabels(context.labelPrefix);
      labels[keys.cordonBy] = sanitizeLabelValue(actions.cordonBy) || CORDONED_BY;
      labels[keys.cordonReason] = sanitizeLabelValue(actions.reasons.join('-'));
      labels[keys.cordonTimestamp] = labelTimestamp(context.now);
      delete labels[keys.uncordonBy];
      delete labels[keys.uncordonTimestamp];
    }
  }
}

function unquarantine(node: V1Node, context: ApplyContext, effects: ApplyEffects): void {
  const annotations = node.metadata!.annotations!;
  const labels = node.metadata!.labels!;
  const spec = (node.spec ??= {});
  const ours = parseAppliedTaints(annotations[Annotations.appliedTaints]).filter((t) => !t.preExisting);
  if (ours.length > 0) {
    const pruned = withoutTaints(
      spec.taints ?? [],
      ours.map((t) => ({ key: t.Key, value: t.Value, effect: t.Effect })),
    );
    spec.taints = pruned.taints as V1Taint[];
    effects.taintsRemoved = ours.filter((t) =>
      pruned.result.removed.some((r) => r.key === t.Key && r.effect === t.Effect),
    );
  }
  const keys = cordonLabels(context.labelPrefix);
  const weCordoned =
    annotations[Annotations.isCordoned] === TRUE && annotations[Annotations.cordonPreExisting] !== TRUE;
  if (weCordoned && spec.unschedulable === true) {
    spec.unschedulable = false;
    effects.uncordoned = true;
    labels[keys.uncordonBy] = CORDONED_BY;
    labels[keys.uncordonTimestamp] = labelTimestamp(context.now);
  }
  delete labels[keys.cordonBy];
  delete labels[keys.cordonReason];
  delete labels[keys.cordonTimestamp];
  delete labels[STATE_LABEL];
  for (const key of QUARANTINE_ANNOTATIONS) delete annotations[key];
}
