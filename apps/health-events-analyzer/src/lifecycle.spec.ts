/**
 * The service definition as the local stack and `main.ts` start it (`launchService` with argv):
 * the shipped 22 rules by default, configuration mistakes as ConfigErrors (exit 2) naming what
 * to fix, and the first-start scan that analyses events stored before the stream was positioned
 * — once, not again on a resumed start.
 */
import { writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, createLogger, launchService, type LaunchedService } from '@nvsentinel/service-kit';
import { eventually } from '@nvsentinel/service-kit/testing';
import { DEFAULT_RULES_PATH, loadRules } from './config/rules.js';
import { healthEventsAnalyzerService } from './definition.js';
import type { HealthEventsAnalyzerService } from './service.js';
import { openTestStore, type ProviderName, type TestStore } from './testing/datastores.js';
import { startTestConnector, type TestConnector } from './testing/connector.js';
import { registers, xidEvent } from './testing/events.js';

const logger = createLogger({ name: 'hea-lifecycle', level: process.env.LOG_LEVEL ?? 'fatal' });
const now = () => Math.floor(Date.now() / 1000);
const bit13 = (node: string) => xidEvent(node, { xid: '74', ts: now(), extra: registers({ 2: [13] }, '1') });

describe.each(['postgresql', 'embedded'] as ProviderName[])('health-events-analyzer definition on %s', (provider) => {
  let store: TestStore;
  let connector: TestConnector;
  let dir: string;
  const launched: LaunchedService[] = [];

  const launch = (argv: string[] = []) => {
    const service = launchService(healthEventsAnalyzerService, {
      argv: ['--socket', `unix://${connector.socket}`, ...argv],
      env: {},
      datastore: store.datastore,
      logger,
    });
    launched.push(service);
    return service;
  };
  const analyzer = (s: LaunchedService) => s.instance as unknown as HealthEventsAnalyzerService;
  const metric = async (s: LaunchedService, name: string) =>
    (await analyzer(s).registry.getSingleMetric(name)?.get())?.values.reduce((sum, v) => sum + v.value, 0) ?? 0;
  const publishedFor = async (node: string) =>
    (await store.datastore.healthEventStore().findHealthEventsByNode(node)).filter(
      (e) => e.healthEvent.agent === 'health-events-analyzer',
    );

  beforeAll(async () => {
    store = await openTestStore(provider, 'hea_lifecycle');
    connector = await startTestConnector(store.datastore.healthEventStore());
    dir = await mkdtemp(join(tmpdir(), 'hea-lifecycle-'));
  }, 120_000);
  afterEach(async () => {
    for (const s of launched.splice(0)) await s.stop();
  });
  afterAll(async () => {
    await connector?.close();
    await store?.close();
    await rm(dir, { recursive: true, force: true });
  });

  // First in this file: the database is fresh, so the analyzer's stream has no stored position yet.
  it('first start analyses what was stored before it; a resumed start takes the backlog from the stream, not from a scan', async () => {
    const early = `${provider}-early`;
    await store.datastore.healthEventStore().insertHealthEvents({ healthEvent: bit13(early) });

    const first = launch();
    await first.started;
    await eventually(async () => (await publishedFor(early)).length === 1, 'the early event analysed', {
      timeoutMs: 60_000,
    });
    expect(await metric(first, 'health_event_analyzer_events_replayed_total')).toBe(1);
    // A streamed event gives the stream a stored position (scanned events carry none).
    const streamed = `${provider}-streamed`;
    await store.datastore.healthEventStore().insertHealthEvents({ healthEvent: bit13(streamed) });
    await eventually(async () => (await publishedFor(streamed)).length === 1, 'the streamed event analysed', {
      timeoutMs: 60_000,
    });
    await eventually(() => analyzer(first).consumer()?.stats().checkpoint !== undefined, 'a stored checkpoint');
    await first.stop();

    // Stored while no analyzer runs: the resumed stream delivers it.
    const late = `${provider}-late`;
    await store.datastore.healthEventStore().insertHealthEvents({ healthEvent: bit13(late) });
    const second = launch();
    await second.started;
    await eventually(async () => (await publishedFor(late)).length === 1, 'the late event analysed', {
      timeoutMs: 60_000,
    });
    expect(await metric(second, 'health_event_analyzer_events_replayed_total')).toBe(0);
    expect(await publishedFor(early)).toHaveLength(1);
    expect(await publishedFor(streamed)).toHaveLength(1);
  });

  it('without --config-path it runs the shipped 22 chart rules', async () => {
    const service = launch();
    await service.started;
    const node = `${provider}-default`;
    await store.datastore.healthEventStore().insertHealthEvents({ healthEvent: bit13(node) });
    await eventually(
      async () => (await publishedFor(node)).map((e) => e.healthEvent.checkName).includes('XID74Reg2Bit13Set'),
      'a chart rule fired',
    );
    await eventually(
      async () => (await metric(service, 'health_event_analyzer_events_successfully_processed_total')) >= 1,
      'the event processed',
    );
    // Every enabled shipped rule ran for it: one query-duration series per rule.
    const shipped = (await loadRules(DEFAULT_RULES_PATH)).filter((r) => r.evaluateRule).map((r) => r.name);
    expect(shipped).toHaveLength(22);
    const series = (await analyzer(service).registry.getSingleMetric('mongo_query_execution_duration_seconds')!.get())
      .values;
    const ran = new Set(series.map((v) => v.labels['rule_name']));
    expect([...ran].sort()).toEqual([...shipped].sort());
  });

  it('a missing rules file is a ConfigError naming the path', async () => {
    const service = launch(['--config-path', join(dir, 'missing.toml')]);
    const err = await service.started.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(ConfigError.is(err)).toBe(true);
    expect((err as Error).message).toContain('missing.toml');
  });

  it('a rule the translator cannot run is a ConfigError naming the rule, the stage and the operator', async () => {
    const path = join(dir, 'unsupported.toml');
    await writeFile(
      path,
      [
        '[[rules]]',
        'name = "SampledXIDs"',
        'description = "uses a stage the SQL translator refuses"',
        `stage = ['{"$match": {"healthevent.errorcode": "13"}}', '{"$sample": {"size": 1}}']`,
        'recommended_action = "CONTACT_SUPPORT"',
        'message = "never"',
        'evaluate_rule = true',
        '',
      ].join('\n'),
    );
    const err = await launch(['--config-path', path]).started.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(ConfigError.is(err)).toBe(true);
    expect((err as Error).message).toMatch(/SampledXIDs.*stage 1 \(\$sample\).*operator \$sample/s);
  });

  it('an unknown --processing-strategy is a ConfigError listing the valid names', async () => {
    const err = await launch(['--processing-strategy', 'SOMETIMES']).started.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(ConfigError.is(err)).toBe(true);
    expect((err as Error).message).toMatch(/SOMETIMES.*EXECUTE_REMEDIATION/);
  });
});
