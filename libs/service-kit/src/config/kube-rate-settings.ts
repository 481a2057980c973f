/**
 * `--qps` / `--burst` (`KUBE_QPS` / `KUBE_BURST`): the client-side rate limit of a service's
 * Kubernetes client, with the names upstream's charts pass (`global.qps`, `global.burst`). One
 * definition, spread into each service's schema, so every service takes the same flags with the
 * same bounds and defaults.
 */
import { setting } from './settings.js';

export interface KubeRateDocs {
  qps?: string;
  burst?: string;
}

/** Defaults above client-go's 5 / 10: a fault burst on hundreds of nodes needs the budget. */
export function kubeRateSettings(docs: KubeRateDocs = {}) {
  return {
    qps: setting.number({
      env: 'KUBE_QPS',
      flag: 'qps',
      min: 0.1,
      default: 20,
      doc: docs.qps ?? 'Kubernetes API requests per second for this process (upstream client-go default: 5)',
    }),
    burst: setting.int({
      env: 'KUBE_BURST',
      flag: 'burst',
      min: 1,
      default: 40,
      doc: docs.burst ?? 'Kubernetes API request burst (upstream client-go default: 10)',
    }),
  };
}
