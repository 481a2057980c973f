import { Long, ObjectId, Int32, Double, Decimal128 } from 'mongodb';
import { describe, expect, it } from 'vitest';

import { fromBson, isObjectIdHex, objectIdFromHex } from './bson-values.js';
import { changeStreamPipelineToBson, filterToBson } from './filters.js';

const hex = '65f1a2b3c4d5e6f708091a2b';

describe('ObjectId hex ids', () => {
  it('accepts exactly 24 hex characters (not ObjectId.isValid’s 12-byte strings)', () => {
    expect(isObjectIdHex(hex)).toBe(true);
    expect(isObjectIdHex(hex.toUpperCase())).toBe(true);
    expect(isObjectIdHex('aaaaaaaaaaaa')).toBe(false);
    expect(isObjectIdHex('not-an-id')).toBe(false);
    expect(objectIdFromHex(hex)?.toHexString()).toBe(hex);
    expect(objectIdFromHex('xyz')).toBeUndefined();
  });
});

describe('fromBson', () => {
  it('turns ObjectIds into hex strings and numeric wrappers into numbers, recursively', () => {
    const date = new Date('2026-01-02T03:04:05.678Z');
    const converted = fromBson({
      _id: new ObjectId(hex),
      createdAt: date,
      n: { long: Long.fromNumber(42), int: new Int32(7), dbl: new Double(1.5) },
      list: [new ObjectId(hex), { deep: new ObjectId(hex) }],
    });
    expect(converted).toEqual({
      _id: hex,
      createdAt: date,
      n: { long: 42, int: 7, dbl: 1.5 },
      list: [hex, { deep: hex }],
    });
    expect((converted as { createdAt: Date }).createdAt).toBeInstanceOf(Date);
  });

  it('keeps values canonical documents never hold as the driver gave them', () => {
    const big = Long.fromString('9223372036854775807');
    const dec = Decimal128.fromString('1.10');
    expect(fromBson({ big, dec })).toEqual({ big, dec });
  });
});

describe('filterToBson', () => {
  it('converts 24-hex _id strings to ObjectIds in equality and comparison operators', () => {
    const out = filterToBson({ _id: hex, 'healthevent.nodename': 'n1' });
    expect(out._id).toBeInstanceOf(ObjectId);
    expect(out['healthevent.nodename']).toBe('n1');
    const ops = filterToBson({ _id: { $in: [hex, 'plain'], $ne: hex, $gt: hex, $not: { $eq: hex } } }) as {
      _id: { $in: unknown[]; $ne: unknown; $gt: unknown; $not: { $eq: unknown } };
    };
    expect(ops._id.$in[0]).toBeInstanceOf(ObjectId);
    expect(ops._id.$in[1]).toBe('plain');
    expect(ops._id.$ne).toBeInstanceOf(ObjectId);
    expect(ops._id.$gt).toBeInstanceOf(ObjectId);
    expect(ops._id.$not.$eq).toBeInstanceOf(ObjectId);
  });

  it('looks inside $and/$or/$nor but not into other fields', () => {
    const out = filterToBson({ $or: [{ _id: hex }, { $and: [{ _id: { $eq: hex } }] }], 'healthevent.id': hex }) as {
      $or: [{ _id: unknown }, { $and: [{ _id: { $eq: unknown } }] }];
      'healthevent.id': unknown;
    };
    expect(out.$or[0]._id).toBeInstanceOf(ObjectId);
    expect(out.$or[1].$and[0]._id.$eq).toBeInstanceOf(ObjectId);
    expect(out['healthevent.id']).toBe(hex);
  });

  it('leaves ObjectIds, non-hex strings and field-style objects untouched', () => {
    const id = new ObjectId(hex);
    expect(filterToBson({ _id: id })._id).toBe(id);
    expect(filterToBson({ _id: 'abc' })._id).toBe('abc');
    expect(filterToBson({ _id: { a: hex } })._id).toEqual({ a: hex });
  });

  it('does not mutate the caller’s filter', () => {
    const filter = { _id: { $in: [hex] } };
    filterToBson(filter);
    expect(filter._id.$in[0]).toBe(hex);
  });
});

describe('changeStreamPipelineToBson', () => {
  it("converts the change event's ids in $match stages and leaves everything else as given", () => {
    const pipeline = [
      { $match: { 'documentKey._id': hex, operationType: 'update' } },
      { $match: { $or: [{ 'fullDocument._id': { $in: [hex] } }, { 'fullDocument.healthevent.id': hex }] } },
    ];
    const out = changeStreamPipelineToBson(pipeline) as [
      { $match: { 'documentKey._id': unknown; operationType: string } },
      { $match: { $or: [{ 'fullDocument._id': { $in: unknown[] } }, { 'fullDocument.healthevent.id': unknown }] } },
    ];
    expect(out[0].$match['documentKey._id']).toBeInstanceOf(ObjectId);
    expect(out[0].$match.operationType).toBe('update');
    expect(out[1].$match.$or[0]['fullDocument._id'].$in[0]).toBeInstanceOf(ObjectId);
    expect(out[1].$match.$or[1]['fullDocument.healthevent.id']).toBe(hex);
    expect(pipeline[0].$match['documentKey._id']).toBe(hex); // input untouched
  });

  it('does not treat a document field named _id inside the event as a document id', () => {
    const out = changeStreamPipelineToBson([{ $match: { _id: hex } }]) as [{ $match: { _id: unknown } }];
    expect(out[0].$match._id).toBe(hex); // the event's _id is its resume token, not a document id
  });
});
