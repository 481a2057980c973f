/**
 * GCP maintenance from Cloud Logging through the official client (@google-cloud/logging, the
 * logadmin `entries.list`). Always over its REST transport: the same JSON the fake in
 * src/testing serves, and `endpointOverride` points it at any HTTP(S) endpoint.
 *
 * Each poll lists `(<logFilter>) AND (timestamp >= "<from>" AND timestamp <= "<to>")`, oldest
 * first, every page; any API failure fails the poll so the window is read again. Upstream's
 * start is exclusive (`>`); inclusive re-reads at most the entries at the boundary (stored
 * unchanged, no write), and after a restart in the middle of a group of entries with the same
 * timestamp it cannot skip the unstored rest of that group.
 */
import { Logging, v2 } from '@google-cloud/logging';
import type { MaintenanceEvent } from '@nvsentinel/health-model';
import type { GcpConfig } from '../../config/csp-config.js';
import { normalizationFailed, timedApiCall, type CspClient, type CspContext, type PollWindow } from '../types.js';
import {
  AUDIT_LOG_DESCRIPTOR,
  AUDIT_LOG_TYPE,
  AUDIT_LOG_TYPE_URL,
  structToObject,
  type AuditLog,
  type ProtoRoot,
} from './audit-log.js';
import { normalizeGcpEntry, UnsupportedGcpEntry, type GcpLogEntry } from './normalize.js';

export interface GcpClientOptions {
  /**
   * A google-auth-library client (anything with `getRequestHeaders`). Default: Application
   * Default Credentials (workload identity in GKE).
   */
  authClient?: unknown;
  /** Entries per page. Default 1000 (the API's maximum). */
  pageSize?: number;
}

interface RawEntry {
  metadata: {
    insertId?: string;
    timestamp?: Date | string | null;
    resource?: { type?: string; labels?: Record<string, string> } | null;
    protoPayload?: { type_url?: string; value?: Uint8Array } | null;
  };
}

export class GcpLoggingCspClient implements CspClient {
  readonly name = 'gcp' as const;
  readonly pollIntervalMs: number;
  readonly #config: GcpConfig;
  readonly #logging: Logging;
  readonly #root: ProtoRoot;
  readonly #pageSize: number;

  constructor(config: GcpConfig, options: GcpClientOptions = {}) {
    this.#config = config;
    this.pollIntervalMs = config.apiPollingIntervalSeconds * 1000;
    this.#pageSize = options.pageSize ?? 1000;
    const clientOptions: Record<string, unknown> = {
      projectId: config.targetProjectId,
      fallback: 'rest',
      ...endpointOptions(config.endpointOverride),
      ...(options.authClient ? { authClient: options.authClient } : {}),
    };
    this.#logging = new Logging(clientOptions);
    const gapic = new v2.LoggingServiceV2Client(clientOptions) as unknown as { _protos: ProtoRoot };
    this.#root = gapic._protos;
    this.#root.addJSON(AUDIT_LOG_DESCRIPTOR.nested);
    // Logging creates its gapic client lazily under this key; ours carries the AuditLog type.
    (this.#logging as unknown as { api: Record<string, unknown> }).api.LoggingServiceV2Client = gapic;
  }

  /** Upstream: with nothing stored the first window starts now (older entries are not replayed). */
  initialFrom(now: Date): Date {
    return now;
  }

  async poll(window: PollWindow, ctx: CspContext): Promise<MaintenanceEvent[]> {
    const filter =
      `(${this.#config.logFilter}) AND ` +
      `(timestamp >= "${window.from.toISOString()}" AND timestamp <= "${window.to.toISOString()}")`;
    const raw: RawEntry[] = [];
    await timedApiCall(ctx, 'gcp', 'ListLogEntries', async () => {
      let pageToken: string | undefined;
      do {
        const [entries, next] = await this.#logging.getEntries({
          filter,
          orderBy: 'timestamp asc',
          pageSize: this.#pageSize,
          autoPaginate: false,
          ...(pageToken ? { pageToken } : {}),
        });
        raw.push(...(entries as unknown as RawEntry[]));
        pageToken = (next as { pageToken?: string } | null | undefined)?.pageToken || undefined;
      } while (pageToken);
    });
    ctx.metrics.cspEventsReceived.inc({ csp: 'gcp' }, raw.length);
    const out: MaintenanceEvent[] = [];
    for (const entry of raw) {
      ctx.metrics.eventsToNormalize.inc({ csp: 'gcp' });
      try {
        const decoded = this.#decode(entry);
        const zone = decoded.resourceLabels.zone;
        const nodeName = ctx.nodes.gcpInstance(decoded.resourceLabels.instance_id ?? '', zone);
        if (nodeName === '') {
          ctx.logger.info(
            { insertId: decoded.insertId, instanceId: decoded.resourceLabels.instance_id, zone },
            'GCE instance is not a node of this cluster; stored without nodeName',
          );
        }
        out.push(normalizeGcpEntry(decoded, nodeName, this.#config.targetProjectId));
      } catch (err) {
        if (err instanceof UnsupportedGcpEntry) {
          ctx.metrics.eventsByTypeUnsupported.inc({ csp: 'gcp', type: err.kind });
          ctx.logger.debug({ err }, 'log entry is not a GCE maintenance entry; skipped');
        } else {
          normalizationFailed(ctx, 'gcp', entry.metadata?.insertId ?? '?', err);
        }
      }
    }
    return out.sort((a, b) => a.eventReceivedTimestamp.getTime() - b.eventReceivedTimestamp.getTime());
  }

  #decode(entry: RawEntry): GcpLogEntry {
    const meta = entry.metadata ?? {};
    const timestamp = meta.timestamp instanceof Date ? meta.timestamp : new Date(String(meta.timestamp ?? ''));
    let auditLog: AuditLog | undefined;
    const payload = meta.protoPayload;
    if (payload?.type_url === AUDIT_LOG_TYPE_URL && payload.value) {
      const type = this.#root.lookupType(AUDIT_LOG_TYPE);
      const obj = type.toObject(type.decode(payload.value), { defaults: false }) as AuditLog & { metadata?: unknown };
      auditLog = { ...obj, metadata: structToObject(obj.metadata) };
    }
    return {
      insertId: meta.insertId ?? '',
      timestamp,
      resourceType: meta.resource?.type ?? '',
      resourceLabels: meta.resource?.labels ?? {},
      auditLog,
    };
  }
}

/** `host:port`, `http://host:port` or `https://host[:port]` → the client's endpoint options. */
function endpointOptions(override: string): Record<string, unknown> {
  if (!override) return {};
  const withScheme = /^[a-z]+:\/\//i.test(override) ? override : `https://${override}`;
  const url = new URL(withScheme);
  const protocol = url.protocol === 'http:' ? 'http' : 'https';
  const port = url.port ? Number(url.port) : protocol === 'http' ? 80 : 443;
  return { apiEndpoint: url.hostname, port, protocol };
}
