/**
 * AWS Health through the official SDK (@aws-sdk/client-health, JSON 1.1 protocol). Per poll:
 *   (a) DescribeEvents for EC2 scheduled changes updated since the checkpoint (every page);
 *   (b) a re-check of the stored active events by ARN: gone at AWS → ERROR, changed status → refreshed;
 * then DescribeEventDetails (latest description → action) and DescribeAffectedEntities (every
 * page) for those events, one MaintenanceEvent per affected instance.
 * Upstream reads only the first page of each call; here every NextToken is followed.
 */
import {
  DescribeEventDetailsCommand,
  HealthClient,
  paginateDescribeAffectedEntities,
  paginateDescribeEvents,
  type AffectedEntity,
  type Event,
} from '@aws-sdk/client-health';
import { CSPStatus, MaintenanceStatus, type MaintenanceEvent } from '@nvsentinel/health-model';
import type { AwsConfig } from '../../config/csp-config.js';
import { normalizationFailed, timedApiCall, type CspClient, type CspContext, type PollWindow } from '../types.js';
import { normalizeAwsEvent } from './normalize.js';
import { CspPayloadError } from '../../errors.js';

const AWS_EVENT_TYPE_CODES = [
  'AWS_EC2_INSTANCE_NETWORK_MAINTENANCE_SCHEDULED',
  'AWS_EC2_INSTANCE_POWER_MAINTENANCE_SCHEDULED',
  'AWS_EC2_INSTANCE_REBOOT_MAINTENANCE_SCHEDULED',
  'AWS_EC2_MAINTENANCE_SCHEDULED',
  'AWS_EC2_DEDICATED_HOST_MAINTENANCE_SCHEDULED',
  'AWS_EC2_DEDICATED_HOST_NETWORK_MAINTENANCE_SCHEDULED',
  'AWS_EC2_DEDICATED_HOST_POWER_MAINTENANCE_SCHEDULED',
  'AWS_EC2_ULTRASERVER_MAINTENANCE_INITIATED',
  'AWS_EC2_ULTRASERVER_CAPACITY_REDUCED',
  'AWS_EC2_ULTRASERVER_MAINTENANCE_COMPLETED',
];

/** DescribeEventDetails and the eventArns filter take at most 10 ARNs. */
const ARN_BATCH = 10;
/** Batches in flight at once (AWS Health allows a few requests per second per account). */
const PARALLEL_BATCHES = 4;

export interface AwsClientOptions {
  /** Static credentials (tests, the local stack); the SDK's default chain (IRSA, env) when unset. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** SDK attempts per call including the first (throttling is retried by the SDK). Default 3. */
  maxAttempts?: number;
  /** Page size asked of DescribeEvents/DescribeAffectedEntities. Default 100. */
  pageSize?: number;
}

export class AwsHealthCspClient implements CspClient {
  readonly name = 'aws' as const;
  readonly pollIntervalMs: number;
  readonly #sdk: HealthClient;
  readonly #config: AwsConfig;
  readonly #pageSize: number;

  constructor(config: AwsConfig, options: AwsClientOptions = {}) {
    this.#config = config;
    this.pollIntervalMs = config.pollingIntervalSeconds * 1000;
    this.#pageSize = options.pageSize ?? 100;
    this.#sdk = new HealthClient({
      // AWS Health is served from us-east-1 whatever the region of the events (filtered below).
      region: 'us-east-1',
      ...(config.endpointOverride ? { endpoint: config.endpointOverride } : {}),
      ...(options.credentials ? { credentials: options.credentials } : {}),
      maxAttempts: options.maxAttempts ?? 3,
    });
  }

  initialFrom(now: Date): Date {
    return new Date(now.getTime() - this.pollIntervalMs);
  }

  async poll(window: PollWindow, ctx: CspContext): Promise<MaintenanceEvent[]> {
    // Both settle before the poll ends, so no call of a failed poll runs on into the next one.
    const [fresh, rechecked] = await settleAll([this.#newEvents(window, ctx), this.#recheckKnown(ctx)] as const);
    const byArn = new Map<string, Event>();
    for (const event of [...rechecked, ...fresh]) if (event.arn) byArn.set(event.arn, event);
    const events = [...byArn.values()];
    ctx.metrics.cspEventsReceived.inc({ csp: 'aws' }, events.length);
    const descriptions = await this.#descriptions(events, ctx);
    const now = ctx.now();
    const out: MaintenanceEvent[] = [];
    await forEachBatch(events, async (batch) => {
      const entities = await this.#entities(
        batch.map((e) => e.arn!),
        ctx,
      );
      for (const entity of entities) {
        ctx.metrics.eventsToNormalize.inc({ csp: 'aws' });
        const event = byArn.get(entity.eventArn ?? '');
        try {
          if (!event)
            throw new Error(`affected entity ${entity.entityArn ?? '?'} names an event that was not asked for`);
          const nodeName = ctx.nodes.awsInstance(entity.entityValue ?? '');
          if (nodeName === '')
            throw new Error(
              `instance ${entity.entityValue ?? '?'} is not a node of this cluster (no providerID aws:///<zone>/${entity.entityValue ?? '?'})`,
            );
          out.push(
            normalizeAwsEvent({ event, description: descriptions.get(event.arn!) ?? '', entity, nodeName, now }),
          );
        } catch (err) {
          normalizationFailed(ctx, 'aws', entity.entityArn ?? entity.entityValue ?? '?', err);
        }
      }
    });
    return out.sort(
      (a, b) => a.eventReceivedTimestamp.getTime() - b.eventReceivedTimestamp.getTime() || cmp(a.eventId, b.eventId),
    );
  }

  async close(): Promise<void> {
    this.#sdk.destroy();
  }

  async #newEvents(window: PollWindow, ctx: CspContext): Promise<Event[]> {
    const events: Event[] = [];
    const pages = paginateDescribeEvents(
      { client: this.#sdk, pageSize: this.#pageSize },
      {
        filter: {
          services: ['EC2'],
          eventTypeCategories: ['scheduledChange'],
          regions: [this.#config.region],
          eventTypeCodes: AWS_EVENT_TYPE_CODES,
          lastUpdatedTimes: [{ from: window.from }],
        },
      },
    );
    await timedApiCall(ctx, 'aws', 'DescribeEvents', async () => {
      for await (const page of pages) events.push(...arrayOf(page.events, 'DescribeEvents.events'));
    });
    return events;
  }

  /** Stored events AWS still reported as upcoming/open: ERROR when AWS no longer knows them. */
  async #recheckKnown(ctx: CspContext): Promise<Event[]> {
    const known = await ctx.store.findActiveEventsByStatuses('aws', [CSPStatus.PENDING, CSPStatus.ACTIVE]);
    const byArn = new Map<string, MaintenanceEvent[]>();
    for (const event of known) {
      const arn = event.metadata.eventArn;
      if (!arn) continue;
      byArn.set(arn, [...(byArn.get(arn) ?? []), event]);
    }
    const changed: Event[] = [];
    await forEachBatch([...byArn.keys()], async (arns) => {
      const found = new Map<string, Event>();
      await timedApiCall(ctx, 'aws', 'DescribeEvents', async () => {
        for await (const page of paginateDescribeEvents(
          { client: this.#sdk, pageSize: this.#pageSize },
          { filter: { eventArns: arns } },
        )) {
          for (const e of arrayOf(page.events, 'DescribeEvents.events')) if (e.arn) found.set(e.arn, e);
        }
      });
      for (const arn of arns) {
        const event = found.get(arn);
        const stored = byArn.get(arn)!;
        if (!event) {
          for (const s of stored) {
            if (s.status === MaintenanceStatus.ERROR) continue;
            ctx.logger.warn(
              { eventId: s.eventId, eventArn: arn },
              'AWS no longer reports this event; its status is set to ERROR',
            );
            await ctx.store.updateEventStatus(s.eventId, MaintenanceStatus.ERROR);
          }
        } else if (stored.some((s) => s.metadata.awsStatusCode !== event.statusCode)) {
          changed.push(event);
        }
      }
    });
    return changed;
  }

  async #descriptions(events: Event[], ctx: CspContext): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    await forEachBatch(events, async (batch) => {
      const response = await timedApiCall(ctx, 'aws', 'DescribeEventDetails', () =>
        this.#sdk.send(new DescribeEventDetailsCommand({ eventArns: batch.map((e) => e.arn!) })),
      );
      for (const detail of arrayOf(response.successfulSet, 'DescribeEventDetails.successfulSet')) {
        if (detail.event?.arn) out.set(detail.event.arn, detail.eventDescription?.latestDescription ?? '');
      }
      for (const failed of arrayOf(response.failedSet, 'DescribeEventDetails.failedSet')) {
        ctx.logger.warn(
          { eventArn: failed.eventArn, error: failed.errorName, message: failed.errorMessage },
          'AWS has no details for event',
        );
      }
    });
    return out;
  }

  async #entities(eventArns: string[], ctx: CspContext): Promise<AffectedEntity[]> {
    const entities: AffectedEntity[] = [];
    await timedApiCall(ctx, 'aws', 'DescribeAffectedEntities', async () => {
      for await (const page of paginateDescribeAffectedEntities(
        { client: this.#sdk, pageSize: this.#pageSize },
        { filter: { eventArns } },
      )) {
        entities.push(...arrayOf(page.entities, 'DescribeAffectedEntities.entities'));
      }
    });
    return entities;
  }
}

/**
 * Runs `fn` over batches of ARN_BATCH items, PARALLEL_BATCHES at a time. After a failure no new
 * batch starts; the running ones finish, then the first failure is rethrown.
 */
async function forEachBatch<T>(items: readonly T[], fn: (batch: T[]) => Promise<void>): Promise<void> {
  const batches: T[][] = [];
  for (let i = 0; i < items.length; i += ARN_BATCH) batches.push(items.slice(i, i + ARN_BATCH));
  let next = 0;
  let failed = false;
  const lane = async (): Promise<void> => {
    while (next < batches.length && !failed) {
      try {
        await fn(batches[next++]!);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  await settleAll(Array.from({ length: Math.min(PARALLEL_BATCHES, batches.length) }, lane));
}

/** Like Promise.all, but waits for every promise before rejecting with the first failure. */
async function settleAll<T extends readonly Promise<unknown>[]>(
  promises: T,
): Promise<{ [K in keyof T]: Awaited<T[K]> }> {
  const results = await Promise.allSettled(promises);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<unknown>).value) as { [K in keyof T]: Awaited<T[K]> };
}

/** A list field of a response; anything else is a malformed payload (the SDK does not check shapes). */
function arrayOf<T>(value: T[] | undefined, field: string): T[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new CspPayloadError('AWS Health', `${field} is ${typeof value}, not a list`);
  return value;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
