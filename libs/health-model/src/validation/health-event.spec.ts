import { fromJson } from '@bufbuild/protobuf';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as pb from '../gen/health_event_pb.js';
import { HealthModelErrorCode, isHealthModelError } from '../errors.js';
import { ProcessingStrategy, RecommendedAction } from '../model/types.js';
import { healthEventFromProto } from '../proto/convert.js';
import { healthEventArbitrary } from '../testing/arbitraries.js';
import {
  assertValidHealthEvent,
  assertValidHealthEvents,
  validateHealthEvent,
  validateHealthEvents,
} from './health-event.js';
import { formatIssue } from './issues.js';
import { healthEventsToProtoJson, toProtoJson } from './proto-json.js';

const valid = { agent: 'gpu-health-monitor', checkName: 'GpuXidError', nodeName: 'gpu-node-1' };

/** The rendered issues for an envelope holding `events`. */
function problems(events: unknown[]): string[] {
  const result = validateHealthEvents({ version: 1, events });
  if (result.ok) throw new Error('expected validation to fail');
  return result.errors.map(formatIssue);
}

describe('validateHealthEvents: accepted input', () => {
  it('fills proto3 defaults and version 1 for a minimal event', () => {
    expect(validateHealthEvents({ events: [valid] })).toStrictEqual({
      ok: true,
      value: [
        {
          version: 1,
          agent: 'gpu-health-monitor',
          componentClass: '',
          checkName: 'GpuXidError',
          isFatal: false,
          isHealthy: false,
          message: '',
          recommendedAction: RecommendedAction.NONE,
          errorCode: [],
          entitiesImpacted: [],
          metadata: {},
          nodeName: 'gpu-node-1',
          processingStrategy: ProcessingStrategy.UNSPECIFIED,
          id: '',
          customRecommendedAction: '',
        },
      ],
    });
  });

  it('accepts enums by name and by number', () => {
    const byName = validateHealthEvent({ ...valid, recommendedAction: 'RESTART_VM', processingStrategy: 'STORE_ONLY' });
    const byNumber = validateHealthEvent({ ...valid, recommendedAction: 15, processingStrategy: 2 });
    expect(byName).toStrictEqual(byNumber);
    expect(byName.ok && byName.value.recommendedAction).toBe(RecommendedAction.RESTART_VM);
    expect(byName.ok && byName.value.processingStrategy).toBe(ProcessingStrategy.STORE_ONLY);
  });

  it('keeps UNSPECIFIED processing strategy as given (the ingest service normalises it)', () => {
    const result = validateHealthEvent({ ...valid, processingStrategy: 'UNSPECIFIED' });
    expect(result.ok && result.value.processingStrategy).toBe(ProcessingStrategy.UNSPECIFIED);
  });

  it('accepts timestamps as RFC 3339 (any offset, nanosecond precision) and as {seconds, nanos}', () => {
    const rfc = validateHealthEvent({ ...valid, generatedTimestamp: '2026-11-21T10:00:00.000000001+02:00' });
    const obj = validateHealthEvent({ ...valid, generatedTimestamp: { seconds: '1795248000', nanos: 1 } });
    expect(rfc.ok && rfc.value.generatedTimestamp).toStrictEqual({ seconds: 1_795_248_000, nanos: 1 });
    expect(obj).toStrictEqual(rfc);
  });

  it('treats null as absent and accepts uint32 version as a string', () => {
    const result = validateHealthEvent({ ...valid, message: null, quarantineOverrides: null, version: '2' });
    expect(result.ok && result.value.message).toBe('');
    expect(result.ok && 'quarantineOverrides' in result.value).toBe(false);
    expect(result.ok && result.value.version).toBe(2);
  });

  it('accepts a CUSTOM action with its name', () => {
    const result = validateHealthEvent({
      ...valid,
      recommendedAction: 'CUSTOM',
      customRecommendedAction: 'RESEAT_GPU',
    });
    expect(result.ok && result.value.customRecommendedAction).toBe('RESEAT_GPU');
  });

  it('gives back every event from its proto JSON (property)', () => {
    fc.assert(
      fc.property(healthEventArbitrary(), (event) => {
        expect(validateHealthEvent(toProtoJson(event))).toStrictEqual({ ok: true, value: event });
      }),
      { numRuns: 200 },
    );
  });

  it('gives back every batch from its proto JSON envelope, after a JSON round trip (property)', () => {
    fc.assert(
      fc.property(fc.array(healthEventArbitrary(), { minLength: 1, maxLength: 4 }), (events) => {
        const wire = JSON.parse(JSON.stringify(healthEventsToProtoJson(events))) as unknown;
        expect(validateHealthEvents(wire)).toStrictEqual({ ok: true, value: events });
      }),
      { numRuns: 100 },
    );
  });

  it('never accepts what protobuf-es JSON parsing rejects, and agrees with it on what both accept (property)', () => {
    const fieldNames = pb.HealthEventSchema.fields.map((f) => f.jsonName);
    const mutation = fc.record({
      key: fc.oneof(fc.constantFrom(...fieldNames), fc.constantFrom('nodename', 'extra')),
      value: fc.oneof(
        fc.jsonValue({ maxDepth: 2 }),
        fc.constantFrom('RESTART_VM', 'CUSTOM', 15, 27, '2026-01-01T00:00:00Z', { force: true }, [
          { entityType: 'GPU', entityValue: '0' },
        ]),
      ),
      remove: fc.boolean(),
    });
    let compared = 0;
    fc.assert(
      fc.property(healthEventArbitrary(), fc.array(mutation, { maxLength: 3 }), (event, mutations) => {
        const input: Record<string, unknown> = { ...toProtoJson(event) };
        for (const m of mutations) {
          if (m.remove) delete input[m.key];
          else input[m.key] = m.value;
        }
        const ours = validateHealthEvent(input);
        if (!ours.ok) return;
        // {seconds, nanos} timestamps are our documented extension over proto3 JSON.
        if (typeof input.generatedTimestamp === 'object' && input.generatedTimestamp !== null) return;
        const theirs = healthEventFromProto(fromJson(pb.HealthEventSchema, input as never));
        // The only default we choose differently: absent version is 1, not 0.
        if (input.version === undefined || input.version === null) theirs.version = 1;
        expect(ours.value).toStrictEqual(theirs);
        compared++;
      }),
      { numRuns: 500 },
    );
    // Guard against a vacuous property: unmutated and lightly mutated events must get compared.
    expect(compared).toBeGreaterThan(100);
  });
});

describe('validateHealthEvents: every problem, with its path', () => {
  it.each<[string, unknown, string]>([
    ['missing required field', { agent: 'a', checkName: 'c' }, 'events[0].nodeName: required'],
    ['empty required field', { ...valid, checkName: ' ' }, 'events[0].checkName: required'],
    [
      'unknown enum name',
      { ...valid, recommendedAction: 'RESTRAT_VM' },
      "events[0].recommendedAction: unknown value 'RESTRAT_VM' (expected one of NONE, COMPONENT_RESET, CONTACT_SUPPORT, RUN_FIELDDIAG, RESTART_VM, RESTART_BM, REPLACE_VM, RUN_DCGMEUD, CUSTOM, UNKNOWN)",
    ],
    [
      'unknown enum number',
      { ...valid, processingStrategy: 9 },
      'events[0].processingStrategy: unknown value 9 (expected one of UNSPECIFIED=0, EXECUTE_REMEDIATION=1, STORE_ONLY=2, STORE_AND_ANALYSE=3)',
    ],
    [
      'enum of the wrong type',
      { ...valid, recommendedAction: true },
      'events[0].recommendedAction: expected enum name or number, got boolean',
    ],
    [
      'CUSTOM without a name',
      { ...valid, recommendedAction: 'CUSTOM' },
      'events[0].customRecommendedAction: required when recommendedAction is CUSTOM',
    ],
    ['boolean as a string', { ...valid, isFatal: 'true' }, 'events[0].isFatal: expected boolean, got string'],
    ['string as a number', { ...valid, message: 42 }, 'events[0].message: expected string, got number'],
    [
      'unknown field',
      { ...valid, severity: 'high' },
      'events[0].severity: unknown field (known fields: version, agent, componentClass, checkName, isFatal, isHealthy, message, recommendedAction, errorCode, entitiesImpacted, metadata, generatedTimestamp, nodeName, quarantineOverrides, drainOverrides, processingStrategy, id, customRecommendedAction)',
    ],
    ['misspelt field', { ...valid, node_name: 'x' }, "events[0].node_name: unknown field (did you mean 'nodeName'?)"],
    [
      'errorCode not an array',
      { ...valid, errorCode: '79' },
      'events[0].errorCode: expected array of strings, got string',
    ],
    [
      'errorCode element not a string',
      { ...valid, errorCode: ['79', 48] },
      'events[0].errorCode[1]: expected string, got number',
    ],
    [
      'entity without entityValue',
      { ...valid, entitiesImpacted: [{ entityType: 'GPU' }] },
      'events[0].entitiesImpacted[0].entityValue: required',
    ],
    [
      'entity with an empty entityType',
      { ...valid, entitiesImpacted: [{ entityType: '', entityValue: '0' }] },
      'events[0].entitiesImpacted[0].entityType: required',
    ],
    [
      'entity that is not an object',
      { ...valid, entitiesImpacted: ['GPU'] },
      'events[0].entitiesImpacted[0]: expected object, got string',
    ],
    [
      'metadata value not a string',
      { ...valid, metadata: { gpus: 8 } },
      'events[0].metadata.gpus: expected string value, got number',
    ],
    ['metadata not an object', { ...valid, metadata: ['a'] }, 'events[0].metadata: expected object, got array'],
    [
      'invalid RFC 3339 timestamp',
      { ...valid, generatedTimestamp: '2026-02-30T00:00:00Z' },
      "events[0].generatedTimestamp: invalid timestamp '2026-02-30T00:00:00Z' (expected RFC 3339, e.g. '2026-01-02T03:04:05.123Z')",
    ],
    [
      'timestamp nanos out of range',
      { ...valid, generatedTimestamp: { seconds: 1, nanos: 1e9 } },
      'events[0].generatedTimestamp.nanos: must be between 0 and 999999999, got 1000000000',
    ],
    [
      'timestamp of the wrong type',
      { ...valid, generatedTimestamp: 1700000000 },
      'events[0].generatedTimestamp: expected RFC 3339 string or {seconds, nanos}, got number',
    ],
    [
      'override flag not a boolean',
      { ...valid, drainOverrides: { skip: 'yes' } },
      'events[0].drainOverrides.skip: expected boolean, got string',
    ],
    [
      'unknown override field',
      { ...valid, quarantineOverrides: { forced: true } },
      "events[0].quarantineOverrides.forced: unknown field (did you mean 'force'?)",
    ],
    [
      'negative version',
      { ...valid, version: -1 },
      'events[0].version: expected integer between 0 and 4294967295, got -1',
    ],
    ['event that is not an object', 'oops', 'events[0]: expected object, got string'],
  ])('%s', (_kind, event, expected) => {
    expect(problems([event])).toStrictEqual([expected]);
  });

  it('lists every problem of every event, each under its own events[i] path', () => {
    expect(
      problems([valid, valid, valid, { agent: 'a', checkName: 'c', isHealthy: 'no', recommendedAction: 'CUSTOM' }]),
    ).toStrictEqual([
      'events[3].isHealthy: expected boolean, got string',
      'events[3].nodeName: required',
      'events[3].customRecommendedAction: required when recommendedAction is CUSTOM',
    ]);
  });

  it.each<[string, unknown, string[]]>([
    ['an empty events list', { events: [] }, ['events: must contain at least one event']],
    ['no events', { version: 1 }, ['events: required (send at least one event)']],
    ['events that are not a list', { events: { 0: valid } }, ['events: expected array of health events, got object']],
    ['a body that is not an object', [valid], [': expected object, got array'.slice(2)]],
    [
      'an unknown envelope field',
      { events: [valid], source: 'x' },
      ['source: unknown field (known fields: version, events)'],
    ],
    ['a bad envelope version', { version: 'one', events: [valid] }, ['version: expected integer, got string']],
  ])('rejects %s', (_name, input, expected) => {
    const result = validateHealthEvents(input);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors.map(formatIssue)).toStrictEqual(expected);
  });

  it('prefixes paths for a single event when asked', () => {
    const result = validateHealthEvent({ agent: 'a', checkName: 'c' }, 'body');
    expect(!result.ok && result.errors).toStrictEqual([{ path: 'body.nodeName', message: 'required' }]);
  });
});

describe('assertValidHealthEvents', () => {
  it('returns the events when valid', () => {
    expect(assertValidHealthEvents({ events: [valid] })).toHaveLength(1);
    expect(assertValidHealthEvent(valid).nodeName).toBe('gpu-node-1');
  });

  it('throws NVS_ERR_HEALTH_EVENT_INVALID listing every issue and how to fix it', () => {
    try {
      assertValidHealthEvents({ events: [{ agent: 'a' }] });
      expect.unreachable();
    } catch (error) {
      expect(isHealthModelError(error, HealthModelErrorCode.HealthEventInvalid)).toBe(true);
      if (!isHealthModelError(error)) return;
      expect(error.message).toBe(
        'invalid health events (2 problems):\n  - events[0].checkName: required\n  - events[0].nodeName: required',
      );
      expect(error.issues).toHaveLength(2);
      expect(error.fix).toMatch(/Correct the listed fields/);
    }
  });
});
