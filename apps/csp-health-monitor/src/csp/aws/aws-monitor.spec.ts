/**
 * The AWS path end to end: the official SDK against the local AWS Health fake (JSON 1.1 over
 * HTTP), nodes in the cluster simulator, maintenance events in a real datastore.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AwsHealthFake, epoch, FAKE_CREDENTIALS } from '../../fakes/aws-health-fake.js';
import { listMaintenanceEvents } from '../../list.js';
import { awsInstanceId, Harness, metricValue, PROVIDERS, testConfig } from '../../testing/harness.js';

const REBOOT = 'AWS_EC2_INSTANCE_REBOOT_MAINTENANCE_SCHEDULED';
const DESCRIPTION =
  'EC2 has detected degradation of the underlying hardware.\n\nWhat do I need to do?\nYou can wait for the scheduled reboot, or reboot the instance yourself.';
const arn = (n: number) => `arn:aws:health:us-east-1::event/EC2/${REBOOT}/${REBOOT}_${n}`;

describe.each(PROVIDERS)('AWS Health monitor on %s', (provider) => {
  let h: Harness;
  let fake: AwsHealthFake;
  beforeAll(async () => {
    h = await Harness.start(provider, 6);
    fake = await new AwsHealthFake().start();
  });
  afterAll(async () => {
    await h?.close();
    await fake?.close();
  });

  // Set when the suite starts (not when it is collected): the first poll reads the last minute.
  let now = 0;
  let scheduled = { startTime: 0, endTime: 0 };
  beforeAll(() => {
    now = Date.now();
    scheduled = { startTime: epoch(new Date(now + 3_600_000)), endTime: epoch(new Date(now + 7_200_000)) };
  });

  it('stores one DETECTED event per affected instance, paging through events and entities', async () => {
    fake.maxPageSize = 2;
    for (let n = 1; n <= 3; n++) {
      fake.addEvent(
        {
          arn: arn(n),
          eventTypeCode: REBOOT,
          statusCode: 'upcoming',
          lastUpdatedTime: epoch(new Date(now - 1000 * n)),
          ...scheduled,
        },
        DESCRIPTION,
        [awsInstanceId(n), ...(n === 1 ? [awsInstanceId(4), awsInstanceId(5)] : [])],
      );
    }
    // Not a maintenance event type / other region: filtered out by the request filter.
    fake.addEvent(
      {
        arn: 'arn:other',
        eventTypeCode: 'AWS_EC2_OPERATIONAL_ISSUE',
        statusCode: 'open',
        lastUpdatedTime: epoch(new Date()),
        ...scheduled,
      },
      '',
      [awsInstanceId(0)],
    );
    const monitor = h.monitor(testConfig('aws', fake.url));
    await monitor.start(); // the first poll runs inside start
    expect((await listMaintenanceEvents(h.datastore)).map((e) => e.resourceId).sort()).toEqual(
      [1, 2, 3, 4, 5].map(awsInstanceId),
    );
    expect((await monitor.pollOnce()).stored).toBe(0); // nothing new, nothing rewritten
    const request = fake.calls('DescribeEvents')[0]!.body as { filter: Record<string, unknown> };
    expect(request.filter).toMatchObject({
      services: ['EC2'],
      eventTypeCategories: ['scheduledChange'],
      regions: ['us-east-1'],
    });
    expect(request.filter.eventTypeCodes).toHaveLength(10);
    expect(fake.calls('DescribeEvents').filter((c) => c.body.nextToken).length).toBeGreaterThan(0);
    expect(fake.calls('DescribeAffectedEntities').filter((c) => c.body.nextToken).length).toBeGreaterThan(0);
    const stored = await h.store.findMaintenanceEventById(`${arn(1)}/${awsInstanceId(4)}`);
    expect(stored).toMatchObject({
      csp: 'aws',
      clusterName: 'test-cluster',
      status: 'DETECTED',
      cspStatus: 'PENDING',
      resourceType: 'EC2',
      resourceId: awsInstanceId(4),
      nodeName: 'gpu-node-4',
      recommendedAction: 'RESTART_VM',
      metadata: { eventArn: arn(1), eventTypeCode: REBOOT, awsStatusCode: 'upcoming', description: DESCRIPTION },
    });
    expect(stored!.scheduledStartTime!.getTime()).toBe(scheduled.startTime * 1000);
    await monitor.stop();
  });

  it('keeps a notifier status on re-polls, and moves with the status AWS reports (re-check of known events)', async () => {
    const monitor = h.monitor(testConfig('aws', fake.url));
    await monitor.start();
    const id = `${arn(2)}/${awsInstanceId(2)}`;
    await h.store.updateEventStatus(id, 'QUARANTINE_TRIGGERED');
    await monitor.pollOnce();
    expect((await h.store.findMaintenanceEventById(id))!.status).toBe('QUARANTINE_TRIGGERED');

    // open: the event's lastUpdatedTime is old, so only the re-check of stored events finds it.
    fake.events.get(arn(2))!.statusCode = 'open';
    fake.events.get(arn(2))!.lastUpdatedTime = epoch(new Date(now - 86_400_000));
    await monitor.pollOnce();
    const ongoing = await h.store.findMaintenanceEventById(id);
    expect(ongoing).toMatchObject({
      status: 'MAINTENANCE_ONGOING',
      cspStatus: 'ACTIVE',
      metadata: { awsStatusCode: 'open' },
    });
    expect(ongoing!.actualStartTime).not.toBeNull();

    fake.events.get(arn(2))!.statusCode = 'closed';
    await monitor.pollOnce();
    const complete = await h.store.findMaintenanceEventById(id);
    expect(complete).toMatchObject({ status: 'MAINTENANCE_COMPLETE', cspStatus: 'COMPLETED' });
    expect(complete!.actualStartTime).toEqual(ongoing!.actualStartTime);

    // AWS forgets event 3: the stored event becomes ERROR.
    fake.events.delete(arn(3));
    await monitor.pollOnce();
    expect((await h.store.findMaintenanceEventById(`${arn(3)}/${awsInstanceId(3)}`))!.status).toBe('ERROR');
    await monitor.stop();
  });

  it('rides out throttling (SDK retries), and fails the poll without advancing the checkpoint when throttling persists', async () => {
    const monitor = h.monitor(testConfig('aws', fake.url));
    await monitor.start();
    await monitor.pollOnce();
    fake.failNext('DescribeEvents', 2, 400, 'ThrottlingException', 'Rate exceeded');
    await expect(monitor.pollOnce()).resolves.toBeDefined();
    const before = monitor.checkpoint();
    // Both DescribeEvents calls of a poll (new events, re-check) exhaust their 3 attempts.
    fake.failNext('DescribeEvents', 6, 400, 'ThrottlingException', 'Rate exceeded');
    await expect(monitor.pollOnce()).rejects.toThrow(/Rate exceeded/);
    expect(monitor.checkpoint()).toEqual(before);
    expect(
      await metricValue(
        monitor.registry,
        'csp_health_monitor_csp_api_errors_total',
        'error_type="ThrottlingException"',
      ),
    ).toBeGreaterThanOrEqual(1);
    await expect(monitor.pollOnce()).resolves.toBeDefined();
    await monitor.stop();
  });

  it('reports an auth failure as a failed poll (counted), never a crash', async () => {
    const monitor = h.monitor(testConfig('aws', fake.url), {
      options: { aws: { credentials: { ...FAKE_CREDENTIALS, accessKeyId: 'AKIAWRONG' } } },
    });
    await monitor.start(); // resolves although its first poll failed
    expect(await metricValue(monitor.registry, 'csp_health_monitor_csp_monitor_errors_total')).toBe(1);
    const initial = monitor.checkpoint();
    await expect(monitor.pollOnce()).rejects.toThrow(/security token/);
    expect(
      await metricValue(
        monitor.registry,
        'csp_health_monitor_csp_api_errors_total',
        'error_type="UnrecognizedClientException"',
      ),
    ).toBeGreaterThan(0);
    expect(await metricValue(monitor.registry, 'csp_health_monitor_csp_monitor_errors_total')).toBe(2);
    expect(monitor.checkpoint()).toEqual(initial);
    const checks = monitor.readinessChecks();
    expect((await checks['csp-poll']!()).ok).toBe(false);
    await monitor.stop();
  });

  it('fails the poll on a malformed body, and counts and skips unknown instances and bad events', async () => {
    const monitor = h.monitor(testConfig('aws', fake.url));
    await monitor.start();
    await monitor.pollOnce();
    fake.malformedNext('DescribeEvents', 1, '{"events": [ {"arn": ');
    await expect(monitor.pollOnce()).rejects.toThrow(/JSON/);
    fake.malformedNext('DescribeEvents', 1, '{"events": "not-a-list"}');
    await expect(monitor.pollOnce()).rejects.toThrow(/DescribeEvents.events is string, not a list/);
    fake.addEvent(
      { arn: arn(7), eventTypeCode: REBOOT, statusCode: 'upcoming', lastUpdatedTime: epoch(new Date()), ...scheduled },
      DESCRIPTION,
      ['i-notinthiscluster', awsInstanceId(1)],
    );
    fake.addEvent(
      { arn: arn(8), eventTypeCode: REBOOT, statusCode: 'upcoming', lastUpdatedTime: epoch(new Date()) },
      DESCRIPTION,
      [awsInstanceId(2)],
    );
    const report = await monitor.pollOnce();
    expect(report.events).toBeGreaterThanOrEqual(1);
    expect(await h.store.findMaintenanceEventById(`${arn(7)}/${awsInstanceId(1)}`)).toMatchObject({
      nodeName: 'gpu-node-1',
    });
    expect(await h.store.findMaintenanceEventById(`${arn(7)}/i-notinthiscluster`)).toBeNull();
    expect(await h.store.findMaintenanceEventById(`${arn(8)}/${awsInstanceId(2)}`)).toBeNull(); // no start/end time
    expect(await metricValue(monitor.registry, 'csp_health_monitor_main_normalization_errors_total', 'csp="aws"')).toBe(
      2,
    );
    await monitor.stop();
  });

  it('starts at the newest stored eventReceivedTimestamp after a restart', async () => {
    const latest = await h.store.getLastProcessedEventTimestampByCSP('test-cluster', 'aws');
    const monitor = h.monitor(testConfig('aws', fake.url));
    const calls = fake.calls('DescribeEvents').length;
    await monitor.start();
    const first = fake
      .calls('DescribeEvents')
      .slice(calls)
      .find((c) => (c.body.filter as Record<string, unknown>).lastUpdatedTimes);
    const from = (first!.body.filter as { lastUpdatedTimes: Array<{ from: number }> }).lastUpdatedTimes[0]!.from;
    expect(from * 1000).toBe(latest!.getTime());
    await monitor.stop();
  });
});
