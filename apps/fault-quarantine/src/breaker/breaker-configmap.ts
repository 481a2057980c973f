/**
 * The `circuit-breaker` ConfigMap: `status` (CLOSED | TRIPPED) and `cursor` (RESUME | CREATE).
 * The operator resets a trip by deleting it, and asks for a fresh start (skip the backlog) with
 * cursor=CREATE.
 */
import type { ConfigMapOps } from '@nvsentinel/k8s';
import type { BreakerStatus } from './circuit-breaker.js';

const BREAKER_CONFIGMAP = 'circuit-breaker';

type BreakerCursor = 'RESUME' | 'CREATE';

export interface BreakerState {
  status: BreakerStatus;
  cursor: BreakerCursor;
}

export class BreakerConfigMap {
  readonly #configMaps: ConfigMapOps;
  readonly #namespace: string;
  /** Dry-run reads but never writes. */
  readonly #readOnly: boolean;

  constructor(configMaps: ConfigMapOps, namespace: string, readOnly: boolean) {
    this.#configMaps = configMaps;
    this.#namespace = namespace;
    this.#readOnly = readOnly;
  }

  /** Reads the state, creating the ConfigMap as CLOSED/RESUME when it does not exist. */
  async load(): Promise<BreakerState> {
    const existing = await this.#configMaps.get(this.#namespace, BREAKER_CONFIGMAP);
    const data = existing?.data ?? {};
    const state: BreakerState = {
      status: data['status'] === 'TRIPPED' ? 'TRIPPED' : 'CLOSED',
      cursor: data['cursor'] === 'CREATE' ? 'CREATE' : 'RESUME',
    };
    if (!existing && !this.#readOnly)
      await this.#configMaps.createOrUpdate(this.#namespace, BREAKER_CONFIGMAP, { ...state });
    return state;
  }

  async saveStatus(status: BreakerStatus): Promise<void> {
    if (this.#readOnly) return;
    await this.#configMaps.createOrUpdate(this.#namespace, BREAKER_CONFIGMAP, { status });
  }

  async resetCursor(): Promise<void> {
    if (this.#readOnly) return;
    await this.#configMaps.createOrUpdate(this.#namespace, BREAKER_CONFIGMAP, { cursor: 'RESUME' });
  }
}
