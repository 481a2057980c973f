/**
 * One prom-client `Registry` per service (never the global one, so two services started in one
 * test process or the all-in-one stack never collide), plus get-or-create helpers so a metric
 * shared by two components is registered once.
 */
import {
  Counter,
  Gauge,
  Histogram,
  Registry,
  collectDefaultMetrics,
  type CounterConfiguration,
  type GaugeConfiguration,
  type HistogramConfiguration,
} from 'prom-client';
import { createErrorClass } from '../errors/create-error-class.js';

export { Registry } from 'prom-client';
export type { Counter, Gauge, Histogram } from 'prom-client';

export const MetricTypeConflictError = createErrorClass(
  'NVS_ERR_METRIC_TYPE_CONFLICT',
  "Metric '%s' is already registered as a %s; pick another name or reuse the existing %s",
);

export interface MetricsRegistryOptions {
  /** Process metrics (event-loop lag, GC, heap, fds). Default true. */
  defaultMetrics?: boolean;
  /** Labels added to every series, e.g. `{ service: 'node-drainer' }`. */
  defaultLabels?: Record<string, string>;
}

export function createMetricsRegistry(options: MetricsRegistryOptions = {}): Registry {
  const registry = new Registry();
  if (options.defaultLabels) registry.setDefaultLabels(options.defaultLabels);
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  return registry;
}

type MetricClass<M> = new (...args: never[]) => M;

function getOrCreate<M>(registry: Registry, name: string, type: MetricClass<M>, create: () => M): M {
  const existing = registry.getSingleMetric(name);
  if (existing === undefined) return create();
  if (existing instanceof type) return existing as M;
  throw new MetricTypeConflictError(name, existing.constructor.name, existing.constructor.name);
}

/** The counter `name` on `registry`, created on first use. */
export function counter<L extends string = string>(
  registry: Registry,
  config: Omit<CounterConfiguration<L>, 'registers'>,
): Counter<L> {
  return getOrCreate(
    registry,
    config.name,
    Counter,
    () => new Counter<L>({ ...config, registers: [registry] }),
  ) as Counter<L>;
}

/** The gauge `name` on `registry`, created on first use. */
export function gauge<L extends string = string>(
  registry: Registry,
  config: Omit<GaugeConfiguration<L>, 'registers'>,
): Gauge<L> {
  return getOrCreate(
    registry,
    config.name,
    Gauge,
    () => new Gauge<L>({ ...config, registers: [registry] }),
  ) as Gauge<L>;
}

/** The histogram `name` on `registry`, created on first use. */
export function histogram<L extends string = string>(
  registry: Registry,
  config: Omit<HistogramConfiguration<L>, 'registers'>,
): Histogram<L> {
  return getOrCreate(
    registry,
    config.name,
    Histogram,
    () => new Histogram<L>({ ...config, registers: [registry] }),
  ) as Histogram<L>;
}
