import { describe, expect, it } from 'vitest';

import { isDatastoreError } from '../../errors.js';
import { parseMongoUri, redactMongoUri } from './uri.js';

describe('parseMongoUri', () => {
  it('reads hosts, credentials, database and case-insensitive options', () => {
    const facts = parseMongoUri(
      'mongodb://app%40corp:s3cr%2Ft@m0:27017,m1:27017/HealthEventsDatabase?replicaSet=rs0&AuthSource=admin',
    );
    expect(facts.scheme).toBe('mongodb');
    expect(facts.username).toBe('app@corp');
    expect(facts.hasPassword).toBe(true);
    expect(facts.hosts).toEqual(['m0:27017', 'm1:27017']);
    expect(facts.database).toBe('HealthEventsDatabase');
    expect(facts.options.get('replicaset')).toBe('rs0');
    expect(facts.options.get('authsource')).toBe('admin');
  });

  it('accepts a URI without credentials, path or options', () => {
    const facts = parseMongoUri('mongodb://localhost:27017');
    expect(facts).toMatchObject({
      username: undefined,
      hasPassword: false,
      hosts: ['localhost:27017'],
      database: undefined,
    });
    expect(facts.options.size).toBe(0);
  });

  it('recognises SRV URIs and options directly after the host list', () => {
    const facts = parseMongoUri('mongodb+srv://cluster0.example.net?retryWrites=true');
    expect(facts.scheme).toBe('mongodb+srv');
    expect(facts.hosts).toEqual(['cluster0.example.net']);
    expect(facts.options.get('retrywrites')).toBe('true');
  });

  it('rejects other schemes and empty host lists with a configuration error', () => {
    expect(() => parseMongoUri('postgres://x')).toThrow(/must start with mongodb:\/\//);
    try {
      parseMongoUri('mongodb:///db');
      expect.unreachable();
    } catch (err) {
      expect(isDatastoreError(err, 'configuration')).toBe(true);
      expect((err as Error).message).toMatch(/names no host/);
    }
  });
});

describe('redactMongoUri', () => {
  it('hides the password and keeps everything else', () => {
    expect(redactMongoUri('mongodb://user:pa:ss@h:1/db?x=1')).toBe('mongodb://user:***@h:1/db?x=1');
    expect(redactMongoUri('mongodb+srv://user:p@h')).toBe('mongodb+srv://user:***@h');
  });

  it('leaves URIs without a password alone', () => {
    expect(redactMongoUri('mongodb://user@h/db')).toBe('mongodb://user@h/db');
    expect(redactMongoUri('mongodb://h:27017/db')).toBe('mongodb://h:27017/db');
  });
});
