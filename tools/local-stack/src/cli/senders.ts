/**
 * Sending health events the two ways monitors can: gRPC over the platform connector's unix socket
 * (what upstream's monitors do) and our HTTP ingest. Both return only once the events are stored.
 */
import { credentials, makeGenericClientConstructor, type ServiceError } from '@grpc/grpc-js';
import { healthEventsToProto, healthEventsToProtoJson, type HealthEvent, type proto } from '@nvsentinel/health-model';
import { HEALTH_EVENTS_ROUTE, platformConnectorService } from '@nvsentinel/platform-connectors';

export type Transport = 'grpc' | 'http';

export interface SendResult {
  transport: Transport;
  /** Datastore ids, when the transport reports them (HTTP does). */
  ids: string[];
}

const PlatformConnectorClient = makeGenericClientConstructor(platformConnectorService, 'PlatformConnector');

interface GrpcClient {
  HealthEventOccurredV1(message: proto.HealthEvents, callback: (err: ServiceError | null) => void): void;
  close(): void;
}

export async function sendOverGrpc(
  socketPath: string,
  events: readonly HealthEvent[],
  timeoutMs = 10_000,
): Promise<SendResult> {
  const client = new PlatformConnectorClient(
    `unix://${socketPath}`,
    credentials.createInsecure(),
  ) as unknown as GrpcClient;
  try {
    await new Promise<void>((resolve, reject) => {
      const deadline = setTimeout(
        () => reject(new Error(`no answer from unix://${socketPath} within ${timeoutMs} ms`)),
        timeoutMs,
      );
      client.HealthEventOccurredV1(healthEventsToProto(events), (err) => {
        clearTimeout(deadline);
        if (!err) return resolve();
        const hint = err.code === 14 ? ' (is the stack running? start it with `npm start`)' : '';
        reject(
          new Error(`gRPC HealthEventOccurredV1 to unix://${socketPath} failed: ${err.details || err.message}${hint}`),
        );
      });
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
