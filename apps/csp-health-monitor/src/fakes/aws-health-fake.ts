/**
 * A local fake of the AWS Health API on 127.0.0.1, speaking its real wire format (JSON 1.1:
 * `POST /`, `X-Amz-Target: AWSHealth_20160804.<Operation>`, epoch-second timestamps, `nextToken`
 * pages, errors as `{"__type": …}`), so the official SDK's own request and response code runs.
 * It checks the SigV4 access key id, filters like AWS and can inject throttling, auth failures
 * and malformed bodies.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeAwsEvent {
  arn: string;
  service?: string;
  eventTypeCode: string;
  eventTypeCategory?: string;
  region?: string;
  availabilityZone?: string;
  /** Epoch seconds (the wire format). */
  startTime?: number;
  endTime?: number;
  lastUpdatedTime: number;
  statusCode: string;
  eventScopeCode?: string;
}

export interface FakeAwsEntity {
  entityArn: string;
  eventArn: string;
  entityValue: string;
  awsAccountId?: string;
  statusCode?: string;
}

export interface AwsRequestRecord {
  operation: string;
  body: Record<string, unknown>;
}

type Fault = { kind: 'error'; status: number; type: string; message: string } | { kind: 'malformed'; body: string };

export const FAKE_ACCESS_KEY_ID = 'AKIAFAKEHEALTH000001';
export const FAKE_CREDENTIALS = { accessKeyId: FAKE_ACCESS_KEY_ID, secretAccessKey: 'fake-secret' };

export class AwsHealthFake {
  readonly events = new Map<string, FakeAwsEvent>();
  readonly descriptions = new Map<string, string>();
  readonly entities: FakeAwsEntity[] = [];
  readonly requests: AwsRequestRecord[] = [];
  /** Largest page served (AWS's own limits are 100 events / 100 entities per page). */
  maxPageSize = 100;
  readonly #faults = new Map<string, Fault[]>();
  #server: Server | undefined;
  #url = '';

  get url(): string {
    return this.#url;
  }

  async start(): Promise<this> {
    this.#server = createServer((req, res) => void this.#handle(req, res));
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
    this.#url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
  }

  addEvent(event: FakeAwsEvent, description: string, instanceIds: string[]): void {
    this.events.set(event.arn, event);
    this.descriptions.set(event.arn, description);
    for (const id of instanceIds) {
      this.entities.push({
        entityArn: `${event.arn}/${id}`,
        eventArn: event.arn,
        entityValue: id,
        awsAccountId: '123456789012',
        statusCode: 'IMPAIRED',
      });
    }
  }

  /** The next `count` calls of `operation` ('*' = any) fail with this AWS error. */
  failNext(operation: string, count: number, status: number, type: string, message = type): void {
    this.#push(operation, count, { kind: 'error', status, type, message });
  }

  /** The next `count` calls of `operation` answer 200 with this raw body. */
  malformedNext(operation: string, count: number, body: string): void {
    this.#push(operation, count, { kind: 'malformed', body });
  }

  calls(operation: string): AwsRequestRecord[] {
    return this.requests.filter((r) => r.operation === operation);
  }

  #push(operation: string, count: number, fault: Fault): void {
    const list = this.#faults.get(operation) ?? [];
    for (let i = 0; i < count; i++) list.push(fault);
    this.#faults.set(operation, list);
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const target = String(req.headers['x-amz-target'] ?? '');
    const operation = target.replace(/^AWSHealth_20160804\./, '');
    const send = (status: number, body: unknown): void => {
      const text = typeof body === 'string' ? body : JSON.stringify(body);
      res.writeHead(status, {
        'content-type': 'application/x-amz-json-1.1',
        'x-amzn-requestid': `req-${this.requests.length}`,
      });
      res.end(text);
    };
    const error = (status: number, type: string, message: string): void => {
      res.setHeader('x-amzn-errortype', type);
      send(status, { __type: type, message });
    };
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
    } catch {
      return error(400, 'SerializationException', 'request body is not JSON');
    }
    this.requests.push({ operation, body });
    if (req.method !== 'POST' || !target.startsWith('AWSHealth_20160804.'))
      return error(400, 'UnknownOperationException', target);
    const auth = String(req.headers.authorization ?? '');
    if (!auth.includes(`Credential=${FAKE_ACCESS_KEY_ID}/`)) {
      return error(400, 'UnrecognizedClientException', 'The security token included in the request is invalid.');
    }
    const fault = this.#faults.get(operation)?.shift() ?? this.#faults.get('*')?.shift();
    if (fault?.kind === 'error') return error(fault.status, fault.type, fault.message);
    if (fault?.kind === 'malformed') return send(200, fault.body);
    switch (operation) {
      case 'DescribeEvents':
        return send(200, this.#describeEvents(body));
      case 'DescribeEventDetails':
        return send(200, this.#describeEventDetails(body));
      case 'DescribeAffectedEntities':
        return send(200, this.#describeAffectedEntities(body));
      default:
        return error(400, 'UnknownOperationException', operation);
    }
  }

  #describeEvents(body: Record<string, unknown>): unknown {
    const filter = (body.filter ?? {}) as Record<string, unknown>;
    const list = (key: string) => filter[key] as string[] | undefined;
    const from = (filter.lastUpdatedTimes as Array<{ from?: number }> | undefined)?.[0]?.from;
    const matches = [...this.events.values()].filter(
      (e) =>
        (!list('eventArns') || list('eventArns')!.includes(e.arn)) &&
        (!list('services') || list('services')!.includes(e.service ?? 'EC2')) &&
        (!list('regions') || list('regions')!.includes(e.region ?? 'us-east-1')) &&
        (!list('eventTypeCodes') || list('eventTypeCodes')!.includes(e.eventTypeCode)) &&
        (!list('eventTypeCategories') ||
          list('eventTypeCategories')!.includes(e.eventTypeCategory ?? 'scheduledChange')) &&
        (from === undefined || e.lastUpdatedTime >= from),
    );
    const { page, nextToken } = this.#page(matches, body);
    return {
      events: page.map((e) => ({
        service: 'EC2',
        eventTypeCategory: 'scheduledChange',
        region: 'us-east-1',
        eventScopeCode: 'ACCOUNT_SPECIFIC',
        ...e,
      })),
      ...(nextToken ? { nextToken } : {}),
    };
  }

  #describeEventDetails(body: Record<string, unknown>): unknown {
    const arns = (body.eventArns as string[] | undefined) ?? [];
    if (arns.length > 10) return { __type: 'ValidationException' };
    const successfulSet = [];
    const failedSet = [];
    for (const arn of arns) {
      const event = this.events.get(arn);
      if (!event) failedSet.push({ eventArn: arn, errorName: 'NotFound', errorMessage: 'no such event' });
      else
        successfulSet.push({
          event: { service: 'EC2', ...event },
          eventDescription: { latestDescription: this.descriptions.get(arn) ?? '' },
          eventMetadata: {},
        });
    }
    return { successfulSet, failedSet };
  }

  #describeAffectedEntities(body: Record<string, unknown>): unknown {
    const arns = ((body.filter as Record<string, unknown> | undefined)?.eventArns as string[] | undefined) ?? [];
    const matches = this.entities.filter((e) => arns.includes(e.eventArn));
    const { page, nextToken } = this.#page(matches, body);
    return {
      entities: page.map((e) => ({ ...e, lastUpdatedTime: this.events.get(e.eventArn)?.lastUpdatedTime })),
      ...(nextToken ? { nextToken } : {}),
    };
  }

  #page<T>(items: T[], body: Record<string, unknown>): { page: T[]; nextToken?: string } {
    const size = Math.min(Number(body.maxResults ?? this.maxPageSize) || this.maxPageSize, this.maxPageSize);
    const offset = body.nextToken ? Number(Buffer.from(String(body.nextToken), 'base64url').toString()) : 0;
    const page = items.slice(offset, offset + size);
    const next = offset + size;
    return next < items.length ? { page, nextToken: Buffer.from(String(next)).toString('base64url') } : { page };
  }
}

/** Epoch seconds of a date (the JSON 1.1 timestamp format). */
export const epoch = (date: Date): number => date.getTime() / 1000;
