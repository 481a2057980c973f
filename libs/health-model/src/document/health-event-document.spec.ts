import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HealthModelErrorCode, isHealthModelError } from '../errors.js';
import { ProcessingStrategy, RecommendedAction, type HealthEventWithStatus } from '../model/types.js';
import { healthEventWithStatusArbitrary } from '../testing/arbitraries.js';
import { fromDocument, toDocument } from './health-event-document.js';
import { newHealthEventStatus } from './status-document.js';

function sampleEvent(): HealthEventWithStatus {
  return {
    id: '65a1f0c2e4b0a1b2c3d4e5f6',
    createdAt: new Date('2026-11-21T08:00:00.123Z'),
    healthEvent: {
      version: 1,
      agent: 'gpu-health-monitor',
      componentClass: 'GPU',
      checkName: 'GpuXidError',
      isFatal: true,
      isHealthy: false,
      message: 'XID 79: GPU has fallen off the bus',
      recommendedAction: RecommendedAction.RESTART_BM,
      errorCode: ['79'],
      entitiesImpacted: [{ entityType: 'GPU', entityValue: '1' }],
      metadata: { providerID: 'aws:///us-east-1a/i-0123' },
      generatedTimestamp: { seconds: 1_763_712_000, nanos: 5 },
      nodeName: 'gpu-node-1',
      quarantineOverrides: { force: true, skip: false },
      processingStrategy: ProcessingStrategy.EXECUTE_REMEDIATION,
      id: '',
      customRecommendedAction: '',
    },
    healthEventStatus: newHealthEventStatus(),
  };
}

function expectUndecodable(doc: unknown, message: string): void {
  try {
    fromDocument(doc);
  } catch (error) {
    expect(isHealthModelError(error, HealthModelErrorCode.DocumentUndecodable)).toBe(true);
    expect((error as Error).message).toContain(message);
    return;
  }
  throw new Error('expected fromDocument to throw');
}

describe('toDocument', () => {
  it('produces exactly the canonical lowercase shape', () => {
    expect(toDocument(sampleEvent())).toStrictEqual({
      _id: '65a1f0c2e4b0a1b2c3d4e5f6',
      createdAt: new Date('2026-11-21T08:00:00.123Z'),
      healthevent: {
        version: 1,
        agent: 'gpu-health-monitor',
        componentclass: 'GPU',
        checkname: 'GpuXidError',
        isfatal: true,
        ishealthy: false,
        message: 'XID 79: GPU has fallen off the bus',
        recommendedaction: 24,
        errorcode: ['79'],
        entitiesimpacted: [{ entitytype: 'GPU', entityvalue: '1' }],
        metadata: { providerID: 'aws:///us-east-1a/i-0123' },
        generatedtimestamp: { seconds: 1_763_712_000, nanos: 5 },
        nodename: 'gpu-node-1',
        quarantineoverrides: { force: true, skip: false },
        drainoverrides: null,
        processingstrategy: 1,
        id: '',
        customrecommendedaction: '',
      },
      healtheventstatus: {
        nodequarantined: '',
        quarantinefinishtimestamp: null,
        userpodsevictionstatus: { status: '', message: '' },
        drainfinishtimestamp: null,
        faultremediated: null,
        lastremediationtimestamp: null,
        spanids: {},
      },
    });
  });

  it('shares no mutable objects with its input', () => {
    const event = sampleEvent();
    const doc = toDocument(event);
    doc.createdAt.setTime(0);
    doc.healthevent.errorcode.push('x');
    doc.healthevent.metadata.extra = 'x';
    doc.healthevent.generatedtimestamp!.nanos = 0;
    doc.healthevent.entitiesimpacted[0].entityvalue = 'x';
    expect(event).toStrictEqual(sampleEvent());
  });
});

describe('fromDocument', () => {
  it('round-trips every stored event (property)', () => {
    fc.assert(
      fc.property(healthEventWithStatusArbitrary(), (stored) => {
        expect(fromDocument(toDocument(stored))).toStrictEqual(stored);
      }),
      { numRuns: 300 },
    );
  });

  it('round-trips through JSON when dates are revived (what a JSONB provider does)', () => {
    fc.assert(
      fc.property(healthEventWithStatusArbitrary(), (stored) => {
        const json = JSON.parse(JSON.stringify(toDocument(stored))) as unknown;
        expect(fromDocument(json)).toStrictEqual(stored);
      }),
      { numRuns: 100 },
    );
  });

  it('accepts faultremediated as a plain boolean, as {value} and as an empty BoolValue', () => {
    const doc = toDocument(sampleEvent()) as unknown as { healtheventstatus: Record<string, unknown> };
    doc.healtheventstatus.faultremediated = true;
    expect(fromDocument(doc).healthEventStatus.faultRemediated).toBe(true);
    doc.healtheventstatus.faultremediated = { value: false };
    expect(fromDocument(doc).healthEventStatus.faultRemediated).toBe(false);
    doc.healtheventstatus.faultremediated = {};
    expect(fromDocument(doc).healthEventStatus.faultRemediated).toBe(false);
    delete doc.healtheventstatus.faultremediated;
    expect(fromDocument(doc).healthEventStatus.faultRemediated).toBeNull();
  });

  it('accepts the upstream PostgreSQL shape: camelCase healthevent keys with omitempty', () => {
    const decoded = fromDocument({
      _id: '42',
      createdAt: '2026-11-21T08:00:00.000Z',
      healthevent: {
        version: 1,
        agent: 'syslog-health-monitor',
        componentClass: 'GPU',
        checkName: 'SysLogsXIDError',
        isFatal: true,
        recommendedAction: 15,
        errorCode: ['48'],
        entitiesImpacted: [{ entityType: 'GPU', entityValue: '0' }],
        generatedTimestamp: { seconds: 1700000000 },
        nodeName: 'node-7',
        quarantineOverrides: { skip: true },
      },
      healtheventstatus: { nodequarantined: 'Quarantined', userpodsevictionstatus: { status: 'InProgress' } },
    });
    expect(decoded).toStrictEqual({
      id: '42',
      createdAt: new Date('2026-11-21T08:00:00.000Z'),
      healthEvent: {
        version: 1,
        agent: 'syslog-health-monitor',
        componentClass: 'GPU',
        checkName: 'SysLogsXIDError',
        isFatal: true,
        isHealthy: false,
        message: '',
        recommendedAction: RecommendedAction.RESTART_VM,
        errorCode: ['48'],
        entitiesImpacted: [{ entityType: 'GPU', entityValue: '0' }],
        metadata: {},
        generatedTimestamp: { seconds: 1700000000, nanos: 0 },
        nodeName: 'node-7',
        quarantineOverrides: { force: false, skip: true },
        processingStrategy: ProcessingStrategy.UNSPECIFIED,
        id: '',
        customRecommendedAction: '',
      },
      healthEventStatus: {
        nodeQuarantined: 'Quarantined',
        userPodsEvictionStatus: { status: 'InProgress', message: '' },
        faultRemediated: null,
        spanIds: {},
      },
    });
  });

  it('accepts an ObjectId-like _id, Extended JSON dates, bigint seconds, RFC 3339 timestamps and enum names', () => {
    const doc = toDocument(sampleEvent()) as unknown as Record<string, Record<string, unknown>>;
    const decoded = fromDocument({
      ...doc,
      _id: { toHexString: () => 'abcdefabcdefabcdefabcdef' },
      createdAt: { $date: '2026-01-02T03:04:05.006Z' },
      healthevent: {
        ...doc.healthevent,
        generatedtimestamp: '2026-11-21T08:00:00.000000001Z',
        recommendedaction: 'CONTACT_SUPPORT',
        processingstrategy: 'STORE_ONLY',
      },
      healtheventstatus: { ...doc.healtheventstatus, drainfinishtimestamp: { seconds: 10n, nanos: 0 } },
    });
    expect(decoded.id).toBe('abcdefabcdefabcdefabcdef');
    expect(decoded.createdAt).toStrictEqual(new Date('2026-01-02T03:04:05.006Z'));
    expect(decoded.healthEvent.generatedTimestamp).toStrictEqual({ seconds: 1_795_248_000, nanos: 1 });
    expect(decoded.healthEvent.recommendedAction).toBe(RecommendedAction.CONTACT_SUPPORT);
    expect(decoded.healthEvent.processingStrategy).toBe(ProcessingStrategy.STORE_ONLY);
    expect(decoded.healthEventStatus.drainFinishTimestamp).toStrictEqual({ seconds: 10, nanos: 0 });
  });

  it('keeps enum numbers it does not know (proto3 enums are open)', () => {
    const doc = toDocument(sampleEvent());
    doc.healthevent.recommendedaction = 28;
    expect(fromDocument(doc).healthEvent.recommendedAction).toBe(28);
  });

  it('ignores keys it does not know', () => {
    const doc = { ...toDocument(sampleEvent()), extra: 1 };
    expect(fromDocument(doc)).toStrictEqual(sampleEvent());
  });

  it('defaults a missing status to the initial status', () => {
    const { healtheventstatus: _ignored, ...doc } = toDocument(sampleEvent());
    expect(fromDocument(doc).healthEventStatus).toStrictEqual(newHealthEventStatus());
  });

  it.each([
    ['a non-object', 'nope', 'expected object, got string'],
    ['a missing healthevent', { _id: 'x', createdAt: new Date() }, 'healthevent: required'],
    ['a missing _id', { createdAt: new Date(), healthevent: {} }, '_id: expected non-empty string id, got undefined'],
    [
      'an invalid createdAt',
      { _id: 'x', createdAt: 'yesterday', healthevent: {} },
      "createdAt: expected date, got 'yesterday'",
    ],
  ])('rejects %s with a message naming the field', (_name, doc, message) => {
    expectUndecodable(doc, message);
  });

  it.each([
    ['healthevent', 'isfatal', 'yes', 'healthevent.isfatal: expected boolean, got string'],
    ['healthevent', 'nodename', 7, 'healthevent.nodename: expected string, got number'],
    ['healthevent', 'errorcode', '79', 'healthevent.errorcode: expected array of strings, got string'],
    ['healthevent', 'metadata', { a: 1 }, 'healthevent.metadata.a: expected string, got number'],
    [
      'healthevent',
      'entitiesimpacted',
      [{ entitytype: 1 }],
      'healthevent.entitiesimpacted[0].entitytype: expected string, got number',
    ],
    [
      'healthevent',
      'generatedtimestamp',
      { seconds: 1, nanos: 2e9 },
      'healthevent.generatedtimestamp: invalid timestamp',
    ],
    ['healthevent', 'recommendedaction', 'REBOOT', "healthevent.recommendedaction: unknown value 'REBOOT'"],
    ['healthevent', 'version', 1.5, 'healthevent.version: expected integer, got 1.5'],
    [
      'healtheventstatus',
      'faultremediated',
      'yes',
      'healtheventstatus.faultremediated: expected boolean or {value: boolean}',
    ],
    ['healtheventstatus', 'spanids', [], 'healtheventstatus.spanids: expected object, got array'],
  ])('rejects a bad %s.%s', (section, key, value, message) => {
    const doc = toDocument(sampleEvent()) as unknown as Record<string, Record<string, unknown>>;
    doc[section][key] = value;
    expectUndecodable(doc, message);
  });
});
