/**
 * RebootNode and TerminateNode reconcilers (upstream `rebootnode_controller.go`,
 * `terminatenode_controller.go`): lock → initial conditions → signal → wait → complete → unlock.
 *
 * Crash safety of the signal. Upstream records SignalSent=True only after the provider call
 * returns, so a janitor killed between the two sends a second signal after restart. Here the
 * reconcile first writes an intent — SignalSent=Unknown, reason `Sending`, plus the node's bootID
 * (`status.signalBootID`) — as a compare-and-swap on the CR's resourceVersion, and only then calls
 * the provider. A restarted janitor that finds `Sending` looks at the node: a changed bootID or a
 * node that is not Ready means the signal landed, so it records SignalSent=True without sending
 * again; an untouched node means the call most likely never reached the provider, so it sends
 * once the intent is older than `signalInFlightMs` (the one remaining double-signal window is a
 * call that reached the provider but had not taken the node down by then). The intent write is a
 * compare-and-swap, and a fresh intent makes any other reconciler wait, so two replicas that both
 * believe they lead cannot both send.
 *
 * Readiness: NodeReady=True needs the provider to say ready, the Node's Ready condition True and,
 * unlike upstream, a bootID different from the one recorded before the signal, so a node that has
 * not gone down yet is never reported rebooted.
 */
import type { V1Node } from '@kubernetes/client-node';
import { type CustomResourceRef, isNodeReady } from '@nvsentinel/k8s';
import type { ControllerConfig } from '../config/janitor-config.js';
import {
  type Condition,
  ConditionType,
  KINDS,
  type NodeActionStatus,
  type RebootNode,
  REBOOT_NODES,
  Reason,
  TERMINATE_NODES,
  apiTime,
  findCondition,
  setCondition,
} from './api.js';
import type { ReconcileResult, Reconciler } from './controller.js';
import {
  type ReconcileContext,
  bootIdOf,
  errorMessage,
  getNode,
  isTransientProviderError,
  writeStatus,
} from './context.js';

export type NodeAction = 'reboot' | 'terminate';

interface ActionSpec {
  ref: CustomResourceRef;
  kind: string;
  /** The condition that completes the CR: NodeReady or NodeTerminated. */
  doneCondition: string;
  metricAction: string;
}

const ACTIONS: Record<NodeAction, ActionSpec> = {
  reboot: {
    ref: REBOOT_NODES,
    kind: KINDS.rebootnodes,
    doneCondition: ConditionType.NodeReady,
    metricAction: 'reboot',
  },
  terminate: {
    ref: TERMINATE_NODES,
    kind: KINDS.terminatenodes,
    doneCondition: ConditionType.NodeTerminated,
    metricAction: 'terminate',
  },
};

/** Signalled (or handed to an outside actor) and not yet finished. */
function inProgress(status: NodeActionStatus, done: string): boolean {
  const conditions = status.conditions;
  const started =
    findCondition(conditions, ConditionType.SignalSent)?.status === 'True' ||
    findCondition(conditions, ConditionType.ManualMode)?.status === 'True';
  return started && findCondition(conditions, done)?.status !== 'True';
}

export class NodeActionReconciler implements Reconciler<RebootNode> {
  readonly #action: NodeAction;
  readonly #spec: ActionSpec;
  readonly #context: ReconcileContext;
  readonly #config: ControllerConfig;

  constructor(action: NodeAction, context: ReconcileContext, config: ControllerConfig) {
    this.#action = action;
    this.#spec = ACTIONS[action];
    this.#context = context;
    this.#config = config;
  }

  waitsOnNode(object: RebootNode): boolean {
    return !object.status?.completionTime || Boolean(object.metadata?.deletionTimestamp);
  }

  async reconcile(cr: RebootNode): Promise<ReconcileResult | void> {
    const context = this.#context;
    const nodeName = cr.spec?.nodeName;
    if (!nodeName) return;
    const holder = { ref: this.#spec.ref, object: cr };
    if (cr.status?.completionTime || cr.metadata?.deletionTimestamp) {
      if (await context.lock.release(nodeName, holder)) context.lockReleased(nodeName);
      return;
    }
    const lock = await context.lock.acquire(nodeName, holder);
    if (!lock.held) {
      context.logger.debug(
        { cr: cr.metadata?.name, node: nodeName, holder: lock.holder },
        'node locked by another CR; waiting',
      );
      return { requeueAfterMs: context.timing.lockRetryMs };
    }
    const now = context.now();
    const status: NodeActionStatus = { ...(cr.status ?? {}) };
    status.startTime ??= apiTime(now);
    status.conditions = this.#initialConditions(status.conditions, now);

    const node = await getNode(context, nodeName);
    let result: ReconcileResult | void;
    let current = cr;
    if (!inProgress(status, this.#spec.doneCondition)) {
      ({ result, current } = await this.#signal(cr, status, node, now));
    } else {
      result = await this.#wait(cr, status, node, now);
    }
    const written = await writeStatus(context, this.#spec.ref, current, status as Record<string, unknown>);
    if (status.completionTime && !cr.status?.completionTime) {
      this.#recordCompletion(written, status);
      if (await context.lock.release(nodeName, { ref: this.#spec.ref, object: written }))
        context.lockReleased(nodeName);
      return;
    }
    return result;
  }

  #initialConditions(conditions: Condition[] | undefined, now: Date): Condition[] {
    let list = conditions ?? [];
    for (const type of [ConditionType.SignalSent, this.#spec.doneCondition]) {
      if (!findCondition(list, type))
        list = setCondition(list, { type, status: 'Unknown', reason: Reason.Initializing, message: '' }, now);
    }
    return list;
  }

  #complete(status: NodeActionStatus, now: Date): void {
    status.completionTime = apiTime(now);
  }

  async #signal(
    cr: RebootNode,
    status: NodeActionStatus,
    node: V1Node | undefined,
    now: Date,
  ): Promise<{ result: ReconcileResult | void; current: RebootNode }> {
    const context = this.#context;
    const signal = findCondition(status.conditions, ConditionType.SignalSent);
    if (!node) {
      if (this.#action === 'terminate') {
        // The goal (no such node) already holds.
        status.conditions = setCondition(
          status.conditions,
          {
            type: ConditionType.NodeTerminated,
            status: 'True',
            reason: Reason.Succeeded,
            message: 'the node no longer exists',
          },
          now,
        );
        this.#complete(status, now);
      }
      // RebootNode: upstream ends the reconcile; the node watch wakes the CR if the node appears.
      return { result: undefined, current: cr };
    }
    if (this.#config.manualMode) {
      status.signalBootID ??= bootIdOf(node);
      status.conditions = setCondition(
        status.conditions,
        {
          type: ConditionType.ManualMode,
          status: 'True',
          reason: Reason.OutsideActorRequired,
          message: `manual mode: janitor sends no signal; an outside actor must ${this.#action} the node`,
        },
        now,
      );
      return { result: { requeueAfterMs: context.timing.readinessPollMs }, current: cr };
    }
    if (signal?.reason === Reason.Sending && this.#signalLanded(node, status)) {
      status.conditions = setCondition(
        status.conditions,
        {
          type: ConditionType.SignalSent,
          status: 'True',
          reason: Reason.SignalRecovered,
          message:
            'janitor restarted after sending the signal; the node had already gone down, so it was not sent again',
        },
        now,
      );
      context.logger.info(
        { cr: cr.metadata?.name, node: node.metadata?.name },
        'signal recorded as sent after a restart: the node already went down',
      );
      return { result: { requeueAfterMs: context.timing.afterSignalMs }, current: cr };
    }
    if (signal?.reason === Reason.Sending && status.signalAttemptTime) {
      // Someone (another replica, or this process before a restart) may be inside the call now.
      const age = now.getTime() - Date.parse(status.signalAttemptTime);
      if (age < context.timing.signalInFlightMs)
        return { result: { requeueAfterMs: context.timing.signalInFlightMs - age }, current: cr };
    }
    // The intent record, written before the call (see the file comment).
    status.signalBootID = bootIdOf(node);
    status.signalAttemptTime = new Date(now).toISOString();
    status.conditions = setCondition(
      status.conditions,
      {
        type: ConditionType.SignalSent,
        status: 'Unknown',
        reason: Reason.Sending,
        message: `sending the ${this.#action} signal`,
      },
      now,
    );
    const current = await writeStatus(context, this.#spec.ref, cr, status as Record<string, unknown>);
    context.metrics.actions.inc({
      action_type: this.#spec.metricAction,
      status: 'started',
      node: node.metadata!.name!,
    });
    try {
      const { requestRef } =
        this.#action === 'reboot'
          ? await context.provider.sendRebootSignal(node)
          : await context.provider.sendTerminateSignal(node);
      status.conditions = setCondition(
        status.conditions,
        { type: ConditionType.SignalSent, status: 'True', reason: Reason.Succeeded, message: requestRef },
        now,
      );
      return { result: { requeueAfterMs: context.timing.afterSignalMs }, current };
    } catch (err) {
      if (isTransientProviderError(err)) {
        context.logger.warn({ err, cr: cr.metadata?.name }, 'transient provider error while signalling; retrying');
        return { result: { requeueAfterMs: context.timing.signalRetryMs }, current };
      }
      status.conditions = setCondition(
        status.conditions,
        { type: ConditionType.SignalSent, status: 'False', reason: Reason.Failed, message: errorMessage(err) },
        now,
      );
      this.#complete(status, now);
      context.metrics.actions.inc({
        action_type: this.#spec.metricAction,
        status: 'failed',
        node: node.metadata!.name!,
      });
      return { result: undefined, current };
    }
  }

  /** After a restart inside the crash window: did the earlier call take effect? */
  #signalLanded(node: V1Node, status: NodeActionStatus): boolean {
    if (this.#action === 'terminate') return !isNodeReady(node);
    return (status.signalBootID !== undefined && bootIdOf(node) !== status.signalBootID) || !isNodeReady(node);
  }

  async #wait(
    cr: RebootNode,
    status: NodeActionStatus,
    node: V1Node | undefined,
    now: Date,
  ): Promise<ReconcileResult | void> {
    return this.#action === 'reboot' ? this.#waitReboot(cr, status, node, now) : this.#waitTerminate(status, node, now);
  }

  #timedOut(status: NodeActionStatus, now: Date): boolean {
    const started = status.startTime ? Date.parse(status.startTime) : now.getTime();
    return now.getTime() - started > this.#config.timeoutMs;
  }

  #nextPoll(status: NodeActionStatus, now: Date, pollMs: number): ReconcileResult {
    const started = status.startTime ? Date.parse(status.startTime) : now.getTime();
    const untilTimeout = started + this.#config.timeoutMs - now.getTime() + 1_000;
    return { requeueAfterMs: Math.max(1, Math.min(pollMs, untilTimeout)) };
  }

  async #waitReboot(
    cr: RebootNode,
    status: NodeActionStatus,
    node: V1Node | undefined,
    now: Date,
  ): Promise<ReconcileResult | void> {
    const context = this.#context;
    const manual = findCondition(status.conditions, ConditionType.ManualMode)?.status === 'True';
    const signal = findCondition(status.conditions, ConditionType.SignalSent);
    // Without a provider reference (manual mode, recovered signal) the Node alone decides.
    const skipProvider = manual || signal?.reason === Reason.SignalRecovered;
    let cspReady = skipProvider;
    if (!skipProvider && node) {
      const requestRef = signal?.message ?? '';
      try {
        cspReady = await context.provider.isNodeReady(node, requestRef);
      } catch (err) {
        if (isTransientProviderError(err)) return { requeueAfterMs: context.timing.readinessRetryMs };
        status.conditions = setCondition(
          status.conditions,
          { type: ConditionType.NodeReady, status: 'False', reason: Reason.Failed, message: errorMessage(err) },
          now,
        );
        this.#complete(status, now);
        return;
      }
    }
    const rebooted =
      node !== undefined && isNodeReady(node) && (!status.signalBootID || bootIdOf(node) !== status.signalBootID);
    if (cspReady && rebooted) {
      status.conditions = setCondition(
        status.conditions,
        {
          type: ConditionType.NodeReady,
          status: 'True',
          reason: Reason.Succeeded,
          message: 'the node is back and Ready',
        },
        now,
      );
      this.#complete(status, now);
      return;
    }
    if (this.#timedOut(status, now)) {
      status.conditions = setCondition(
        status.conditions,
        {
          type: ConditionType.NodeReady,
          status: 'False',
          reason: Reason.Timeout,
          message: `the node was not Ready again within ${Math.round(this.#config.timeoutMs / 1000)} s of the start`,
        },
        now,
      );
      this.#complete(status, now);
      return;
    }
    context.logger.debug({ cr: cr.metadata?.name, cspReady, rebooted }, 'waiting for the node to come back');
    return this.#nextPoll(status, now, context.timing.readinessPollMs);
  }

  async #waitTerminate(status: NodeActionStatus, node: V1Node | undefined, now: Date): Promise<ReconcileResult | void> {
    const context = this.#context;
    if (!node) {
      status.conditions = setCondition(
        status.conditions,
        { type: ConditionType.NodeTerminated, status: 'True', reason: Reason.Succeeded, message: 'the node is gone' },
        now,
      );
      this.#complete(status, now);
      return;
    }
    if (!isNodeReady(node)) {
      // The instance is going away; remove the Node so nothing is scheduled on it meanwhile.
      try {
        await context.kube.core.deleteNode({ name: node.metadata!.name! });
      } catch (err) {
        if ((err as { code?: number }).code !== 404) throw err;
      }
      status.conditions = setCondition(
        status.conditions,
        {
          type: ConditionType.NodeTerminated,
          status: 'True',
          reason: Reason.Succeeded,
          message: 'the node was NotReady and its Node object was deleted',
        },
        now,
      );
      this.#complete(status, now);
      return;
    }
    if (this.#timedOut(status, now)) {
      status.conditions = setCondition(
        status.conditions,
        {
          type: ConditionType.NodeTerminated,
          status: 'False',
          reason: Reason.Timeout,
          message: `the node still existed and was Ready ${Math.round(this.#config.timeoutMs / 1000)} s after the start`,
        },
        now,
      );
      this.#complete(status, now);
      return;
    }
    return this.#nextPoll(status, now, context.timing.terminatePollMs);
  }

  #recordCompletion(cr: RebootNode, status: NodeActionStatus): void {
    const done = findCondition(status.conditions, this.#spec.doneCondition);
    const signal = findCondition(status.conditions, ConditionType.SignalSent);
    const succeeded = done?.status === 'True';
    const outcome = succeeded ? 'succeeded' : done?.reason === Reason.Timeout ? 'timeout' : 'failed';
    // A failed signal was already counted when it failed.
    if (!(signal?.status === 'False')) {
      this.#context.metrics.actions.inc({
        action_type: this.#spec.metricAction,
        status: outcome,
        node: cr.spec!.nodeName,
      });
    }
    if (succeeded && cr.metadata?.creationTimestamp) {
      const created = new Date(cr.metadata.creationTimestamp as unknown as string).getTime();
      const seconds = Math.max(0, (Date.parse(status.completionTime!) - created) / 1000);
      this.#context.metrics.mttr.observe({ action_type: this.#spec.metricAction }, seconds);
    }
    this.#context.logger.info(
      { cr: cr.metadata?.name, kind: this.#spec.kind, node: cr.spec?.nodeName, outcome, reason: done?.reason },
      'maintenance finished',
    );
  }
}
