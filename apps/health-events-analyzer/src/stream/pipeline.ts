/**
 * The `health-events-analyzer` change-stream subscription (upstream's
 * BuildProcessableNonFatalUnhealthyInsertsPipeline; despite the name it does not filter on
 * isFatal): inserts of unhealthy events that are not the analyzer's own output and whose
 * processing strategy is EXECUTE_REMEDIATION, STORE_AND_ANALYSE or absent. Inserts only: a
 * status update of a stored event never re-runs the rules.
 */
import { DocumentPaths, ProcessingStrategy } from '@nvsentinel/health-model';
import type { Filter, Pipeline } from '@nvsentinel/store-client';
import { ANALYZER_AGENT, SOURCE_EVENT_METADATA } from '../rules/pipeline.js';

export const CLIENT_NAME = 'health-events-analyzer';

export const analyzerInsertsPipeline: Pipeline = [
  {
    $match: {
      operationType: 'insert',
      [`fullDocument.${DocumentPaths.agent}`]: { $ne: ANALYZER_AGENT },
      [`fullDocument.${DocumentPaths.metadata}.${SOURCE_EVENT_METADATA}`]: { $exists: false },
      [`fullDocument.${DocumentPaths.isHealthy}`]: false,
      [`fullDocument.${DocumentPaths.processingStrategy}`]: {
        $in: [ProcessingStrategy.EXECUTE_REMEDIATION, ProcessingStrategy.STORE_AND_ANALYSE, null],
      },
    },
  },
];

/**
 * The same selection over stored documents, for the first-start scan: what the stream would have
 * delivered had it been positioned before these events were stored.
 */
export function coldStartFilter(storedSince: Date): Filter {
  return {
    [DocumentPaths.agent]: { $ne: ANALYZER_AGENT },
    [`${DocumentPaths.metadata}.${SOURCE_EVENT_METADATA}`]: { $exists: false },
    [DocumentPaths.isHealthy]: false,
    [DocumentPaths.processingStrategy]: {
      $in: [ProcessingStrategy.EXECUTE_REMEDIATION, ProcessingStrategy.STORE_AND_ANALYSE, null],
    },
    [DocumentPaths.createdAt]: { $gte: storedSince },
  };
}

/** The stream's selection for one stored document (the replay in `rules test` applies it per event). */
export function isAnalysable(document: Record<string, unknown>): boolean {
  const event = document['healthevent'] as Record<string, unknown> | undefined;
  if (!event || event['ishealthy'] !== false || event['agent'] === ANALYZER_AGENT) return false;
  const metadata = event['metadata'] as Record<string, unknown> | undefined;
  if (metadata && SOURCE_EVENT_METADATA in metadata) return false;
  const strategy = event['processingstrategy'];
  return (
    strategy === undefined ||
    strategy === null ||
    strategy === ProcessingStrategy.EXECUTE_REMEDIATION ||
    strategy === ProcessingStrategy.STORE_AND_ANALYSE
  );
}
