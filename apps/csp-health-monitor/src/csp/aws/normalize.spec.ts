import { describe, expect, it } from 'vitest';
import { actionFromDescription } from './action.js';
import { normalizeAwsEvent } from './normalize.js';

// Shapes as DescribeEvents / DescribeAffectedEntities return them (after SDK deserialisation).
const event = (statusCode: string) => ({
  arn: 'arn:aws:health:us-east-1::event/EC2/AWS_EC2_INSTANCE_REBOOT_MAINTENANCE_SCHEDULED/abc',
  service: 'EC2',
  eventTypeCode: 'AWS_EC2_INSTANCE_REBOOT_MAINTENANCE_SCHEDULED',
  eventTypeCategory: 'scheduledChange' as const,
  region: 'us-east-1',
  startTime: new Date('2026-12-10T00:00:00Z'),
  endTime: new Date('2026-12-10T02:00:00Z'),
  lastUpdatedTime: new Date('2026-12-01T00:00:00Z'),
  statusCode: statusCode as 'open',
  eventScopeCode: 'ACCOUNT_SPECIFIC' as const,
});
const entity = {
  entityArn: 'arn:aws:health:us-east-1:123:entity/i-1',
  eventArn: event('upcoming').arn,
  entityValue: 'i-1',
};
const now = new Date('2026-12-02T00:00:00Z');

describe('AWS normalisation', () => {
  it('upcoming → DETECTED with the scheduled window, metadata and the action from the description', () => {
    const e = normalizeAwsEvent({
      event: event('upcoming'),
      description: 'What do I need to do?\nYou can reboot the instance.',
      entity,
      nodeName: 'n1',
      now,
    });
    expect(e).toMatchObject({
      eventId: entity.entityArn,
      csp: 'aws',
      resourceType: 'EC2',
      resourceId: 'i-1',
      maintenanceType: 'SCHEDULED',
      status: 'DETECTED',
      cspStatus: 'PENDING',
      scheduledStartTime: new Date('2026-12-10T00:00:00Z'),
      scheduledEndTime: new Date('2026-12-10T02:00:00Z'),
      actualStartTime: null,
      actualEndTime: null,
      recommendedAction: 'RESTART_VM',
      nodeName: 'n1',
      metadata: {
        eventArn: event('upcoming').arn,
        eventTypeCode: 'AWS_EC2_INSTANCE_REBOOT_MAINTENANCE_SCHEDULED',
        eventScopeCode: 'ACCOUNT_SPECIFIC',
        awsStatusCode: 'upcoming',
      },
    });
  });

  it('open → MAINTENANCE_ONGOING (actualStartTime now); closed → MAINTENANCE_COMPLETE (actualEndTime now)', () => {
    expect(normalizeAwsEvent({ event: event('open'), description: '', entity, nodeName: 'n1', now })).toMatchObject({
      status: 'MAINTENANCE_ONGOING',
      cspStatus: 'ACTIVE',
      actualStartTime: now,
    });
    expect(normalizeAwsEvent({ event: event('closed'), description: '', entity, nodeName: 'n1', now })).toMatchObject({
      status: 'MAINTENANCE_COMPLETE',
      cspStatus: 'COMPLETED',
      actualEndTime: now,
    });
  });

  it('refuses unknown status codes and missing times, naming the event', () => {
    expect(() => normalizeAwsEvent({ event: event('weird'), description: '', entity, nodeName: 'n1', now })).toThrow(
      /unknown statusCode "weird"/,
    );
    expect(() =>
      normalizeAwsEvent({
        event: { ...event('open'), endTime: undefined },
        description: '',
        entity,
        nodeName: 'n1',
        now,
      }),
    ).toThrow(/no endTime/);
  });

  it.each([
    ['What do I need to do\nWe recommend that you stop and start the instance.', 'RESTART_VM'],
    ['What do I need to do\nReset the affected component.', 'RESTART_VM'],
    ['What do I need to do\nNo action is needed; AWS reboots the host.', 'RESTART_VM'],
    ['What do I need to do\nPlease replace the instance before the date.', 'REPLACE_VM'],
    ['What do I need to do\nLaunch a new instance from your AMI.', 'REPLACE_VM'],
    ['What do I need to do\nNothing; the maintenance is live.', 'NONE'],
  ])('maps %j to %s', (description, action) => {
    expect(actionFromDescription(description)).toBe(action);
  });
});
