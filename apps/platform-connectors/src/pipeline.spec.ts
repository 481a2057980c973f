/** upstream-style config.json + TOML files → transformers in order, through the running service. */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProcessingStrategy, RecommendedAction, assertValidHealthEvents } from '@nvsentinel/health-model';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConnectorConfig } from './config/connector-config.js';
import { eventJson } from './testing/events.js';
import { startHarness, type Harness } from './testing/harness.js';

async function writeConfig(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'pc-config-'));
  await writeFile(
    join(dir, 'metadata.toml'),
    `cacheSize = 10\ncacheTTL = "10m"\nallowedLabels = ["topology.kubernetes.io/zone", "rack"]\n`,
  );
  await writeFile(
    join(dir, 'overrides.toml'),
    [
      'enabled = true',
      '[[rules]]',
      'name = "rack-7-support"',
      `when = "event.metadata['rack'] == 'r7' && event.isFatal"`,
      '[rules.override]',
      'recommendedAction = "CONTACT_SUPPORT"',
      '',
    ].join('\n'),
  );
  await writeFile(
    join(dir, 'dedup.toml'),
    `suppressionWindow = "3m"\ncleanupInterval = "1m"\nincludeChecks = ["SysLogsXIDError"]\n`,
  );
  const path = join(dir, 'config.json');
  await writeFile(
    path,
    JSON.stringify({
      enableK8sPlatformConnector: 'true',
      enableMongoDBStorePlatformConnector: 'false',
      enablePostgresDBStorePlatformConnector: 'true',
      K8sConnectorQps: 5.0,
      K8sConnectorBurst: 10,
      pipeline: [
        { name: 'MetadataAugmentor', enabled: true, config: 'metadata.toml' },
        { name: 'OverrideTransformer', enabled: true, config: 'overrides.toml' },
        { name: 'Deduplicator', enabled: true, config: join(dir, 'dedup.toml') },
        { name: 'Deduplicator', enabled: false, config: '' },
      ],
    }),
  );
  return path;
}

describe('connector config file', () => {
  it('reads upstream keys and the TOML of each enabled transformer, in order', async () => {
    const config = loadConnectorConfig(await writeConfig());
    expect(config.k8sEnabled).toBe(true);
    expect(config.qps).toBe(5);
    expect(config.burst).toBe(10);
    expect(config.pipeline.map((s) => s.name)).toEqual(['MetadataAugmentor', 'OverrideTransformer', 'Deduplicator']);
    expect(config.pipeline[0]!.config).toEqual({
      cacheSize: 10,
      cacheTtlMs: 600_000,
      allowedLabels: ['topology.kubernetes.io/zone', 'rack'],
    });
    expect(config.pipeline[2]!.config).toEqual({
      suppressionWindowMs: 180_000,
      cleanupIntervalMs: 60_000,
      includeChecks: ['SysLogsXIDError'],
    });
  });

  it('takes upstream string booleans: enableK8sPlatformConnector "false" turns the mirror off', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pc-k8s-'));
    await writeFile(
      join(dir, 'config.json'),
      JSON.stringify({ enableK8sPlatformConnector: 'false', MaxNodeConditionMessageLength: '512' }),
    );
    const config = loadConnectorConfig(join(dir, 'config.json'));
    expect(config.k8sEnabled).toBe(false);
    expect(config.maxConditionMessageBytes).toBe(512);
  });

  it('explains a bad file and a missing required file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pc-bad-'));
    await writeFile(join(dir, 'config.json'), JSON.stringify({ pipeline: [{ name: 'Compressor', enabled: true }] }));
    expect(() => loadConnectorConfig(join(dir, 'config.json'))).toThrow(
      /unknown transformer 'Compressor'; known: MetadataAugmentor/,
    );
    await writeFile(join(dir, 'd.toml'), 'suppressionWindow = "soon"');
    await writeFile(
      join(dir, 'config.json'),
      JSON.stringify({ pipeline: [{ name: 'Deduplicator', enabled: 'true', config: 'd.toml' }] }),
    );
    expect(() => loadConnectorConfig(join(dir, 'config.json'))).toThrow(/'suppressionWindow' must be a duration/);
    expect(() => loadConnectorConfig(join(dir, 'nope.json'), { required: true })).toThrow(/file not found/);
    expect(loadConnectorConfig(join(dir, 'nope.json')).pipeline).toEqual([]);
  });
});

describe('transformer pipeline in the running service', () => {
  let h: Harness;
  beforeAll(async () => {
    const config = loadConnectorConfig(await writeConfig());
    h = await startHarness({
      nodes: [
        {
          name: 'rack7',
          labels: { rack: 'r7', 'topology.kubernetes.io/zone': 'z1', secret: 'no' },
          providerID: 'aws:///z1/i-7',
        },
        { name: 'rack8', labels: { rack: 'r8' } },
        { name: 'rack9', labels: { rack: 'r9' } },
      ],
      config: { pipeline: config.pipeline },
    });
  }, 60_000);
  afterAll(async () => {
    await h?.close();
  });

  it('augments metadata, then overrides by it, then de-duplicates — before storing', async () => {
    const send = (node: string, overrides: Record<string, unknown> = {}) =>
      h.grpc.sendEvents(
        assertValidHealthEvents({
          events: [eventJson({ nodeName: node, checkName: 'SysLogsXIDError', errorCode: ['79'], ...overrides })],
        }),
      );
    expect((await send('rack7')).ok).toBe(true);
    expect((await send('rack7')).ok).toBe(true);
    expect((await send('rack8')).ok).toBe(true);
    expect((await send('ghost-node')).ok).toBe(true); // unknown node: stored without node metadata

    const rack7 = await h.datastore.healthEventStore().findHealthEventsByNode('rack7');
    expect(rack7).toHaveLength(2);
    const first = rack7.find((e) => e.healthEvent.processingStrategy === ProcessingStrategy.EXECUTE_REMEDIATION)!;
    expect(first.healthEvent.metadata).toEqual({
      providerID: 'aws:///z1/i-7',
      rack: 'r7',
      'topology.kubernetes.io/zone': 'z1',
    });
    expect(first.healthEvent.recommendedAction).toBe(RecommendedAction.CONTACT_SUPPORT);
    expect(rack7.map((e) => e.healthEvent.processingStrategy).sort()).toEqual([
      ProcessingStrategy.EXECUTE_REMEDIATION,
      ProcessingStrategy.STORE_AND_ANALYSE,
    ]);

    const [rack8] = await h.datastore.healthEventStore().findHealthEventsByNode('rack8');
    expect(rack8!.healthEvent.recommendedAction).toBe(RecommendedAction.RESTART_VM);
    expect(rack8!.healthEvent.metadata.rack).toBe('r8');
    expect(await h.storedFor('ghost-node')).toBe(1);
  });

  it('a failing node lookup stores the event without node metadata', async () => {
    const remove = h.sim!.injectFault({ method: 'GET', path: '/api/v1/nodes/rack9', status: 500, times: 5 });
    try {
      const result = await h.grpc.sendEvents(
        assertValidHealthEvents({
          events: [eventJson({ nodeName: 'rack9', checkName: 'GpuMemWatch', metadata: { own: 'kept' } })],
        }),
      );
      expect(result.ok).toBe(true);
    } finally {
      remove();
    }
    const [stored] = await h.datastore.healthEventStore().findHealthEventsByNode('rack9');
    expect(stored!.healthEvent.metadata).toEqual({ own: 'kept' });
  });
});
