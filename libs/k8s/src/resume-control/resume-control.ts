/**
 * Upstream's resume-control (behaviour reference §3.7), shared by every change-stream consumer:
 * the ConfigMap `resume-control` in the pod's namespace holds, per consumer, `RESUME` (default,
 * created when missing) or `CREATE` (operator request: skip the backlog). On CREATE the consumer
 * records the cut-off `<client>.coldStartAfter` (RFC 3339), starts its stream from now without a
 * cold-start scan, and — once the stream is positioned — flips the mode back to RESUME. Later
 * cold starts only consider events created after the cut-off, which bounds them after a storm
 * (upstream #912).
 */
import type { ConfigMapOps } from '../configmaps/configmap-ops.js';

export const RESUME_CONTROL_CONFIGMAP = 'resume-control';

export interface StartDecision {
  startAt: 'resume' | 'now';
  /** Cold starts consider only events created after this. */
  coldStartCreatedAfter?: Date;
  /** Call once the stream is running: a CREATE request is then marked done (RESUME). */
  confirm(): Promise<void>;
}

export interface DecideStartOptions {
  now?: () => Date;
  /** Read the request but write nothing (dry-run services). */
  readOnly?: boolean;
}

export async function decideStart(
  configMaps: ConfigMapOps,
  namespace: string,
  clientName: string,
  options: DecideStartOptions = {},
): Promise<StartDecision> {
  const now = options.now ?? (() => new Date());
  const write = async (data: Record<string, string>): Promise<void> => {
    if (!options.readOnly) await configMaps.createOrUpdate(namespace, RESUME_CONTROL_CONFIGMAP, data);
  };
  const cutoffKey = `${clientName}.coldStartAfter`;
  const data = (await configMaps.get(namespace, RESUME_CONTROL_CONFIGMAP))?.data ?? {};
  const mode = data[clientName];
  // CREATING means a previous start died half-way through a CREATE: do it again.
  if (mode === 'CREATE' || mode === 'CREATING') {
    const cutoff = now();
    await write({ [clientName]: 'CREATING', [cutoffKey]: cutoff.toISOString() });
    return {
      startAt: 'now',
      coldStartCreatedAfter: cutoff,
      confirm: () => write({ [clientName]: 'RESUME' }),
    };
  }
  if (mode === undefined) await write({ [clientName]: 'RESUME' });
  const cutoffText = data[cutoffKey];
  const cutoff = cutoffText ? new Date(cutoffText) : undefined;
  return {
    startAt: 'resume',
    ...(cutoff && !Number.isNaN(cutoff.getTime()) ? { coldStartCreatedAfter: cutoff } : {}),
    confirm: async () => undefined,
  };
}
