import { describe, expect, it } from 'vitest';
import { applyJsonPatch } from './json-patch.js';
import { applyMergePatch } from './merge-patch.js';
import { applyStrategicMergePatch } from './strategic-merge-patch.js';

describe('merge patch (RFC 7386)', () => {
  it('merges objects, deletes on null, replaces arrays', () => {
    expect(applyMergePatch({ a: { b: 1, c: 2 }, list: [1, 2] }, { a: { b: null, d: 3 }, list: [3] })).toEqual({
      a: { c: 2, d: 3 },
      list: [3],
    });
  });
  it('does not mutate the target', () => {
    const target = { a: { b: 1 } };
    applyMergePatch(target, { a: { b: 2 } });
    expect(target).toEqual({ a: { b: 1 } });
  });
});

describe('JSON patch (RFC 6902)', () => {
  const doc = { metadata: { labels: { 'a/b': 'x' } }, list: [1, 2, 3] };
  it('supports add/remove/replace/move/copy/test with escaped pointers and "-"', () => {
    const result = applyJsonPatch(doc, [
      { op: 'test', path: '/metadata/labels/a~1b', value: 'x' },
      { op: 'add', path: '/list/-', value: 4 },
      { op: 'remove', path: '/list/0' },
      { op: 'replace', path: '/list/0', value: 20 },
      { op: 'copy', from: '/list/0', path: '/copied' },
      { op: 'move', from: '/copied', path: '/moved' },
    ]);
    expect(result).toEqual({ metadata: { labels: { 'a/b': 'x' } }, list: [20, 3, 4], moved: 20 });
  });
  it('fails with 422 on a failed test or a missing path, and 400 on a non-array body', () => {
    expect(() => applyJsonPatch(doc, [{ op: 'test', path: '/list/0', value: 9 }])).toThrow(
      expect.objectContaining({ code: 422 }),
    );
    expect(() => applyJsonPatch(doc, [{ op: 'remove', path: '/nope' }])).toThrow(
      expect.objectContaining({ code: 422 }),
    );
    expect(() => applyJsonPatch(doc, [{ op: 'replace', path: '/list/7', value: 1 }])).toThrow(
      expect.objectContaining({ code: 422 }),
    );
    expect(() => applyJsonPatch(doc, { op: 'add' })).toThrow(expect.objectContaining({ code: 400 }));
  });
});

describe('strategic merge patch', () => {
  const node = {
    metadata: { finalizers: ['a'], labels: { x: '1' } },
    spec: { taints: [{ key: 't1', effect: 'NoSchedule' }] },
    status: {
      conditions: [
        { type: 'Ready', status: 'True' },
        { type: 'Xid', status: 'True' },
      ],
    },
  };
  it('merges conditions by type, unions finalizers and replaces taints', () => {
    const result = applyStrategicMergePatch(
      node,
      {
        metadata: { finalizers: ['b', 'a'] },
        spec: { taints: [{ key: 't2', effect: 'NoExecute' }] },
        status: {
          conditions: [
            { type: 'Xid', status: 'False' },
            { type: 'New', status: 'True' },
          ],
        },
      },
      'Node',
    );
    expect(result).toEqual({
      metadata: { finalizers: ['a', 'b'], labels: { x: '1' } },
      spec: { taints: [{ key: 't2', effect: 'NoExecute' }] },
      status: {
        conditions: [
          { type: 'Ready', status: 'True' },
          { type: 'Xid', status: 'False' },
          { type: 'New', status: 'True' },
        ],
      },
    });
  });
  it('honours $patch: delete, $patch: replace, $deleteFromPrimitiveList and $retainKeys', () => {
    expect(
      applyStrategicMergePatch(node, { status: { conditions: [{ type: 'Xid', $patch: 'delete' }] } }, 'Node'),
    ).toMatchObject({ status: { conditions: [{ type: 'Ready', status: 'True' }] } });
    expect(
      applyStrategicMergePatch(node, { metadata: { labels: { y: '2', $patch: 'replace' } } }, 'Node'),
    ).toMatchObject({ metadata: { labels: { y: '2' } } });
    expect(
      applyStrategicMergePatch(node, { metadata: { '$deleteFromPrimitiveList/finalizers': ['a'] } }, 'Node'),
    ).toMatchObject({ metadata: { finalizers: [] } });
    expect(applyStrategicMergePatch({ spec: { a: 1, b: 2 } }, { spec: { $retainKeys: ['a'], a: 3 } }, 'Node')).toEqual({
      spec: { a: 3 },
    });
  });
  it('merges lists it has no merge key for like a merge patch would (replace)', () => {
    expect(applyStrategicMergePatch({ spec: { other: [1] } }, { spec: { other: [2] } }, 'Foo')).toEqual({
      spec: { other: [2] },
    });
  });
});
