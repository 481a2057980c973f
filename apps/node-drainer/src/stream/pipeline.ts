/**
 * The `node-drainer` change-stream subscription (upstream's BuildNodeQuarantineStatusPipeline):
 * updates that set the quarantine status to one of the four values fault-quarantine writes, plus
 * upstream's failsafe for documents inserted with that status already set.
 */
import { DocumentPaths, QuarantineStatus } from '@nvsentinel/health-model';
import type { Pipeline } from '@nvsentinel/store-client';

export const CLIENT_NAME = 'node-drainer';

const QUARANTINE_STATUSES: readonly string[] = [
  QuarantineStatus.Quarantined,
  QuarantineStatus.AlreadyQuarantined,
  QuarantineStatus.UnQuarantined,
  QuarantineStatus.Cancelled,
];

export const nodeQuarantineStatusPipeline: Pipeline = [
  {
    $match: {
      $or: [
        {
          operationType: 'update',
          $or: QUARANTINE_STATUSES.map((value) => ({
            $expr: {
              $eq: [
                { $getField: { field: DocumentPaths.nodeQuarantined, input: '$updateDescription.updatedFields' } },
                value,
              ],
            },
          })),
        },
        { operationType: 'insert', [`fullDocument.${DocumentPaths.nodeQuarantined}`]: { $in: QUARANTINE_STATUSES } },
      ],
    },
  },
];
