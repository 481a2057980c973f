import { fromBinary, toBinary } from '@bufbuild/protobuf';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as pb from '../gen/health_event_pb.js';
import { HealthModelErrorCode, isHealthModelError } from '../errors.js';
import { newHealthEventStatus } from '../document/status-document.js';
import { RecommendedAction, type HealthEvent } from '../model/types.js';
import {
  healthEventArbitrary,
  healthEventStatusArbitrary,
  healthEventWithStatusArbitrary,
} from '../testing/arbitraries.js';
import {
  healthEventFromProto,
  healthEventStatusFromProto,
  healthEventStatusToProto,
  healthEventsFromProto,
  healthEventsToProto,
  healthEventToProto,
  healthEventWithStatusFromProto,
  healthEventWithStatusToProto,
} from './convert.js';

const minimal: HealthEvent = {
  version: 1,
  agent: 'a',
  componentClass: '',
  checkName: 'c',
  isFatal: false,
  isHealthy: true,
  message: '',
  recommendedAction: RecommendedAction.NONE,
  errorCode: [],
  entitiesImpacted: [],
  metadata: {},
  nodeName: 'n',
  processingStrategy: 0,
  id: '',
  customRecommendedAction: '',
};

describe('proto conversion', () => {
  it('round-trips every HealthEvent through the message (property)', () => {
    fc.assert(
      fc.property(healthEventArbitrary(), (event) => {
        expect(healthEventFromProto(healthEventToProto(event))).toStrictEqual(event);
      }),
      { numRuns: 200 },
    );
  });

  it('round-trips every HealthEvents batch through the binary wire format (property)', () => {
    fc.assert(
      fc.property(fc.array(healthEventArbitrary(), { maxLength: 4 }), (events) => {
        const bytes = toBinary(pb.HealthEventsSchema, healthEventsToProto(events));
        expect(healthEventsFromProto(fromBinary(pb.HealthEventsSchema, bytes))).toStrictEqual({ version: 1, events });
      }),
      { numRuns: 100 },
    );
  });

  it('round-trips every status, including BoolValue null/false/true (property)', () => {
    fc.assert(
      fc.property(healthEventStatusArbitrary, (status) => {
        const bytes = toBinary(pb.HealthEventStatusSchema, healthEventStatusToProto(status));
        expect(healthEventStatusFromProto(fromBinary(pb.HealthEventStatusSchema, bytes))).toStrictEqual(status);
      }),
    );
  });

  it('carries the document id in healthEvent.id, where upstream consumers read it (property)', () => {
    fc.assert(
      fc.property(healthEventWithStatusArbitrary(), (stored) => {
        const decoded = healthEventWithStatusFromProto(healthEventWithStatusToProto(stored));
        expect(decoded).toStrictEqual({ ...stored, healthEvent: { ...stored.healthEvent, id: stored.id } });
      }),
      { numRuns: 100 },
    );
  });

  it('leaves unset messages off the model and maps a missing status to the initial one', () => {
    const decoded = healthEventWithStatusFromProto(
      healthEventWithStatusToProto({
        id: 'x',
        createdAt: new Date(5),
        healthEvent: minimal,
        healthEventStatus: newHealthEventStatus(),
      }),
    );
    expect('generatedTimestamp' in decoded.healthEvent).toBe(false);
    expect('quarantineOverrides' in decoded.healthEvent).toBe(false);
    const msg = healthEventWithStatusToProto({
      id: 'x',
      createdAt: new Date(5),
      healthEvent: minimal,
      healthEventStatus: newHealthEventStatus(),
    });
    msg.healthEventStatus = undefined;
    expect(healthEventWithStatusFromProto(msg).healthEventStatus).toStrictEqual(newHealthEventStatus());
  });

  it.each([
    [{ ...minimal, version: -1 }, 'healthEvent.version: -1 is not a uint32'],
    [
      { ...minimal, generatedTimestamp: { seconds: 1, nanos: 1e9 } },
      'healthEvent.generatedTimestamp: {seconds: 1, nanos: 1000000000} is not a valid',
    ],
  ])('refuses a model value the wire format cannot carry (%#)', (event, message) => {
    try {
      healthEventToProto(event);
      expect.unreachable();
    } catch (error) {
      expect(isHealthModelError(error, HealthModelErrorCode.NotRepresentable)).toBe(true);
      expect((error as Error).message).toContain(message);
    }
  });
});

describe('health_event.proto wire contract (upstream field numbers and types)', () => {
  const fieldsOf = (schema: { fields: readonly { name: string; number: number; fieldKind: string }[] }) =>
    schema.fields.map((f) => `${f.number}:${f.name}:${f.fieldKind}`);

  it('HealthEvent has upstream fields 1..18', () => {
    expect(fieldsOf(pb.HealthEventSchema)).toStrictEqual([
      '1:version:scalar',
      '2:agent:scalar',
      '3:componentClass:scalar',
      '4:checkName:scalar',
      '5:isFatal:scalar',
      '6:isHealthy:scalar',
      '7:message:scalar',
      '8:recommendedAction:enum',
      '9:errorCode:list',
      '10:entitiesImpacted:list',
      '11:metadata:map',
      '12:generatedTimestamp:message',
      '13:nodeName:scalar',
      '14:quarantineOverrides:message',
      '15:drainOverrides:message',
      '16:processingStrategy:enum',
      '17:id:scalar',
      '18:customRecommendedAction:scalar',
    ]);
  });

  it('HealthEventStatus, HealthEventWithStatus and HealthEvents match upstream', () => {
    expect(fieldsOf(pb.HealthEventStatusSchema)).toStrictEqual([
      '1:nodeQuarantined:scalar',
      '2:quarantineFinishTimestamp:message',
      '3:userPodsEvictionStatus:message',
      '4:drainFinishTimestamp:message',
      '5:faultRemediated:message',
      '6:lastRemediationTimestamp:message',
      '7:spanIds:map',
    ]);
    expect(fieldsOf(pb.HealthEventWithStatusSchema)).toStrictEqual([
      '1:createdAt:message',
      '2:healthEvent:message',
      '3:healthEventStatus:message',
    ]);
    expect(fieldsOf(pb.HealthEventsSchema)).toStrictEqual(['1:version:scalar', '2:events:list']);
    expect(pb.PlatformConnector.typeName).toBe('datamodels.PlatformConnector');
    expect(pb.PlatformConnector.method.healthEventOccurredV1.name).toBe('HealthEventOccurredV1');
  });

  it('generated enums have the same numbers as the model enums', () => {
    const numbers = (values: readonly { name: string; number: number }[]) => values.map((v) => `${v.name}=${v.number}`);
    expect(numbers(pb.RecommendedActionSchema.values)).toStrictEqual(
      Object.entries(RecommendedAction)
        .filter(([, v]) => typeof v === 'number')
        .map(([k, v]) => `${k}=${v}`),
    );
    expect(numbers(pb.ProcessingStrategySchema.values)).toStrictEqual([
      'UNSPECIFIED=0',
      'EXECUTE_REMEDIATION=1',
      'STORE_ONLY=2',
      'STORE_AND_ANALYSE=3',
    ]);
  });
});
