/**
 * Change streams read the oplog, which only replica sets (and sharded clusters) have. A standalone
 * mongod rejects `$changeStream` with a terse server error (code 40573), so before the first
 * watch we look at the server's `hello` reply and the URI, and a refusal is reported with an
 * error that says what to do.
 *
 * Why not reject every URI without `replicaSet=`: a mongodb+srv URI gets the set name from DNS TXT,
 * and a single-host URI to a replica-set member works (the driver discovers the set). Only a server
 * that is really standalone is an error.
 */
import { DatastoreError } from '../../errors.js';
import { PROVIDER_NAME } from './defaults.js';
import { redactMongoUri, type MongoUriFacts } from './uri.js';

/** The fields of the server's `hello` reply that describe its topology. */
export interface HelloTopology {
  setName?: string;
  /** 'isdbgrid' on mongos. */
  msg?: string;
}

export type TopologyVerdict = { ok: true; warning?: string } | { ok: false; error: DatastoreError };

/** Server code for "$changeStream is only supported on replica sets". */
export const CHANGE_STREAM_NEEDS_REPLICA_SET_CODE = 40573;

export function checkChangeStreamTopology(uri: string, facts: MongoUriFacts, hello: HelloTopology): TopologyVerdict {
  if (hello.msg === 'isdbgrid') return { ok: true };
  if (hello.setName) {
    const named = facts.options.get('replicaset');
    if (!named && facts.scheme !== 'mongodb+srv' && facts.options.get('directconnection') === 'true') {
      return {
        ok: true,
        warning:
          `connected directly to one member of replica set '${hello.setName}'; change streams work, but a ` +
          `primary failover will not be followed. Add replicaSet=${hello.setName} to MONGODB_URI and drop directConnection.`,
      };
    }
    return { ok: true };
  }
  return { ok: false, error: replicaSetRequiredError(uri, facts) };
}

export function replicaSetRequiredError(uri: string, facts: MongoUriFacts, cause?: unknown): DatastoreError {
  const uriHint = facts.options.has('replicaset')
    ? ''
    : ' The URI has no replicaSet parameter, which is the usual sign of connecting to a standalone server.';
  return new DatastoreError(
    'configuration',
    `change streams need a MongoDB replica set, but '${redactMongoUri(uri)}' reaches a standalone server.${uriHint} ` +
      'Start mongod with --replSet rs0, run rs.initiate() once, and add ?replicaSet=rs0 to MONGODB_URI ' +
      "(a single-node replica set is enough, e.g. 'docker run -p 27017:27017 mongo:8 --replSet rs0').",
    { provider: PROVIDER_NAME, cause },
  );
}
