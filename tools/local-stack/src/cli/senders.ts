/**
 * Sending health events the two ways monitors can: gRPC over the platform connector's unix socket
 * (what upstream's monitors do) and our HTTP ingest. Both return only once the events are stored.
 */
import { status, type ServiceError } from '@grpc/grpc-js';
import { healthEventsToProto, healthEventsToProtoJson, type HealthEvent } from '@nvsentinel/health-model';
import { connectPlatformConnector } from '@nvsentinel/health-model/grpc';
import { HEALTH_EVENTS_ROUTE } from '@nvsentinel/platform-connectors';

export type Transport = 'grpc' | 'http';

export interface SendResult {
  transport: Transport;
  /** Datastore ids, when the transport reports them (HTTP does). */
  ids: string[];
}

export async function sendOverGrpc(
  socketPath: string,
  events: readonly HealthEvent[],
  timeoutMs = 10_000,
): Promise<SendResult> {
  const client = connectPlatformConnector(socketPath);
  try {
    await client.send(healthEventsToProto(events), { timeoutMs });
  } catch (err) {
    const e = err as ServiceError;
    const hint = e.code === status.UNAVAILABLE ? ' (is the stack running? start it with `npm start`)' : '';
    throw new Error(`gRPC HealthEventOccurredV1 to ${client.target} failed: ${e.details || e.message}${hint}`, {
      cause: err,
    });
  } finally {
    client.close();
  }
  return { transport: 'grpc', ids: [] };
}

export async function sendOverHttp(ingestUrl: string, events: readonly HealthEvent[]): Promise<SendResult> {
  const url = `${ingestUrl}${HEALTH_EVENTS_ROUTE}`;
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(healthEventsToProtoJson(events)),
    });
  } catch (err) {
    throw new Error(
      `POST ${url} failed: ${(err as Error).message} (is the stack running? start it with \`npm start\`)`,
      { cause: err },
    );
  }
  const body = (await response.json().catch(() => ({}))) as { ids?: string[]; message?: string; issues?: unknown };
  if (!response.ok) throw new Error(`POST ${url} answered ${response.status}: ${body.message ?? JSON.stringify(body)}`);
  return { transport: 'http', ids: body.ids ?? [] };
}
