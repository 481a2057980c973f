import { stat, writeFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { ProcessingStrategy, RecommendedAction, assertValidHealthEvents } from '@nvsentinel/health-model';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventJson } from './testing/events.js';
import { rawHealthEvents } from './testing/grpc-client.js';
import { startHarness, type Harness } from './testing/harness.js';

describe('ingest over real gRPC (unix socket) and HTTP into PostgreSQL', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('creates the socket world-writable', async () => {
    const info = await stat(h.socketPath);
    expect(info.isSocket()).toBe(true);
    expect(info.mode & 0o777).toBe(0o666);
  });

  it('stores a gRPC batch before answering, with UNSPECIFIED normalised to EXECUTE_REMEDIATION', async () => {
    const events = assertValidHealthEvents({
      events: [
        eventJson({ nodeName: 'grpc-node' }),
        eventJson({ nodeName: 'grpc-node', processingStrategy: 'STORE_ONLY' }),
      ],
    });
    const result = await h.grpc.sendEvents(events);
    expect(result).toEqual({ ok: true });
    const stored = await h.datastore.healthEventStore().findHealthEventsByNode('grpc-node');
    expect(stored).toHaveLength(2);
    const strategies = stored.map((s) => s.healthEvent.processingStrategy).sort();
    expect(strategies).toEqual([ProcessingStrategy.EXECUTE_REMEDIATION, ProcessingStrategy.STORE_ONLY]);
    expect(stored[0]!.healthEvent.recommendedAction).toBe(RecommendedAction.RESTART_VM);
  });

  it('stores an HTTP batch and returns the ids; GET shows it', async () => {
    const response = await h.post([
      eventJson({ nodeName: 'http-node' }),
      eventJson({ nodeName: 'http-node', recommendedAction: 15 }),
    ]);
    expect(response.status).toBe(200);
    expect(response.body.stored).toBe(2);
    expect(response.body.ids).toHaveLength(2);
    const listed = (await (await fetch(`${h.httpUrl}/api/v1/health-events?node=http-node`)).json()) as any;
    expect(listed.total).toBe(2);
    expect(listed.events.map((e: { id: string }) => e.id).sort()).toEqual([...response.body.ids].sort());
    expect(listed.events[0].healthEvent.nodeName).toBe('http-node');
  });

  it('a body that is not JSON is a 400 in the same error shape, with a hint', async () => {
    const response = await fetch(`${h.httpUrl}/api/v1/health-events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"events": [',
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { code: string; message: string };
    expect(body.code).toBe('NVS_ERR_PC_BODY_INVALID');
    expect(body.message).toContain('{"events":[{...}]}');
  });

  it('GET without node is a 400 naming the parameter', async () => {
    const response = await fetch(`${h.httpUrl}/api/v1/health-events`);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { message: string }).message).toContain("'node'");
  });

  it('rejects an invalid HTTP batch whole, listing every problem, storing nothing', async () => {
    const response = await h.post([
      eventJson({ nodeName: 'bad-http' }),
      eventJson({ nodeName: 'bad-http', checkName: '' }),
      eventJson({ nodeName: 'bad-http', recommendedAction: 'REBOOT_PLEASE', isFatal: 'yes' }),
    ]);
    expect(response.status).toBe(400);
    expect(response.body.code).toBe('NVS_ERR_PC_HEALTH_EVENTS_INVALID');
    const paths = response.body.issues.map((i: { path: string }) => i.path);
    expect(paths).toEqual(
      expect.arrayContaining(['events[1].checkName', 'events[2].recommendedAction', 'events[2].isFatal']),
    );
    expect(await h.storedFor('bad-http')).toBe(0);
  });

  it('rejects an invalid gRPC batch with INVALID_ARGUMENT listing every problem, storing nothing', async () => {
    const message = rawHealthEvents([
      { agent: 'm', checkName: 'C', nodeName: 'bad-grpc' },
      { agent: 'm', checkName: 'C', nodeName: 'bad-grpc', recommendedAction: 27 /* CUSTOM without a name */ },
      { agent: '', checkName: 'C', nodeName: 'bad-grpc' },
    ]);
    const result = await h.grpc.send(message);
    expect(result.ok).toBe(false);
    expect(result.code).toBe(GrpcStatus.INVALID_ARGUMENT);
    expect(result.details).toContain('events[1].customRecommendedAction');
    expect(result.details).toContain('events[2].agent');
    expect(result.metadata?.get('nvs-error-code')).toEqual(['NVS_ERR_PC_HEALTH_EVENTS_INVALID']);
    expect(await h.storedFor('bad-grpc')).toBe(0);
  });

  it('coalesces concurrent requests into fewer multi-row inserts, each caller acknowledged', async () => {
    const inserts = async (): Promise<number> => (await h.connectors.metrics.storeInserts.get()).values[0]?.value ?? 0;
    const before = await inserts();
    const calls = 60;
    const results = await Promise.all(
      Array.from({ length: calls }, (_, i) =>
        i % 2 === 0
          ? h.grpc.sendEvents(assertValidHealthEvents({ events: [eventJson({ nodeName: 'burst-node' })] }))
          : h.post([eventJson({ nodeName: 'burst-node' })]).then((r) => ({ ok: r.status === 200 })),
      ),
    );
    expect(results.every((r) => r.ok)).toBe(true);
    expect(await h.storedFor('burst-node')).toBe(calls);
    const used = (await inserts()) - before;
    expect(used).toBeGreaterThan(0);
    expect(used).toBeLessThan(calls);
  });
});

describe('start-up on a socket path', () => {
  it('removes a stale socket file left by a crashed predecessor', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pc-stale-'));
    const path = join(dir, 'nvsentinel.sock');
    await writeFile(path, 'stale');
    const { GrpcIngestServer } = await import('./transport/grpc-server.js');
    const { createLogger } = await import('@nvsentinel/service-kit');
    const server = new GrpcIngestServer({
      socket: `unix://${path}`,
      pipeline: {} as never,
      logger: createLogger({ name: 't', level: 'fatal' }),
    });
    await server.start();
    expect((await stat(path)).isSocket()).toBe(true);
    await server.stop();
    await expect(stat(path)).rejects.toThrow(/ENOENT/);
  });
});

describe('ingest on the embedded provider', () => {
  it('stores over HTTP and gRPC', async () => {
    const h = await startHarness({ provider: 'embedded' });
    try {
      expect((await h.post([eventJson({ nodeName: 'emb' })])).status).toBe(200);
      expect(await h.grpc.sendEvents(assertValidHealthEvents({ events: [eventJson({ nodeName: 'emb' })] }))).toEqual({
        ok: true,
      });
      expect(await h.storedFor('emb')).toBe(2);
    } finally {
      await h.close();
    }
  }, 60_000);
});

describe('bounded ingest queue', () => {
  it('refuses batches beyond the queue bound with 503 + Retry-After; every acknowledged event is stored', async () => {
    const h = await startHarness({ config: { writer: { maxQueuedEvents: 5, maxConcurrentInserts: 1 } } });
    try {
      const responses = await Promise.all(
        Array.from({ length: 120 }, () => h.post([eventJson({ nodeName: 'bounded' })])),
      );
      const accepted = responses.filter((r) => r.status === 200).length;
      const refused = responses.filter((r) => r.status === 503);
      expect(accepted + refused.length).toBe(120);
      expect(refused.length).toBeGreaterThan(0);
      expect(refused[0]!.body.code).toBe('NVS_ERR_PC_INGEST_OVERLOADED');
      expect(refused[0]!.headers.get('retry-after')).toBe('1');
      expect(await h.storedFor('bounded')).toBe(accepted);
    } finally {
      await h.close();
    }
  });
});
