/**
 * The service end to end on a real datastore: change stream → rules → gRPC publish through a
 * platform-connector endpoint that stores what it receives. Published events carry upstream's
 * fields, the analyzer never analyses its own output, and a restart mid-stream neither publishes
 * an event twice nor skips one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProcessingStrategy, RecommendedAction } from '@nvsentinel/health-model';
import { createLogger } from '@nvsentinel/service-kit';
import { eventually } from '@nvsentinel/service-kit/testing';
import { DEFAULT_RULES_PATH, loadRules, parseRules, type Rule } from './config/rules.js';
import { createHealthEventsAnalyzer, type HealthEventsAnalyzerService } from './service.js';
import { testRule } from './rules/evaluate.js';
import { SOURCE_EVENT_METADATA } from './rules/pipeline.js';
import { openTestStore, type ProviderName, type TestStore } from './testing/datastores.js';
import { startTestConnector, type TestConnector } from './testing/connector.js';
import { registers, xidEvent } from './testing/events.js';

const logger = createLogger({ name: 'hea-test', level: process.env.LOG_LEVEL ?? 'fatal' });
const now = () => Math.floor(Date.now() / 1000);
const bit13 = (node: string, ts = now()) => xidEvent(node, { xid: '74', ts, extra: registers({ 2: [13] }, '1') });

describe.each(['postgresql', 'embedded'] as ProviderName[])('analyzer service on %s', (provider) => {
  let store: TestStore;
  let connector: TestConnector;
  let rules: Rule[];
  const running: HealthEventsAnalyzerService[] = [];

  const start = async (over: { rules?: Rule[]; strategy?: ProcessingStrategy } = {}) => {
    const service = createHealthEventsAnalyzer({
      datastore: store.datastore,
      logger,
      rules: over.rules ?? rules,
      options: {
        socket: connector.socket,
        workers: 4,
        retryInitialDelayMs: 20,
        retryMaxDelayMs: 200,
        publishRetry: { steps: 5, baseMs: 10, factor: 2, jitter: 0.1 },
        ...(over.strategy ? { processingStrategy: over.strategy } : {}),
      },
    });
    running.push(service);
    await service.start();
    return service;
  };

  beforeAll(async () => {
    store = await openTestStore(provider, 'hea_service');
    connector = await startTestConnector(store.datastore.healthEventStore());
    rules = (await loadRules(DEFAULT_RULES_PATH)).filter(
      (r) => r.name === 'XID74Reg2Bit13Set' || r.name === 'RepeatedXID31OnSameGPU',
    );
  }, 120_000);
  afterAll(async () => {
    for (const s of running) await s.stop();
    await connector?.close();
    await store?.close();
  });

  const publishedFor = async (node: string) =>
    (await store.datastore.healthEventStore().findHealthEventsByNode(node)).filter(
      (e) => e.healthEvent.agent === 'health-events-analyzer',
    );

  it('publishes a match with upstream fields, and never fires on its own output', async () => {
    const service = await start();
    const node = `${provider}-pub`;
    const [id] = await store.datastore.healthEventStore().insertHealthEvents({ healthEvent: bit13(node) });
    await eventually(async () => expect(await publishedFor(node)).toHaveLength(1), 'the published event', {
      timeoutMs: 30_000,
    });
    const [published] = await publishedFor(node);
    expect(published.healthEvent).toMatchObject({
      agent: 'health-events-analyzer',
      checkName: 'XID74Reg2Bit13Set',
      recommendedAction: RecommendedAction.CONTACT_SUPPORT,
      isFatal: true,
      isHealthy: false,
      message: 'NVLink error (XID 74, REG2 bit 13)',
      processingStrategy: ProcessingStrategy.EXECUTE_REMEDIATION,
      nodeName: node,
      errorCode: ['74'],
    });
    expect(published.healthEvent.metadata[SOURCE_EVENT_METADATA]).toBe(id);
    // Its own output matches the rule's conditions too; it must not produce a second event.
    await store.datastore.healthEventStore().insertHealthEvents({ healthEvent: bit13(`${node}-marker`) });
    await eventually(async () => expect(await publishedFor(`${node}-marker`)).toHaveLength(1), 'the published event', {
      timeoutMs: 30_000,
    });
    expect(await publishedFor(node)).toHaveLength(1);
    await service.stop();
  });

  it('retries UNAVAILABLE and honours a rule-level processing strategy', async () => {
    const [base] = rules.filter((r) => r.name === 'XID74Reg2Bit13Set');
    const service = await start({ rules: [{ ...base, processingStrategy: ProcessingStrategy.STORE_ONLY }] });
    connector.failNext(2);
    const node = `${provider}-retry`;
    await store.datastore.healthEventStore().insertHealthEvents({ healthEvent: bit13(node) });
    await eventually(async () => expect(await publishedFor(node)).toHaveLength(1), 'the published event', {
      timeoutMs: 30_000,
    });
    expect((await publishedFor(node))[0].healthEvent.processingStrategy).toBe(ProcessingStrategy.STORE_ONLY);
    expect(await service.metrics.publishingErrors.get()).toMatchObject({
      values: [expect.objectContaining({ value: 2, labels: { error_type: 'retryable_error' } })],
    });
    await service.stop();
  });

  it('restart mid-stream: every trigger published exactly once', async () => {
    const first = await start();
    const nodes = Array.from({ length: 6 }, (_, i) => `${provider}-restart-${i}`);
    const hs = store.datastore.healthEventStore();
    const ids: string[] = [];
    for (let round = 0; round < 5; round++) {
      for (const node of nodes) ids.push(...(await hs.insertHealthEvents({ healthEvent: bit13(node) })));
    }
    await eventually(async () => expect(connector.received.length).toBeGreaterThan(0), 'a first publication', {
      timeoutMs: 30_000,
    });
    await first.stop();
    await start();
    await eventually(
      async () => {
        const published = (await Promise.all(nodes.map(publishedFor))).flat();
        expect(published).toHaveLength(ids.length);
        return true;
      },
      'one published event per trigger',
      { timeoutMs: 90_000 },
    );
    const sources = (await Promise.all(nodes.map(publishedFor)))
      .flat()
      .map((e) => e.healthEvent.metadata[SOURCE_EVENT_METADATA]);
    expect(new Set(sources)).toEqual(new Set(ids));
  });

  it('testRule evaluates one rule for a node and returns the documents', async () => {
    const node = `${provider}-cli`;
    const hs = store.datastore.healthEventStore();
    await hs.insertHealthEvents({ healthEvent: xidEvent(node, { xid: '31', ts: now() - 1000 }) });
    await hs.insertHealthEvents({ healthEvent: xidEvent(node, { xid: '31', ts: now() }) });
    const all = await loadRules(DEFAULT_RULES_PATH);
    const result = await testRule({
      datastore: store.datastore,
      rules: all,
      ruleName: 'RepeatedXID31OnSameGPU',
      nodeName: node,
    });
    expect(result.matched).toBe(true);
    expect(result.documents).toEqual([{ count: 2 }]);
    const quiet = await testRule({
      datastore: store.datastore,
      rules: all,
      ruleName: 'RepeatedXID31OnDifferentGPU',
      nodeName: node,
    });
    expect(quiet).toMatchObject({ matched: false, documents: [] });
    await expect(
      testRule({ datastore: store.datastore, rules: all, ruleName: 'Nope', nodeName: node }),
    ).rejects.toThrow(/NVS_ERR_ANALYZER_UNKNOWN_RULE|no rule named "Nope"/);
  });

  it('a rule the translator cannot compile fails start-up naming the rule, stage and operator', async () => {
    const bad = parseRules(`[[rules]]
name = "Bad"
recommended_action = "NONE"
stage = ['{"$match": {"healthevent.nodename": "this.healthevent.nodename"}}', '{"$bucketAuto": {"groupBy": "$x", "buckets": 2}}']
`);
    const service = createHealthEventsAnalyzer({
      datastore: store.datastore,
      logger,
      rules: bad,
      options: { socket: connector.socket },
    });
    await expect(service.start()).rejects.toThrow(/rule Bad .*stage 1 \(\$bucketAuto\)/);
  });
});
