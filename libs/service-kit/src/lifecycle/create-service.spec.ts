import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { createServiceServer } from '../server/create-service-server.js';
import { createMetricsRegistry } from '../server/metrics.js';
import { captureLogger } from '../testing/capture-logger.js';
import { createService, type ProcessLike } from './create-service.js';

/** Polls until the assertion holds; the generous bound only matters on a heavily loaded machine. */
const eventually = <T>(assertion: () => T | Promise<T>) => vi.waitFor(assertion, { timeout: 10_000 });

class FakeProcess extends EventEmitter implements ProcessLike {
  readonly exits: number[] = [];
  readonly exited = new Promise<number>((resolve) => this.once('fake-exit', resolve));
  exit(code: number): void {
    this.exits.push(code);
    this.emit('fake-exit', code);
  }
}

function setup(options: { shutdownDelayMs?: number; stepTimeoutMs?: number } = {}) {
  const proc = new FakeProcess();
  const logs = captureLogger('svc');
  const server = createServiceServer({
    name: 'svc',
    logger: logs.logger,
    port: 0,
    host: '127.0.0.1',
    registry: createMetricsRegistry({ defaultMetrics: false }),
    readinessChecks: { db: () => ({ ok: true }) },
  });
  const service = createService({ name: 'svc', logger: logs.logger, server, process: proc, ...options });
  return { proc, logs, server, service };
}

const readyStatus = async (server: ReturnType<typeof createServiceServer>) =>
  (await server.app.inject({ method: 'GET', url: '/readyz' })).statusCode;

describe('createService', () => {
  it('on SIGTERM: not ready first, closers in reverse order, HTTP server last, exit 0', async () => {
    const { proc, server, service } = setup();
    const order: string[] = [];
    service.onShutdown(async () => void order.push(`datastore (readyz ${await readyStatus(server)})`), {
      name: 'datastore',
    });
    service.onShutdown(() => void order.push('consumer'), { name: 'consumer' });
    server.app.addHook('onClose', async () => void order.push('http server'));
    await service.start();
    expect(service.state).toBe('running');
    expect(await readyStatus(server)).toBe(200);

    proc.emit('SIGTERM');
    expect(await proc.exited).toBe(0);
    expect(order).toEqual(['consumer', 'datastore (readyz 503)', 'http server']);
    expect(service.state).toBe('stopped');
    expect(proc.exits).toEqual([0]);
  });

  it('removes its process listeners when done', async () => {
    const { proc, service } = setup();
    await service.start();
    expect(proc.listenerCount('SIGTERM')).toBe(1);
    expect(proc.listenerCount('SIGINT')).toBe(1);
    expect(proc.listenerCount('uncaughtException')).toBe(1);
    proc.emit('SIGINT');
    await proc.exited;
    for (const event of ['SIGTERM', 'SIGINT', 'uncaughtException', 'unhandledRejection'])
      expect(proc.listenerCount(event)).toBe(0);
  });

  it('logs a failing closer and still runs the rest, exiting 0', async () => {
    const { proc, logs, service } = setup();
    const ran: string[] = [];
    service.onShutdown(() => void ran.push('first registered'));
    service.onShutdown(async function flushCheckpoint() {
      throw new Error('store gone');
    });
    await service.start({ ready: false });
    proc.emit('SIGTERM');
    expect(await proc.exited).toBe(0);
    expect(ran).toEqual(['first registered']);
    const failure = logs.lines.find((l) => l.msg === 'shutdown step failed; continuing');
    expect(failure).toMatchObject({ level: 'error', step: 'flushCheckpoint', err: { message: 'store gone' } });
  });

  it('abandons a closer that exceeds its timeout and moves on', async () => {
    const { proc, logs, service } = setup({ stepTimeoutMs: 10_000 });
    const ran: string[] = [];
    service.onShutdown(() => void ran.push('after the stuck one'));
    service.onShutdown(() => new Promise(() => {}), { name: 'stuck', timeoutMs: 30 });
    await service.start();
    proc.emit('SIGTERM');
    expect(await proc.exited).toBe(0);
    expect(ran).toEqual(['after the stuck one']);
    expect(logs.lines.find((l) => l.step === 'stuck')).toMatchObject({
      err: {
        code: 'NVS_ERR_SHUTDOWN_STEP_TIMEOUT',
        message: expect.stringContaining("'stuck' did not finish within 30 ms"),
      },
    });
  });

  it('forces exit 1 when the whole shutdown exceeds the delay', async () => {
    const { proc, logs, server, service } = setup({ shutdownDelayMs: 30, stepTimeoutMs: 60_000 });
    service.onShutdown(() => new Promise(() => {}), { name: 'never' });
    await service.start();
    proc.emit('SIGTERM');
    expect(await proc.exited).toBe(1);
    expect(logs.messages('error')).toContain('graceful shutdown took too long, forcing exit');
    await server.close(); // a real exit would have released the port
  });

  it('exits 1 at once on a second signal', async () => {
    const { proc, service } = setup();
    let release = () => {};
    service.onShutdown(() => new Promise<void>((resolve) => (release = resolve)));
    await service.start();
    proc.emit('SIGTERM');
    await eventually(() => expect(service.state).toBe('stopping'));
    proc.emit('SIGINT');
    expect(await proc.exited).toBe(1);
    release();
  });

  it('logs an uncaught error, shuts down gracefully and exits 1', async () => {
    const { proc, logs, service } = setup();
    const closer = vi.fn();
    service.onShutdown(closer);
    await service.start();
    proc.emit('uncaughtException', new Error('bug in handler'));
    expect(await proc.exited).toBe(1);
    expect(closer).toHaveBeenCalledOnce();
    expect(logs.lines.find((l) => l.level === 'fatal')).toMatchObject({
      msg: 'uncaught error, shutting down',
      err: { message: 'bug in handler' },
    });
  });

  it('treats an unhandled rejection like an uncaught error', async () => {
    const { proc, service } = setup();
    await service.start();
    proc.emit('unhandledRejection', 'not even an Error');
    expect(await proc.exited).toBe(1);
  });

  it('shutdown(error) exits 1; repeated calls share one run', async () => {
    const { proc, service } = setup();
    const closer = vi.fn();
    service.onShutdown(closer);
    await service.start();
    const first = service.shutdown(new Error('change stream closed'));
    const second = service.shutdown();
    expect(await first).toBe(1);
    expect(await second).toBe(1);
    expect(closer).toHaveBeenCalledOnce();
    expect(proc.exits).toEqual([1]);
  });

  it('works without an HTTP server', async () => {
    const proc = new FakeProcess();
    const service = createService({ name: 'bare', logger: captureLogger().logger, process: proc });
    const closer = vi.fn();
    service.onShutdown(closer);
    await service.start();
    proc.emit('SIGTERM');
    expect(await proc.exited).toBe(0);
    expect(closer).toHaveBeenCalledOnce();
  });
});
