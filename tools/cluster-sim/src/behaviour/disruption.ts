import type { SimClock } from '../clock.js';
import { cloneObject, deepEqual, isPlainObject, type KubeObject } from '../resources/kube-object.js';
import type { ResourceService } from '../resources/resource-service.js';
import { storageKey, type ResourceType } from '../resources/resource-type.js';
import { compileStructuredSelector, type StructuredLabelSelector } from '../selectors/label-selector.js';
import { isPodReady, podPhase } from './pod-lifecycle.js';

/** The disruption controller forgets an evicted pod that never went away after this long. */
const DISRUPTED_POD_TIMEOUT_SECONDS = 120;

export interface BudgetStatus {
  observedGeneration: number;
  disruptionsAllowed: number;
  currentHealthy: number;
  desiredHealthy: number;
  expectedPods: number;
  disruptedPods?: Record<string, string>;
  conditions: Record<string, unknown>[];
}

function scaled(value: unknown, expected: number): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && /^\d+%$/.test(value))
    return Math.ceil((Number(value.slice(0, -1)) * expected) / 100);
  return undefined;
}

/** desiredHealthy per the PDB rules: minAvailable directly, or expected minus maxUnavailable. */
function desiredHealthy(spec: Record<string, unknown>, expected: number): number {
  const minAvailable = scaled(spec.minAvailable, expected);
  if (minAvailable !== undefined) return minAvailable;
  const maxUnavailable = scaled(spec.maxUnavailable, expected);
  if (maxUnavailable !== undefined) return Math.max(0, expected - maxUnavailable);
  return 0;
}

/**
 * Computes PodDisruptionBudget status the way the disruption controller does (expected pods are
 * the matching pods; there are no scale subresources to consult here). It runs right after pod or
 * PDB changes, and synchronously before every eviction so eviction never acts on stale numbers.
 */
export class DisruptionController {
  readonly #service: ResourceService;
  readonly #pods: ResourceType;
  readonly #budgets: ResourceType;
  readonly #clock: SimClock;
  readonly #dirty = new Set<string>();
  #scheduled = false;
  #unsubscribe: (() => void) | undefined;

  constructor(service: ResourceService, pods: ResourceType, budgets: ResourceType, clock: SimClock) {
    this.#service = service;
    this.#pods = pods;
    this.#budgets = budgets;
    this.#clock = clock;
  }

  start(): void {
    const watched = new Set([storageKey(this.#pods), storageKey(this.#budgets)]);
    this.#unsubscribe = this.#service.store.subscribe((event) => {
      if (!watched.has(event.storage) || !event.object.metadata.namespace) return;
      this.#dirty.add(event.object.metadata.namespace);
      if (!this.#scheduled) {
        this.#scheduled = true;
        // Deferred like a real controller: never write inside another write's notification.
        setImmediate(() => this.#flush());
      }
    });
  }

  stop(): void {
    this.#unsubscribe?.();
    this.#dirty.clear();
  }

  /** Budgets in the pod's namespace whose selector matches the pod's labels. */
  budgetsFor(pod: KubeObject): KubeObject[] {
    return this.#service.list(this.#budgets, { namespace: pod.metadata.namespace }).items.filter((budget) => {
      const spec = isPlainObject(budget.spec) ? budget.spec : {};
      return compileStructuredSelector(spec.selector as StructuredLabelSelector | undefined)(pod.metadata.labels);
    });
  }

  /** Brings every budget of a namespace up to date and returns them. */
  reconcile(namespace: string): KubeObject[] {
    const budgets = this.#service.list(this.#budgets, { namespace }).items;
    if (budgets.length === 0) return budgets;
    const pods = this.#service.list(this.#pods, { namespace }).items;
    return budgets.map((budget) => {
      const status = this.computeStatus(budget, pods);
      if (deepEqual(status, budget.status)) return budget;
      return this.#service.update(this.#budgets, namespace, budget.metadata.name!, { ...budget, status }, 'status');
    });
  }

  /** Records an eviction against the budget, as the eviction subresource does before deleting. */
  recordEviction(budget: KubeObject, podName: string): void {
    const status = cloneObject(budget.status) as unknown as BudgetStatus;
    status.disruptionsAllowed = Math.max(0, status.disruptionsAllowed - 1);
    status.disruptedPods = { ...(status.disruptedPods ?? {}), [podName]: this.#clock.timestamp() };
    this.#service.update(
      this.#budgets,
      budget.metadata.namespace,
      budget.metadata.name!,
      { ...budget, status },
      'status',
    );
  }

  computeStatus(budget: KubeObject, pods: KubeObject[]): BudgetStatus {
    const spec = isPlainObject(budget.spec) ? budget.spec : {};
    const previous = (isPlainObject(budget.status) ? budget.status : {}) as Partial<BudgetStatus>;
    const selects = compileStructuredSelector(spec.selector as StructuredLabelSelector | undefined);
    const selected = pods.filter(
      (pod) => selects(pod.metadata.labels) && podPhase(pod) !== 'Succeeded' && podPhase(pod) !== 'Failed',
    );
    const nowMs = this.#clock.now().getTime();
    const disrupted: Record<string, string> = {};
    for (const [name, at] of Object.entries(previous.disruptedPods ?? {})) {
      const pod = selected.find((candidate) => candidate.metadata.name === name);
      const fresh = nowMs - Date.parse(at) < DISRUPTED_POD_TIMEOUT_SECONDS * 1000;
      if (pod && !pod.metadata.deletionTimestamp && fresh) disrupted[name] = at;
    }
    const expectedPods = selected.length;
    const currentHealthy = selected.filter((pod) => isPodReady(pod) && !(pod.metadata.name! in disrupted)).length;
    const desired = desiredHealthy(spec, expectedPods);
    const disruptionsAllowed = Math.max(0, currentHealthy - desired);
    const allowed = disruptionsAllowed > 0;
    const previousCondition = (previous.conditions ?? []).find((condition) => condition.type === 'DisruptionAllowed');
    const conditionStatus = allowed ? 'True' : 'False';
    const observedGeneration = budget.metadata.generation ?? 1;
    return {
      observedGeneration,
      disruptionsAllowed,
      currentHealthy,
      desiredHealthy: desired,
      expectedPods,
      ...(Object.keys(disrupted).length > 0 ? { disruptedPods: disrupted } : {}),
      conditions: [
        {
          type: 'DisruptionAllowed',
          status: conditionStatus,
          reason: allowed ? 'SufficientPods' : 'InsufficientPods',
          message: '',
          observedGeneration,
          lastTransitionTime:
            previousCondition?.status === conditionStatus && typeof previousCondition.lastTransitionTime === 'string'
              ? previousCondition.lastTransitionTime
              : this.#clock.timestamp(),
        },
      ],
    };
  }

  #flush(): void {
    this.#scheduled = false;
    const namespaces = [...this.#dirty];
    this.#dirty.clear();
    for (const namespace of namespaces) this.reconcile(namespace);
  }
}
