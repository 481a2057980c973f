/**
 * ExternalRemediationRequest reconciler (ADR-040). janitor hands the node to an outside system:
 * it takes the shared node lock, applies the release taint and reports
 * `NVSentinelOwnershipReleased=True`. The outside system answers with
 * `ExternalRemediationComplete`: True gives the node back (taint and the
 * `nvsentinel.dgxc.nvidia.com/managed` label removed); False leaves it released for a human.
 * The finalizer makes a deleted, unfinished request give the node back too.
 */
import { NodeOps } from '@nvsentinel/k8s';
import type { ExternalRemediationConfig } from '../config/janitor-config.js';
import {
  ConditionType,
  EXTERNAL_REMEDIATIONS,
  type ExternalRemediationRequest,
  type ExternalRemediationStatus,
  Reason,
  apiTime,
  findCondition,
  setCondition,
} from './api.js';
import type { ReconcileResult, Reconciler } from './controller.js';
import { type ReconcileContext, hasFinalizer, readNode, setFinalizers, writeStatus } from './context.js';

export const EXTERNAL_REMEDIATION_FINALIZER = 'nvsentinel.nvidia.com/external-remediation-cleanup';
export const MANAGED_LABEL = 'nvsentinel.dgxc.nvidia.com/managed';

export class ExternalRemediationReconciler implements Reconciler<ExternalRemediationRequest> {
  readonly #context: ReconcileContext;
  readonly #config: ExternalRemediationConfig;
  readonly #nodeOps: NodeOps;

  constructor(context: ReconcileContext, config: ExternalRemediationConfig) {
    this.#context = context;
    this.#config = config;
    this.#nodeOps = new NodeOps(context.kube);
  }

  waitsOnNode(object: ExternalRemediationRequest): boolean {
    return !object.status?.completionTime;
  }

  get #taint() {
    return this.#config.releaseTaint;
  }

  async reconcile(cr: ExternalRemediationRequest): Promise<ReconcileResult | void> {
    const context = this.#context;
    const nodeName = cr.spec?.healthEvent?.nodeName;
    if (!nodeName) return;
    const holder = { ref: EXTERNAL_REMEDIATIONS, object: cr };
    if (cr.metadata?.deletionTimestamp) {
      if (!hasFinalizer(cr, EXTERNAL_REMEDIATION_FINALIZER)) return;
      if (!cr.status?.completionTime) {
        // Deleted before the outside system finished: give the node back to NVSentinel.
        if (await readNode(context.kube, nodeName)) await this.#nodeOps.removeTaints(nodeName, [this.#taint]);
        if (findCondition(cr.status?.conditions, ConditionType.OwnershipReleased)?.status === 'True')
          context.metrics.externalRemediationsOpen.dec();
      }
      if (await context.lock.release(nodeName, holder)) context.lockReleased(nodeName);
      await setFinalizers(
        context,
        EXTERNAL_REMEDIATIONS,
        cr,
        (cr.metadata.finalizers ?? []).filter((f) => f !== EXTERNAL_REMEDIATION_FINALIZER),
      );
      return;
    }
    if (cr.status?.completionTime) {
      if (await context.lock.release(nodeName, holder)) context.lockReleased(nodeName);
      return;
    }
    if (!hasFinalizer(cr, EXTERNAL_REMEDIATION_FINALIZER)) {
      cr = await setFinalizers(context, EXTERNAL_REMEDIATIONS, cr, [
        ...(cr.metadata?.finalizers ?? []),
        EXTERNAL_REMEDIATION_FINALIZER,
      ]);
    }
    const lock = await context.lock.acquire(nodeName, { ref: EXTERNAL_REMEDIATIONS, object: cr });
    if (!lock.held) return { requeueAfterMs: context.timing.lockRetryMs };

    const now = context.now();
    const status: ExternalRemediationStatus = { ...(cr.status ?? {}) };
    const released = findCondition(status.conditions, ConditionType.OwnershipReleased)?.status === 'True';
    if (!released) {
      if (!(await readNode(context.kube, nodeName))) {
        status.conditions = setCondition(
          status.conditions,
          {
            type: ConditionType.OwnershipReleased,
            status: 'False',
            reason: Reason.NodeNotFound,
            message: `node ${nodeName} does not exist`,
          },
          now,
        );
        status.completionTime = apiTime(now);
        await writeStatus(context, EXTERNAL_REMEDIATIONS, cr, status as Record<string, unknown>);
        context.metrics.externalRemediations.inc({ status: 'failed' });
        if (await context.lock.release(nodeName, { ref: EXTERNAL_REMEDIATIONS, object: cr }))
          context.lockReleased(nodeName);
        return;
      }
      await this.#nodeOps.addTaints(nodeName, [this.#taint]);
      status.conditions = setCondition(
        status.conditions,
        {
          type: ConditionType.OwnershipReleased,
          status: 'True',
          reason: Reason.ReleaseTaintApplied,
          message: `taint ${this.#taint.key}=${this.#taint.value}:${this.#taint.effect} applied; the node belongs to the external remediation system until it sets ${ConditionType.ExternalRemediationComplete}`,
        },
        now,
      );
      cr = await writeStatus(context, EXTERNAL_REMEDIATIONS, cr, status as Record<string, unknown>);
      context.metrics.externalRemediations.inc({ status: 'released' });
      context.metrics.externalRemediationsOpen.inc();
    }
    const complete = findCondition(status.conditions, ConditionType.ExternalRemediationComplete);
    if (complete?.status !== 'True' && complete?.status !== 'False') return; // the CR's next update wakes us
    if (complete.status === 'True') {
      await this.#nodeOps.removeTaints(nodeName, [this.#taint]);
      await this.#nodeOps.setLabels(nodeName, { [MANAGED_LABEL]: null });
    }
    status.completionTime = apiTime(now);
    const written = await writeStatus(context, EXTERNAL_REMEDIATIONS, cr, status as Record<string, unknown>);
    const outcome = complete.status === 'True' ? 'succeeded' : 'failed';
    context.metrics.externalRemediations.inc({ status: outcome });
    context.metrics.externalRemediationsOpen.dec();
    const created = cr.metadata?.creationTimestamp
      ? new Date(cr.metadata.creationTimestamp as unknown as string).getTime()
      : now.getTime();
    context.metrics.externalRemediationAge.observe({ status: outcome }, Math.max(0, (now.getTime() - created) / 1000));
    context.logger.info({ cr: cr.metadata?.name, node: nodeName, outcome }, 'external remediation finished');
    if (await context.lock.release(nodeName, { ref: EXTERNAL_REMEDIATIONS, object: written }))
      context.lockReleased(nodeName);
  }
}
