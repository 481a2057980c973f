import { describe, expect, it } from 'vitest';

import { checkChangeStreamTopology } from './replica-set.js';
import { parseMongoUri } from './uri.js';

const verdict = (uri: string, hello: { setName?: string; msg?: string }) =>
  checkChangeStreamTopology(uri, parseMongoUri(uri), hello);

describe('checkChangeStreamTopology', () => {
  it('accepts replica-set members and mongos', () => {
    expect(verdict('mongodb://m0/?replicaSet=rs0', { setName: 'rs0' })).toEqual({ ok: true });
    expect(verdict('mongodb+srv://c.example.net', { setName: 'atlas-x' })).toEqual({ ok: true });
    expect(verdict('mongodb://m0/', { setName: 'rs0' })).toEqual({ ok: true });
    expect(verdict('mongodb://router/', { msg: 'isdbgrid' })).toEqual({ ok: true });
  });

  it('warns when connected directly to one member (no failover)', () => {
    const v = verdict('mongodb://m0/?directConnection=true', { setName: 'rs0' });
    expect(v.ok && v.warning).toMatch(/replicaSet=rs0/);
  });

  it('explains that change streams need a replica set when the server is standalone', () => {
    const v = verdict('mongodb://admin:secret@m0:27017/', {});
    expect(v.ok).toBe(false);
    if (v.ok) return;
    expect(v.error.code).toBe('configuration');
    expect(v.error.message).toMatch(/change streams need a MongoDB replica set/);
    expect(v.error.message).toMatch(/no replicaSet parameter/);
    expect(v.error.message).toMatch(/--replSet rs0/);
    expect(v.error.message).not.toMatch(/secret/);
  });
});
