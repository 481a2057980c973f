import { BSON, Binary, ObjectId, Timestamp } from 'mongodb';
import { describe, expect, it } from 'vitest';

import { isDatastoreError } from '../../errors.js';
import { mapChange, type RawChange } from './change-event.js';
import { decodeResumeToken, encodeResumeToken } from './resume-token.js';

const hex = '65f1a2b3c4d5e6f708091a2b';
const token = { _data: '8265F1A2B3000000012B022C0100296E5A1004' };

function raw(overrides: Partial<RawChange>): RawChange {
  return {
    _id: token,
    operationType: 'insert',
    documentKey: { _id: new ObjectId(hex) },
    clusterTime: new Timestamp({ t: 1_710_000_000, i: 1 }),
    ...overrides,
  };
}

describe('resume token strings', () => {
  it('round-trip the token document exactly, including binary tokens of old servers', () => {
    expect(decodeResumeToken(encodeResumeToken(token))).toEqual(token);
    const binary = { _data: new Binary(Buffer.from([1, 2, 3])) };
    const back = decodeResumeToken(encodeResumeToken(binary)) as { _data: Binary };
    expect(back._data).toBeInstanceOf(Binary);
    expect(Buffer.from(back._data.buffer)).toEqual(Buffer.from([1, 2, 3]));
  });

  it('reject strings that are not tokens with a resume_token error', () => {
    for (const bad of ['', 'nope', '42', '{"other":1}', '[1]']) {
      expect(() => decodeResumeToken(bad)).toThrow(/not a MongoDB resume token/);
    }
    try {
      decodeResumeToken('{"x":');
    } catch (err) {
      expect(isDatastoreError(err, 'resume_token')).toBe(true);
    }
  });

  it('reject a change without a token document', () => {
    expect(() => encodeResumeToken(undefined)).toThrow(/without a resume token/);
  });
});

describe('mapChange', () => {
  it('maps an insert: hex ids, canonical fullDocument, cluster time as a Date', () => {
    const createdAt = new Date('2026-03-01T00:00:00Z');
    const mapped = mapChange(
      raw({ fullDocument: { _id: new ObjectId(hex), createdAt, healthevent: { nodename: 'n1' } } }),
    );
    expect(mapped).toEqual({
      kind: 'event',
      event: {
        resumeToken: BSON.EJSON.stringify(token, { relaxed: false }),
        operationType: 'insert',
        documentKey: { _id: hex },
        fullDocument: { _id: hex, createdAt, healthevent: { nodename: 'n1' } },
        clusterTime: new Date(1_710_000_000 * 1000),
      },
    });
  });

  it('keeps updatedFields dotted exactly as the server reported them, and prefers wallTime', () => {
    const wallTime = new Date('2026-03-01T00:00:00.123Z');
    const mapped = mapChange(
      raw({
        operationType: 'update',
        wallTime,
        fullDocument: { _id: new ObjectId(hex) },
        updateDescription: {
          updatedFields: {
            'healtheventstatus.nodequarantined': 'Quarantined',
            'healtheventstatus.spanids.fault-quarantine': 's1',
          },
          removedFields: ['healtheventstatus.x'],
        },
      }),
    );
    expect(mapped.kind).toBe('event');
    if (mapped.kind !== 'event') return;
    expect(mapped.event.updateDescription).toEqual({
      updatedFields: {
        'healtheventstatus.nodequarantined': 'Quarantined',
        'healtheventstatus.spanids.fault-quarantine': 's1',
      },
      removedFields: ['healtheventstatus.x'],
    });
    expect(mapped.event.clusterTime).toEqual(wallTime);
  });

  it('gives an update whose document is gone a null fullDocument', () => {
    const mapped = mapChange(
      raw({ operationType: 'update', fullDocument: null, updateDescription: { updatedFields: { a: 1 } } }),
    );
    expect(mapped.kind === 'event' && mapped.event.fullDocument).toBe(null);
    expect(mapped.kind === 'event' && mapped.event.updateDescription?.removedFields).toEqual([]);
  });

  it('maps a delete with a null fullDocument and no updateDescription', () => {
    const mapped = mapChange(raw({ operationType: 'delete' }));
    expect(mapped.kind === 'event' && mapped.event).toMatchObject({
      operationType: 'delete',
      fullDocument: null,
      documentKey: { _id: hex },
    });
    expect(mapped.kind === 'event' && 'updateDescription' in mapped.event).toBe(false);
  });

  it('presents a replace as an update of every top-level field', () => {
    const mapped = mapChange(
      raw({ operationType: 'replace', fullDocument: { _id: new ObjectId(hex), a: 1, b: { c: 2 } } }),
    );
    expect(mapped.kind === 'event' && mapped.event.operationType).toBe('update');
    expect(mapped.kind === 'event' && mapped.event.updateDescription).toEqual({
      updatedFields: { a: 1, b: { c: 2 } },
      removedFields: [],
    });
  });

  it.each(['drop', 'rename', 'dropDatabase', 'invalidate'])(
    'reports %s as invalidating the stream',
    (operationType) => {
      expect(mapChange(raw({ operationType })).kind).toBe('invalidated');
    },
  );

  it('ignores event types that are not about documents', () => {
    expect(mapChange(raw({ operationType: 'createIndexes' })).kind).toBe('ignored');
  });
});
