import { StatusError, badRequest, successStatus, tooManyRequests, type KubeStatus } from '../errors.js';
import { isPlainObject, type KubeObject } from '../resources/kube-object.js';
import type { DeleteOptions, ResourceService } from '../resources/resource-service.js';
import type { ResourceType } from '../resources/resource-type.js';
import type { BudgetStatus, DisruptionController } from './disruption.js';
import { isPodReady, podPhase } from './pod-lifecycle.js';

/** Pods the eviction API deletes without consulting budgets (same rule as the API server). */
function canIgnoreBudget(pod: KubeObject): boolean {
  const phase = podPhase(pod);
  return (
    phase === 'Succeeded' || phase === 'Failed' || phase === 'Pending' || pod.metadata.deletionTimestamp !== undefined
  );
}

function deleteOptionsOf(body: unknown): DeleteOptions {
  const options = isPlainObject(body) && isPlainObject(body.deleteOptions) ? body.deleteOptions : {};
  const result: DeleteOptions = {};
  if (typeof options.gracePeriodSeconds === 'number') result.gracePeriodSeconds = options.gracePeriodSeconds;
  if (isPlainObject(options.preconditions))
    result.preconditions = options.preconditions as DeleteOptions['preconditions'] & object;
  return result;
}

/** Like the API server (1.26+), an evicted pod gets a DisruptionTarget condition before it is deleted. */
function markDisruptionTarget(service: ResourceService, pods: ResourceType, pod: KubeObject): void {
  const status = isPlainObject(pod.status) ? { ...pod.status } : {};
  const conditions = Array.isArray(status.conditions)
    ? status.conditions.filter((condition) => !(isPlainObject(condition) && condition.type === 'DisruptionTarget'))
    : [];
  conditions.push({
    type: 'DisruptionTarget',
    status: 'True',
    reason: 'EvictionByEvictionAPI',
    message: 'Eviction API: evicting',
    lastTransitionTime: service.now(),
  });
  service.update(
    pods,
    pod.metadata.namespace,
    pod.metadata.name!,
    { ...pod, status: { ...status, conditions } },
    'status',
  );
}

export interface EvictionRequest {
  namespace: string;
  name: string;
  body: unknown;
  dryRun: boolean;
}

/**
 * POST pods/{name}/eviction: delete the pod unless that would break its PodDisruptionBudget
 * (429 TooManyRequests), refusing pods covered by more than one budget (500), as the API does.
 */
export function evictPod(
  service: ResourceService,
  pods: ResourceType,
  disruption: DisruptionController,
  request: EvictionRequest,
): KubeStatus {
  const { namespace, name, body, dryRun } = request;
  if (
    isPlainObject(body) &&
    isPlainObject(body.metadata) &&
    body.metadata.name !== undefined &&
    body.metadata.name !== name
  ) {
    throw badRequest(`name in URL does not match name in Eviction object (${String(body.metadata.name)} != ${name})`);
  }
  const pod = service.get(pods, namespace, name);
  const options = deleteOptionsOf(body);
  const remove = (): KubeStatus => {
    if (dryRun) return successStatus(201);
    if (!pod.metadata.deletionTimestamp) markDisruptionTarget(service, pods, pod);
    service.delete(pods, namespace, name, options);
    return successStatus(201);
  };
  if (canIgnoreBudget(pod)) return remove();
  if (disruption.budgetsFor(pod).length === 0) return remove();
  disruption.reconcile(namespace);
  const budgets = disruption.budgetsFor(pod);
  if (budgets.length > 1) {
    throw new StatusError(
      500,
      'InternalError',
      'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.',
    );
  }
  const budget = budgets[0];
  if (!budget) return remove();
  const status = budget.status as unknown as BudgetStatus;
  const spec = isPlainObject(budget.spec) ? budget.spec : {};
  if (!isPodReady(pod)) {
    // An unhealthy pod doesn't count towards the budget; whether it may go depends on the policy.
    const alwaysAllow = spec.unhealthyPodEvictionPolicy === 'AlwaysAllow';
    if (alwaysAllow || status.currentHealthy >= status.desiredHealthy) return remove();
  }
  if (status.disruptionsAllowed <= 0) {
    throw tooManyRequests("Cannot evict pod as it would violate the pod's disruption budget.", [
      {
        reason: 'DisruptionBudget',
        message: `The disruption budget ${budget.metadata.name} needs ${status.desiredHealthy} healthy pods and has ${status.currentHealthy} currently`,
      },
    ]);
  }
  if (!dryRun) disruption.recordEviction(budget, name);
  return remove();
}
