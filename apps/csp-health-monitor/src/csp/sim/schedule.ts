/**
 * The `sim` CSP's maintenance windows, kept in a ConfigMap so the CLI, the local stack and the
 * monitor share them through the (simulated) cluster:
 *
 *     nvsentinel maintenance schedule --node gpu-node-2 --in 2m --duration 5m
 *       → scheduleSimMaintenance(kube, { namespace, node: 'gpu-node-2', inMs: 120_000, durationMs: 300_000 })
 *
 * Each data key is a window id; the value is JSON `{node, start, end, scheduledAt, cancelled?, action?}`.
 */
import { randomUUID } from 'node:crypto';
import { ConfigMapOps, type KubeClient } from '@nvsentinel/k8s';
import { DEFAULT_SIM_CONFIGMAP } from '../../config/csp-config.js';
import { SimScheduleError } from '../../errors.js';

export interface SimWindow {
  id: string;
  node: string;
  start: Date;
  end: Date;
  scheduledAt: Date;
  cancelledAt?: Date;
  /** Recommended action of the trigger (RecommendedAction name). Default RESTART_VM. */
  action: string;
}

export interface ScheduleSimMaintenanceInput {
  namespace: string;
  configMapName?: string;
  node: string;
  /** Start this long from now (ms, ≥ 0). */
  inMs: number;
  /** Window length (ms, > 0). */
  durationMs: number;
  action?: string;
  now?: Date;
}

export async function scheduleSimMaintenance(kube: KubeClient, input: ScheduleSimMaintenanceInput): Promise<SimWindow> {
  if (!input.node) throw new SimScheduleError('node is required (--node <name>)');
  if (!Number.isFinite(input.inMs) || input.inMs < 0)
    throw new SimScheduleError(`start offset must be ≥ 0 ms, got ${input.inMs}`);
  if (!Number.isFinite(input.durationMs) || input.durationMs <= 0)
    throw new SimScheduleError(`duration must be > 0 ms, got ${input.durationMs}`);
  const now = input.now ?? new Date();
  const window: SimWindow = {
    id: `sim-${randomUUID()}`,
    node: input.node,
    start: new Date(now.getTime() + input.inMs),
    end: new Date(now.getTime() + input.inMs + input.durationMs),
    scheduledAt: now,
    action: input.action ?? 'RESTART_VM',
  };
  await new ConfigMapOps(kube).createOrUpdate(input.namespace, input.configMapName ?? DEFAULT_SIM_CONFIGMAP, {
    [window.id]: encode(window),
  });
  return window;
}

/** Marks a window cancelled (the monitor reports CANCELLED → the notifier sends healthy). */
export async function cancelSimMaintenance(
  kube: KubeClient,
  input: { namespace: string; configMapName?: string; id: string; now?: Date },
): Promise<void> {
  const ops = new ConfigMapOps(kube);
  let found = false;
  await ops.update(input.namespace, input.configMapName ?? DEFAULT_SIM_CONFIGMAP, (current) => {
    const raw = current[input.id];
    if (raw === undefined) return { ...current };
    found = true;
    return { ...current, [input.id]: encode({ ...decode(input.id, raw), cancelledAt: input.now ?? new Date() }) };
  });
  if (!found) throw new SimScheduleError(`no window ${input.id}; list them with \`nvsentinel maintenance list\``);
}

export async function readSimWindows(
  kube: KubeClient,
  namespace: string,
  configMapName = DEFAULT_SIM_CONFIGMAP,
): Promise<{ windows: SimWindow[]; invalid: Array<{ id: string; error: Error }> }> {
  const configMap = await new ConfigMapOps(kube).get(namespace, configMapName);
  const windows: SimWindow[] = [];
  const invalid: Array<{ id: string; error: Error }> = [];
  for (const [id, raw] of Object.entries(configMap?.data ?? {})) {
    try {
      windows.push(decode(id, raw));
    } catch (error) {
      invalid.push({ id, error: error as Error });
    }
  }
  return { windows, invalid };
}

function encode(w: SimWindow): string {
  return JSON.stringify({
    node: w.node,
    start: w.start.toISOString(),
    end: w.end.toISOString(),
    scheduledAt: w.scheduledAt.toISOString(),
    action: w.action,
    ...(w.cancelledAt ? { cancelledAt: w.cancelledAt.toISOString() } : {}),
  });
}

function decode(id: string, raw: string): SimWindow {
  let v: Record<string, unknown>;
  try {
    v = JSON.parse(raw) as Record<string, unknown>;
  } catch {
    throw new SimScheduleError(`window ${id} is not JSON; delete the key or schedule it again`);
  }
  const date = (key: string, required: boolean): Date | undefined => {
    const value = v[key];
    if (value === undefined && !required) return undefined;
    const d = typeof value === 'string' ? new Date(value) : undefined;
    if (!d || Number.isNaN(d.getTime())) throw new SimScheduleError(`window ${id}: ${key} must be an ISO time`);
    return d;
  };
  if (typeof v.node !== 'string' || v.node === '') throw new SimScheduleError(`window ${id}: node is required`);
  const cancelledAt = date('cancelledAt', false);
  return {
    id,
    node: v.node,
    start: date('start', true)!,
    end: date('end', true)!,
    scheduledAt: date('scheduledAt', true)!,
    action: typeof v.action === 'string' ? v.action : 'RESTART_VM',
    ...(cancelledAt ? { cancelledAt } : {}),
  };
}
