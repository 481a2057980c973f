/**
 * `nvsentinel events [--node N]`: stored health events with the status fields the services wrote
 * back, read from platform-connectors' inspection endpoint (the embedded datastore lives inside
 * the stack's process, so the endpoint is the one way in that works for every provider).
 */
import { HEALTH_EVENTS_ROUTE } from '@nvsentinel/platform-connectors';
import { formatTable } from './table.js';

/** The inspection endpoint's answer (health event in proto3 JSON, status in camelCase). */
export interface StoredEventView {
  id: string;
  createdAt: string;
  healthEvent: {
    nodeName: string;
    agent: string;
    checkName: string;
    isFatal: boolean;
    isHealthy: boolean;
    errorCode: string[];
    recommendedAction: string | number;
  };
  healthEventStatus: {
    nodeQuarantined: string;
    userPodsEvictionStatus: { status: string; message?: string };
    faultRemediated: boolean | null;
  };
}

export async function fetchNodeEvents(ingestUrl: string, node: string, limit: number): Promise<StoredEventView[]> {
  const url = `${ingestUrl}${HEALTH_EVENTS_ROUTE}?node=${encodeURIComponent(node)}&limit=${limit}`;
  let response: Response;
  try {
    response = await fetch(url);
  } catch (err) {
    throw new Error(
      `GET ${url} failed: ${(err as Error).message} (is the stack running? start it with \`npm start\`)`,
      { cause: err },
    );
  }
  if (!response.ok) throw new Error(`GET ${url} answered ${response.status}: ${await response.text()}`);
  return ((await response.json()) as { events: StoredEventView[] }).events;
}

export function formatEvents(events: readonly StoredEventView[]): string {
  const sorted = [...events].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  return formatTable(
    ['CREATED', 'ID', 'NODE', 'CHECK', 'CODE', 'KIND', 'ACTION', 'QUARANTINE', 'EVICTION', 'REMEDIATED'],
    sorted.map((e) => [
      e.createdAt.slice(11, 23),
      e.id.slice(0, 8),
      e.healthEvent.nodeName,
      e.healthEvent.checkName,
      e.healthEvent.errorCode.join(',') || '-',
      e.healthEvent.isHealthy ? 'healthy' : e.healthEvent.isFatal ? 'fatal' : 'non-fatal',
      String(e.healthEvent.recommendedAction),
      e.healthEventStatus.nodeQuarantined || '-',
      e.healthEventStatus.userPodsEvictionStatus.status || '-',
      e.healthEventStatus.faultRemediated === null ? '-' : String(e.healthEventStatus.faultRemediated),
    ]),
  );
}
