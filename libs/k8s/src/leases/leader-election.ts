import { type V1Lease, V1MicroTime } from '@kubernetes/client-node';
import type { KubeClient } from '../client/kube-client.js';
import { K8sErrorCode, isConflict, toK8sError } from '../errors.js';
import { type Clock, systemClock } from '../internal/clock.js';

export interface LeaderElectionOptions {
  /** Lease name, e.g. `janitor.dgxc.nvidia.com` (controller-runtime's leader election ID). */
  name: string;
  namespace: string;
  /** This replica, usually the pod name. */
  identity: string;
  /** A lease not renewed for this long may be taken over (client-go LeaseDuration, default 15 s). */
  leaseDurationMs?: number;
  /** A leader that could not renew for this long gives up (RenewDeadline, default 10 s). */
  renewDeadlineMs?: number;
  /** Pause between attempts (RetryPeriod, default 2 s). */
  retryPeriodMs?: number;
  /** Clear the holder on `stop()` so a successor need not wait for the lease to expire (ReleaseOnCancel). */
  releaseOnStop?: boolean;
  clock?: Clock;
  onError?(err: unknown): void;
}

/**
 * client-go's Lease-based leader election. Expiry is judged by the local time at which this
 * replica last saw the record change (client-go's observedTime), never by the holder's clock, so
 * clock skew between replicas cannot make two leaders. Every write is a compare-and-swap on the
 * resourceVersion, so of two candidates exactly one wins.
 *
 * ```ts
 * const election = new LeaderElection(kube, { name: 'janitor.dgxc.nvidia.com', namespace, identity });
 * await election.acquire(signal);            // resolves once leading
 * election.lost.then(() => stopControllers()); // resolves if leadership is lost
 * ```
 */
export class LeaderElection {
  readonly #client: KubeClient;
  readonly #options: Required<Omit<LeaderElectionOptions, 'onError' | 'clock'>> &
    Pick<LeaderElectionOptions, 'onError'>;
  readonly #clock: Clock;
  readonly #stop = new AbortController();
  #observed: { holder: string; renewTime: string; at: number } | undefined;
  #leading = false;
  #resolveLost!: () => void;
  /** Resolves when this replica stops leading (renewal failed past the deadline, or `stop()`). */
  readonly lost: Promise<void>;
  #renewLoop: Promise<void> | undefined;

  constructor(client: KubeClient, options: LeaderElectionOptions) {
    this.#client = client;
    this.#options = {
      leaseDurationMs: 15_000,
      renewDeadlineMs: 10_000,
      retryPeriodMs: 2_000,
      releaseOnStop: true,
      ...options,
    };
    this.#clock = options.clock ?? systemClock;
    this.lost = new Promise((resolve) => (this.#resolveLost = resolve));
  }

  get isLeader(): boolean {
    return this.#leading;
  }

  /** Try until this replica leads (then keep renewing in the background) or `signal`/`stop()` aborts. */
  async acquire(signal?: AbortSignal): Promise<void> {
    const aborted = (): boolean => this.#stop.signal.aborted || signal?.aborted === true;
    while (!aborted()) {
      if (await this.#tryAcquireOrRenew()) {
        this.#leading = true;
        this.#renewLoop = this.#renew();
        return;
      }
      await this.#sleep(this.#options.retryPeriodMs, signal);
    }
    throw new DOMException('leader election stopped before this replica became leader', 'AbortError');
  }

  async #sleep(ms: number, signal?: AbortSignal): Promise<void> {
    const signals = [this.#stop.signal, ...(signal ? [signal] : [])];
    await this.#clock.sleep(ms, AbortSignal.any(signals)).catch(() => undefined);
  }

  async #renew(): Promise<void> {
    let lastRenew = this.#clock.now();
    while (!this.#stop.signal.aborted) {
      await this.#sleep(this.#options.retryPeriodMs);
      if (this.#stop.signal.aborted) break;
      if (await this.#tryAcquireOrRenew()) {
        lastRenew = this.#clock.now();
        continue;
      }
      // Not renewed: either another replica took over, or the API has been failing for too long.
      if (
        this.#observed?.holder !== this.#options.identity ||
        this.#clock.now() - lastRenew >= this.#options.renewDeadlineMs
      )
        break;
    }
    this.#leading = false;
    this.#resolveLost();
  }

  async #read(): Promise<V1Lease | undefined> {
    try {
      return await this.#client.coordination.readNamespacedLease({
        name: this.#options.name,
        namespace: this.#options.namespace,
      });
    } catch (err) {
      if (toK8sError(err).code === K8sErrorCode.NOT_FOUND) return undefined;
      throw err;
    }
  }

  async #tryAcquireOrRenew(): Promise<boolean> {
    const { name, namespace, identity } = this.#options;
    const now = new Date();
    const durationSeconds = Math.max(1, Math.ceil(this.#options.leaseDurationMs / 1000));
    try {
      const lease = await this.#read();
      if (!lease) {
        await this.#client.coordination.createNamespacedLease({
          namespace,
          body: {
            metadata: { name, namespace },
            spec: {
              holderIdentity: identity,
              leaseDurationSeconds: durationSeconds,
              acquireTime: new V1MicroTime(now.getTime()),
              renewTime: new V1MicroTime(now.getTime()),
              leaseTransitions: 0,
            },
          },
        });
        this.#observe(identity, now.toISOString());
        return true;
      }
      const holder = lease.spec?.holderIdentity ?? '';
      const renewTime = String(lease.spec?.renewTime ?? '');
      if (!this.#observed || this.#observed.holder !== holder || this.#observed.renewTime !== renewTime)
        this.#observe(holder, renewTime);
      const expired = this.#observed!.at + this.#options.leaseDurationMs <= this.#clock.now();
      if (holder !== '' && holder !== identity && !expired) return false;
      const ours = holder === identity;
      lease.spec = {
        ...lease.spec,
        holderIdentity: identity,
        leaseDurationSeconds: durationSeconds,
        renewTime: new V1MicroTime(now.getTime()),
        ...(ours
          ? {}
          : { acquireTime: new V1MicroTime(now.getTime()), leaseTransitions: (lease.spec?.leaseTransitions ?? 0) + 1 }),
      };
      const written = await this.#client.coordination.replaceNamespacedLease({ name, namespace, body: lease });
      this.#observe(identity, String(written.spec?.renewTime ?? ''));
      return true;
    } catch (err) {
      if (!isConflict(err) && toK8sError(err).code !== K8sErrorCode.ALREADY_EXISTS) this.#options.onError?.(err);
      return false;
    }
  }

  #observe(holder: string, renewTime: string): void {
    this.#observed = { holder, renewTime, at: this.#clock.now() };
  }

  /** Stop renewing; with releaseOnStop the Lease is handed back at once. Idempotent. */
  async stop(): Promise<void> {
    if (this.#stop.signal.aborted) return;
    const wasLeading = this.#leading;
    this.#stop.abort();
    await this.#renewLoop;
    this.#leading = false;
    this.#resolveLost();
    if (!wasLeading || !this.#options.releaseOnStop) return;
    try {
      const lease = await this.#read();
      if (lease?.spec?.holderIdentity !== this.#options.identity) return;
      // client-go's release: an empty holder and a 1 s duration, so any candidate takes over now.
      lease.spec = { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1 };
      await this.#client.coordination.replaceNamespacedLease({
        name: this.#options.name,
        namespace: this.#options.namespace,
        body: lease,
      });
    } catch (err) {
      this.#options.onError?.(err);
    }
  }
}
