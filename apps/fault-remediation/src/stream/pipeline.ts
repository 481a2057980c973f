/**
 * The `fault-remediation` change-stream subscription (upstream's
 * BuildQuarantinedAndDrainedNodesPipeline): drains that finished on a quarantined node, the
 * drain record of an un-quarantining healthy event, and cancelled quarantines — plus upstream's
 * failsafe for documents inserted with those states already set.
 */
import { DocumentPaths, EvictionStatus, QuarantineStatus } from '@nvsentinel/health-model';
import type { Pipeline } from '@nvsentinel/store-client';

export const CLIENT_NAME = 'fault-remediation';

const updatedFieldsContain = (field: string) => ({
  $expr: {
    $gt: [
      {
        $size: {
          $filter: {
            input: { $objectToArray: '$updateDescription.updatedFields' },
            cond: { $eq: ['$$this.k', field] },
          },
        },
      },
      0,
    ],
  },
});
const full = (path: string) => `fullDocument.${path}`;

const DRAINED = [EvictionStatus.Succeeded, EvictionStatus.AlreadyDrained];
const QUARANTINED = [QuarantineStatus.Quarantined, QuarantineStatus.AlreadyQuarantined];

const drainedAndQuarantined = {
  [full(DocumentPaths.evictionStatus)]: { $in: DRAINED },
  [full(DocumentPaths.nodeQuarantined)]: { $in: QUARANTINED },
};
const drainedAndUnquarantined = {
  [full(DocumentPaths.nodeQuarantined)]: QuarantineStatus.UnQuarantined,
  [full(DocumentPaths.evictionStatus)]: EvictionStatus.Succeeded,
};

export const quarantinedAndDrainedPipeline: Pipeline = [
  {
    $match: {
      $or: [
        {
          operationType: 'update',
          $and: [updatedFieldsContain(DocumentPaths.userPodsEvictionStatus), drainedAndQuarantined],
        },
        {
          operationType: 'update',
          $and: [updatedFieldsContain(DocumentPaths.userPodsEvictionStatus), drainedAndUnquarantined],
        },
        {
          operationType: 'update',
          $expr: {
            $eq: [
              { $getField: { field: DocumentPaths.nodeQuarantined, input: '$updateDescription.updatedFields' } },
              QuarantineStatus.Cancelled,
            ],
          },
        },
        { operationType: 'insert', ...drainedAndQuarantined },
        { operationType: 'insert', ...drainedAndUnquarantined },
        { operationType: 'insert', [full(DocumentPaths.nodeQuarantined)]: QuarantineStatus.Cancelled },
      ],
    },
  },
];
