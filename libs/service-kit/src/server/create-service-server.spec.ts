import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../logging/create-logger.js';
import { createServiceServer, type ServiceServer } from './create-service-server.js';
import { counter, createMetricsRegistry, gauge, histogram } from './metrics.js';

const silent = createLogger({
  name: 'test',
  env: {},
  pretty: false,
  destination: new Writable({ write: (_c, _e, done) => done() }),
});

describe('createServiceServer', () => {
  let server: ServiceServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  function make(options: Partial<Parameters<typeof createServiceServer>[0]> = {}): ServiceServer {
    server = createServiceServer({
      name: 'svc',
      logger: silent,
      registry: createMetricsRegistry({ defaultMetrics: false }),
      ...options,
    });
    return server;
  }

  it('answers /healthz with 200 in every phase, whatever the checks say', async () => {
    const s = make({ readinessChecks: { db: () => ({ ok: false }) } });
    for (const step of [() => {}, () => s.markStarted(), () => s.markStopping()]) {
      step();
      const res = await s.app.inject({ method: 'GET', url: '/healthz' });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ status: 'ok' });
    }
  });

  it('is not ready before markStarted, but shows what the start waits for', async () => {
    const s = make({
      readinessChecks: { db: () => ({ ok: true }), stream: () => ({ ok: false, detail: 'positioning' }) },
    });
    const res = await s.app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(503);
    const body = res.json();
    expect(body).toMatchObject({ status: 'not_ready', ready: false, phase: 'starting' });
    expect(body.checks.db.ok).toBe(true);
    expect(body.checks.stream).toMatchObject({ ok: false, detail: 'positioning' });
  });

  it('is not ready once stopping, without running checks', async () => {
    let calls = 0;
    const s = make({ readinessChecks: { db: () => (calls++, { ok: true }) } });
    s.markStarted();
    s.markStopping();
    const res = await s.app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({ status: 'not_ready', ready: false, phase: 'stopping', checks: {} });
    expect(calls).toBe(0);
  });

  it('is ready when every check passes, with per-check detail', async () => {
    const s = make({ readinessChecks: { db: () => ({ ok: true, detail: { provider: 'postgresql' } }) } });
    s.addReadinessCheck('stream', async () => ({ ok: true }));
    s.markStarted();
    const res = await s.app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ status: 'ready', ready: true, phase: 'running' });
    expect(body.checks.db).toMatchObject({ ok: true, detail: { provider: 'postgresql' } });
    expect(body.checks.stream.ok).toBe(true);
  });

  it('answers 503 naming the failing, throwing and timed-out checks', async () => {
    const s = make({
      readinessChecks: {
        db: () => ({ ok: true }),
        stream: () => ({ ok: false, detail: { lagSeconds: 120 } }),
        cache: () => {
          throw new Error('informer not synced');
        },
        slow: { check: () => new Promise(() => {}), timeoutMs: 20 },
      },
    });
    s.markStarted();
    const res = await s.app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(503);
    const { checks } = res.json();
    expect(checks.db.ok).toBe(true);
    expect(checks.stream).toMatchObject({ ok: false, detail: { lagSeconds: 120 } });
    expect(checks.cache).toMatchObject({ ok: false, error: 'informer not synced' });
    expect(checks.slow).toMatchObject({
      ok: false,
      error: expect.stringContaining("'slow' did not finish within 20 ms"),
    });
  });

  it('is not ready once stopping, even with passing checks', async () => {
    const s = make({ readinessChecks: { db: () => ({ ok: true }) } });
    s.markStarted();
    expect((await s.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    s.markStopping();
    s.markStarted(); // a late markStarted must not resurrect a stopping service
    const res = await s.app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(503);
    expect(res.json().phase).toBe('stopping');
  });

  it('refuses a second check with the same name', () => {
    const s = make({ readinessChecks: { db: () => ({ ok: true }) } });
    expect(() => s.addReadinessCheck('db', () => ({ ok: true }))).toThrow(/NVS_ERR|already registered/);
  });

  it('serves this service registry (not the global one) in Prometheus text format', async () => {
    const registry = createMetricsRegistry();
    const s = make({ registry });
    const processed = counter(registry, {
      name: 'fault_quarantine_events_received_total',
      help: 'Events received',
      labelNames: ['node'],
    });
    processed.inc({ node: 'gpu-1' }, 2);
    const res = await s.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    expect(res.body).toContain('fault_quarantine_events_received_total{node="gpu-1"} 2');
    expect(res.body).toContain('process_cpu_user_seconds_total');
    expect(res.body).toContain('nodejs_eventloop_lag_seconds');
  });

  it('listens on a real port and serves the probes over HTTP', async () => {
    const s = make({ port: 0, host: '127.0.0.1' });
    const address = await s.listen();
    const res = await fetch(`${address}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });
});

describe('metric helpers', () => {
  it('return the already-registered metric instead of throwing on a second registration', () => {
    const registry = createMetricsRegistry({ defaultMetrics: false });
    const a = histogram(registry, { name: 'h_seconds', help: 'h', buckets: [0.1, 1] });
    expect(histogram(registry, { name: 'h_seconds', help: 'h' })).toBe(a);
    expect(gauge(registry, { name: 'g', help: 'g' })).toBe(gauge(registry, { name: 'g', help: 'g' }));
  });

  it('refuse to reuse a name for a different metric type', () => {
    const registry = createMetricsRegistry({ defaultMetrics: false });
    gauge(registry, { name: 'x_total', help: 'x' });
    expect(() => counter(registry, { name: 'x_total', help: 'x' })).toThrow(
      /'x_total' is already registered as a Gauge/,
    );
  });

  it('keep registries independent', async () => {
    const one = createMetricsRegistry({ defaultMetrics: false });
    const two = createMetricsRegistry({ defaultMetrics: false, defaultLabels: { service: 'b' } });
    counter(one, { name: 'only_in_one_total', help: 'x' }).inc();
    counter(two, { name: 'only_in_two_total', help: 'x' }).inc();
    expect(await one.metrics()).not.toContain('only_in_two_total');
    expect(await two.metrics()).toContain('only_in_two_total{service="b"} 1');
  });
});
