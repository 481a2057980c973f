/**
 * Detects an operator undoing FQ's quarantine by hand — uncordoning a node FQ cordoned, or
 * removing a taint FQ applied — from the node watch (an update, or the initial list after a
 * restart). FQ then stops tracking the node, marks it `…Manually`, and cancels the node's
 * in-flight events in the datastore so node-drainer and fault-remediation stop (upstream §4.2).
 */
import type { V1Node } from '@kubernetes/client-node';
import { DocumentPaths, QuarantineStatus } from '@nvsentinel/health-model';
import type { NodeChange, NodeOps } from '@nvsentinel/k8s';
import type { Logger } from '@nvsentinel/service-kit';
import type { HealthEventStore } from '@nvsentinel/store-client';
import type { FaultQuarantineMetrics } from '../metrics.js';
import { parseAppliedTaints } from '../quarantine/applied-taints.js';
import { Annotations, QUARANTINE_ANNOTATIONS, STATE_LABEL, TRUE, cordonLabels } from '../quarantine/node-keys.js';

export type ManualAction = 'uncordoned' | 'untainted';

/** Which manual action, if any, the node shows. Pure. */
export function detectManualAction(node: V1Node): ManualAction | undefined {
  const annotations = node.metadata?.annotations ?? {};
  const fqCordoned =
    annotations[Annotations.isCordoned] === TRUE && annotations[Annotations.cordonPreExisting] !== TRUE;
  if (fqCordoned && node.spec?.unschedulable !== true) return 'uncordoned';
  const taints = node.spec?.taints ?? [];
  const ours = parseAppliedTaints(annotations[Annotations.appliedTaints]).filter((t) => !t.preExisting);
  const missing = ours.some(
    (t) => !taints.some((n) => n.key === t.Key && n.effect === t.Effect && (n.value ?? '') === t.Value),
  );
  return missing ? 'untainted' : undefined;
}

export interface ManualInterventionDeps {
  nodeOps: NodeOps;
  store: HealthEventStore;
  labelPrefix: string;
  metrics: FaultQuarantineMetrics;
  logger: Logger;
  /** Remember what we wrote so the event path sees it before the watch does. */
  remember(node: V1Node): void;
}

export class ManualInterventionWatcher {
  readonly #deps: ManualInterventionDeps;
  /** One clean-up per node at a time; repeated watch events while it runs are folded. */
  readonly #running = new Map<string, Promise<void>>();

  constructor(deps: ManualInterventionDeps) {
    this.#deps = deps;
  }

  onNodeChange(change: NodeChange): void {
    if (change.type === 'delete') return;
    const name = change.object.metadata?.name;
    if (!name || this.#running.has(name) || !detectManualAction(change.object)) return;
    const run = this.handle(name)
      .then(() => undefined)
      .catch((err: unknown) =>
        this.#deps.logger.error(
          { err, node: name },
          'manual uncordon/untaint clean-up failed; it is retried on the next change of the node',
        ),
      )
      .finally(() => this.#running.delete(name));
    this.#running.set(name, run);
  }

  /** Wait for clean-ups in progress (shutdown, tests). */
  async idle(): Promise<void> {
    await Promise.all(this.#running.values());
  }

  /**
   * Cancel first, then clean the node: if we crash in between, the node still shows the manual
   * action and the next start repeats both steps; the other order could lose the cancel.
   */
  async handle(nodeName: string): Promise<ManualAction | undefined> {
    const { nodeOps, metrics, logger } = this.#deps;
    const node = await nodeOps.get(nodeName);
    const action = detectManualAction(node);
    if (!action) return undefined;
    const cancelled = await this.#cancelActiveEvents(nodeName);
    const written = await nodeOps.modify(nodeName, (fresh) => {
      const now = detectManualAction(fresh);
      if (!now) return { changed: false, result: undefined };
      cleanUp(fresh, now, this.#deps.labelPrefix);
      return { changed: true, result: undefined };
    });
    if (written.changed) this.#deps.remember(written.node);
    (action === 'uncordoned' ? metrics.nodesManuallyUncordoned : metrics.nodesManuallyUntainted).inc();
    logger.info(
      { node: nodeName, action, cancelledEvents: cancelled },
      `node was ${action} manually; FQ stopped tracking it and cancelled its events`,
    );
    return action;
  }

  /**
   * The latest Quarantined/UnQuarantined event tells whether a quarantine episode is open. If it
   * is, every event of that episode (created since, Quarantined or AlreadyQuarantined) becomes
   * Cancelled. An episode that already ended in UnQuarantined is left alone (upstream #1451).
   */
  async #cancelActiveEvents(nodeName: string): Promise<number> {
    const { store } = this.#deps;
    const latest = await store.findLatestHealthEventByFilter({
      [DocumentPaths.nodeName]: nodeName,
      [DocumentPaths.nodeQuarantined]: { $in: [QuarantineStatus.Quarantined, QuarantineStatus.UnQuarantined] },
    });
    if (!latest || latest.healthEventStatus.nodeQuarantined !== QuarantineStatus.Quarantined) return 0;
    return store.updateHealthEventsByFilter(
      {
        [DocumentPaths.nodeName]: nodeName,
        [DocumentPaths.createdAt]: { $gte: latest.createdAt },
        [DocumentPaths.nodeQuarantined]: { $in: [QuarantineStatus.Quarantined, QuarantineStatus.AlreadyQuarantined] },
      },
      { [DocumentPaths.nodeQuarantined]: QuarantineStatus.Cancelled },
    );
  }
}

function cleanUp(node: V1Node, action: ManualAction, labelPrefix: string): void {
  const annotations = (node.metadata!.annotations ??= {});
  const labels = (node.metadata!.labels ??= {});
  if (action === 'uncordoned') {
    // The operator declared the node usable: FQ's own taints would otherwise stay with nobody
    // tracking them. Taints that were there before FQ stay.
    const ours = parseAppliedTaints(annotations[Annotations.appliedTaints]).filter((t) => !t.preExisting);
    if (ours.length > 0 && node.spec?.taints) {
      node.spec.taints = node.spec.taints.filter(
        (n) => !ours.some((t) => n.key === t.Key && n.effect === t.Effect && (n.value ?? '') === t.Value),
      );
    }
  }
  for (const key of QUARANTINE_ANNOTATIONS) delete annotations[key];
  annotations[action === 'uncordoned' ? Annotations.uncordonedManually : Annotations.untaintedManually] = TRUE;
  const keys = cordonLabels(labelPrefix);
  delete labels[STATE_LABEL];
  delete labels[keys.cordonBy];
  delete labels[keys.cordonReason];
  delete labels[keys.cordonTimestamp];
}
