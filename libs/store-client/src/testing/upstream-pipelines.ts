/**
 * The change-stream pipelines upstream NVSentinel's services subscribe with (behaviour reference
 * §3.4), written out as MongoDB pipelines. They must select exactly the same changes on every
 * provider, so the contract suite runs them verbatim.
 */
import type { Pipeline } from '../interfaces.js';

const updatedField = (field: string) => ({ $getField: { field, input: '$updateDescription.updatedFields' } });

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

/** node-drainer: updates that set the quarantine status to one of the four values. */
export const nodeQuarantineStatusPipeline: Pipeline = [
  {
    $match: {
      operationType: 'update',
      $or: ['Quarantined', 'AlreadyQuarantined', 'UnQuarantined', 'Cancelled'].map((value) => ({
        $expr: { $eq: [updatedField('healtheventstatus.nodequarantined'), value] },
      })),
    },
  },
];

/** fault-remediation: drained-and-quarantined, drained-and-unquarantined, or cancelled. */
export const quarantinedAndDrainedNodesPipeline: Pipeline = [
  {
    $match: {
      operationType: 'update',
      $or: [
        {
          $and: [
            updatedFieldsContain('healtheventstatus.userpodsevictionstatus'),
            {
              'fullDocument.healtheventstatus.userpodsevictionstatus.status': { $in: ['Succeeded', 'AlreadyDrained'] },
            },
            { 'fullDocument.healtheventstatus.nodequarantined': { $in: ['Quarantined', 'AlreadyQuarantined'] } },
          ],
        },
        {
          $and: [
            updatedFieldsContain('healtheventstatus.userpodsevictionstatus'),
            { 'fullDocument.healtheventstatus.nodequarantined': 'UnQuarantined' },
            { 'fullDocument.healtheventstatus.userpodsevictionstatus.status': 'Succeeded' },
          ],
        },
        { $expr: { $eq: [updatedField('healtheventstatus.nodequarantined'), 'Cancelled'] } },
      ],
    },
  },
];

/** fault-quarantine: inserts to process (strategy EXECUTE_REMEDIATION or unset). */
export const processableHealthEventInsertsPipeline: Pipeline = [
  {
    $match: {
      operationType: 'insert',
      $or: [
        { 'fullDocument.healthevent.processingstrategy': 1 },
        { 'fullDocument.healthevent.processingstrategy': { $exists: false } },
      ],
    },
  },
];
