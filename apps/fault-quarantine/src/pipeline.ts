/**
 * The change-stream subscription of fault-quarantine, as upstream's
 * BuildProcessableHealthEventInsertsPipeline: inserted events whose processing strategy is
 * EXECUTE_REMEDIATION, or unset (older monitors). STORE_ONLY / STORE_AND_ANALYSE never act.
 */
import { DocumentPaths, ProcessingStrategy } from '@nvsentinel/health-model';
import type { ChangeEvent, Filter, Pipeline } from '@nvsentinel/store-client';

export const CLIENT_NAME = 'fault-quarantine';

const strategyPath = `fullDocument.${DocumentPaths.processingStrategy}`;

export const processableInsertsPipeline: Pipeline = [
  {
    $match: {
      operationType: 'insert',
      $or: [{ [strategyPath]: ProcessingStrategy.EXECUTE_REMEDIATION }, { [strategyPath]: { $exists: false } }],
    },
  },
];

/** Partition key: events of one node are handled in order, different nodes in parallel. */
export function nodeNameOf(change: ChangeEvent): string {
  const event = change.fullDocument?.[DocumentPaths.healthEvent] as Record<string, unknown> | undefined;
  const name = event?.[DocumentPaths.nodeName.split('.')[1]!];
  return typeof name === 'string' ? name : '';
}

/**
 * The cold-start scan: processable events created after `since` that carry no quarantine status,
 * i.e. that no fault-quarantine has handled — stored before its first start, or while it was
 * down with no resume position covering them. Events it handled and ignored (no rule matched)
 * carry no status either and are looked at again: harmless, handling is idempotent.
 */
export function unhandledEventsFilter(since: Date): Filter {
  return {
    $and: [
      {
        $or: [
          { [DocumentPaths.processingStrategy]: ProcessingStrategy.EXECUTE_REMEDIATION },
          { [DocumentPaths.processingStrategy]: { $exists: false } },
        ],
      },
      {
        $or: [
          { [DocumentPaths.nodeQuarantined]: { $exists: false } },
          { [DocumentPaths.nodeQuarantined]: null },
          { [DocumentPaths.nodeQuarantined]: '' },
        ],
      },
      { [DocumentPaths.createdAt]: { $gt: since } },
    ],
  };
}
