/**
 * A local fake of Cloud Logging's REST API (`POST /v2/entries:list`, proto3 JSON, `nextPageToken`
 * pages, errors as `{"error": {code, message, status}}`) on 127.0.0.1, reached by the official
 * client through its REST transport and `apiEndpoint`. It understands only the time window the
 * monitor appends to its filter (`timestamp > "…" AND timestamp <= "…"`) and records each filter.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const FAKE_GCP_TOKEN = 'ya29.fake-token';

export interface FakeLogEntry {
  insertId: string;
  timestamp: string;
  logName?: string;
  resource: { type: string; labels: Record<string, string> };
  protoPayload?: Record<string, unknown>;
  jsonPayload?: Record<string, unknown>;
}

type Fault =
  { kind: 'error'; status: number; grpcStatus: string; message: string } | { kind: 'malformed'; body: string };

export class GcpLoggingFake {
  readonly entries: FakeLogEntry[] = [];
  readonly requests: Array<Record<string, unknown>> = [];
  maxPageSize = 1000;
  readonly #faults: Fault[] = [];
  #server: Server | undefined;
  #endpoint = '';

  /** `http://127.0.0.1:<port>` for `[gcp] endpointOverride`. */
  get endpoint(): string {
    return this.#endpoint;
  }

  async start(): Promise<this> {
    this.#server = createServer((req, res) => void this.#handle(req, res));
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
    this.#endpoint = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
  }

  failNext(count: number, status: number, grpcStatus: string, message = grpcStatus): void {
    for (let i = 0; i < count; i++) this.#faults.push({ kind: 'error', status, grpcStatus, message });
  }

  malformedNext(count: number, body: string): void {
    for (let i = 0; i < count; i++) this.#faults.push({ kind: 'malformed', body });
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const send = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8' });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    const error = (status: number, grpcStatus: string, message: string): void =>
      send(status, { error: { code: status, message, status: grpcStatus } });
    const path = (req.url ?? '').split('?')[0];
    if (req.method !== 'POST' || path !== '/v2/entries:list')
      return error(404, 'NOT_FOUND', `no route ${req.method} ${path}`);
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
    } catch {
      return error(400, 'INVALID_ARGUMENT', 'body is not JSON');
    }
    this.requests.push(body);
    if (req.headers.authorization !== `Bearer ${FAKE_GCP_TOKEN}`) {
      return error(
        401,
        'UNAUTHENTICATED',
        'Request had invalid authentication credentials. Expected OAuth 2 access token.',
      );
    }
    const fault = this.#faults.shift();
    if (fault?.kind === 'error') return error(fault.status, fault.grpcStatus, fault.message);
    if (fault?.kind === 'malformed') return send(200, fault.body);
    const filter = String(body.filter ?? '');
    const after = /timestamp >=? "([^"]+)"/.exec(filter)?.[1];
    const inclusive = /timestamp >= "/.test(filter);
    const until = /timestamp <= "([^"]+)"/.exec(filter)?.[1];
    const inWindow = this.entries.filter((e) => {
      const t = Date.parse(e.timestamp);
      return (
        (after === undefined || t > Date.parse(after) || (inclusive && t === Date.parse(after))) &&
        (until === undefined || t <= Date.parse(until))
      );
    });
    inWindow.sort((a, b) => Date.parse(a.timestamp) - Date.parse(b.timestamp) || (a.insertId < b.insertId ? -1 : 1));
    if (body.orderBy === 'timestamp desc') inWindow.reverse();
    const size = Math.min(Number(body.pageSize ?? 50) || 50, this.maxPageSize);
    const offset = body.pageToken ? Number(Buffer.from(String(body.pageToken), 'base64url').toString()) : 0;
    const page = inWindow.slice(offset, offset + size);
    const next = offset + size < inWindow.length ? Buffer.from(String(offset + size)).toString('base64url') : undefined;
    return send(200, { entries: page, ...(next ? { nextPageToken: next } : {}) });
  }
}

/** A GCE maintenance audit-log entry as Cloud Logging returns it (recorded shape). */
export function gceMaintenanceEntry(input: {
  insertId: string;
  timestamp: Date;
  instanceId: string;
  zone?: string;
  project?: string;
  method?: string;
  maintenanceStatus?: string;
  type?: string;
  windowStartTime?: Date;
  windowEndTime?: Date;
  statusMessage?: string;
}): FakeLogEntry {
  const project = input.project ?? 'my-project';
  const zone = input.zone ?? 'us-central1-a';
  return {
    insertId: input.insertId,
    timestamp: input.timestamp.toISOString(),
    logName: `projects/${project}/logs/cloudaudit.googleapis.com%2Fsystem_event`,
    resource: { type: 'gce_instance', labels: { instance_id: input.instanceId, zone, project_id: project } },
    protoPayload: {
      '@type': 'type.googleapis.com/google.cloud.audit.AuditLog',
      serviceName: 'compute.googleapis.com',
      methodName: input.method ?? 'compute.instances.upcomingMaintenance',
      resourceName: `projects/${project}/zones/${zone}/instances/gke-node-${input.instanceId}`,
      ...(input.statusMessage ? { status: { message: input.statusMessage } } : {}),
      metadata: {
        '@type': 'type.googleapis.com/google.cloud.audit.UpcomingMaintenanceMetadata',
        ...(input.maintenanceStatus ? { maintenanceStatus: input.maintenanceStatus } : {}),
        ...(input.type ? { type: input.type } : {}),
        ...(input.windowStartTime ? { windowStartTime: input.windowStartTime.toISOString() } : {}),
        ...(input.windowEndTime ? { windowEndTime: input.windowEndTime.toISOString() } : {}),
        canReschedule: true,
      },
      authenticationInfo: { principalEmail: 'system@google.com' },
      requestMetadata: { callerIp: '0.0.0.0' },
    },
  };
}
