import { describe, expect, it } from 'vitest';

import {
  nodeQuarantineStatusPipeline,
  processableHealthEventInsertsPipeline,
  quarantinedAndDrainedNodesPipeline,
} from '../../testing/upstream-pipelines.js';
import { insertPipelineAsDocumentFilter } from './backlog-filter.js';

describe('insertPipelineAsDocumentFilter', () => {
  it("turns fault-quarantine's insert pipeline into the equivalent document filter", () => {
    expect(insertPipelineAsDocumentFilter(processableHealthEventInsertsPipeline)).toEqual({
      $or: [{ 'healthevent.processingstrategy': 1 }, { 'healthevent.processingstrategy': { $exists: false } }],
    });
  });

  it('joins several $match stages and accepts the usual spellings of "inserts only"', () => {
    expect(
      insertPipelineAsDocumentFilter([
        { $match: { operationType: { $in: ['insert'] }, 'fullDocument.healthevent.nodename': 'n1' } },
        { $match: { operationType: { $eq: 'insert' }, 'fullDocument.healthevent.ishealthy': false } },
      ]),
    ).toEqual({ $and: [{ 'healthevent.nodename': 'n1' }, { 'healthevent.ishealthy': false }] });
    expect(insertPipelineAsDocumentFilter([])).toEqual({});
  });

  it('gives up on pipelines about updates, expressions or other event fields', () => {
    expect(insertPipelineAsDocumentFilter(nodeQuarantineStatusPipeline)).toBeUndefined();
    expect(insertPipelineAsDocumentFilter(quarantinedAndDrainedNodesPipeline)).toBeUndefined();
    expect(
      insertPipelineAsDocumentFilter([{ $match: { operationType: { $in: ['insert', 'update'] } } }]),
    ).toBeUndefined();
    expect(insertPipelineAsDocumentFilter([{ $match: { 'documentKey._id': 'x' } }])).toBeUndefined();
    expect(insertPipelineAsDocumentFilter([{ $match: { $or: [{ operationType: 'insert' }] } }])).toBeUndefined();
  });
});
