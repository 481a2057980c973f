/**
 * Just enough of the MongoDB connection-string format to make start-up decisions (is there a
 * username? a replicaSet? is it an SRV URI?) and to log a URI without its password. The driver
 * still parses the URI itself; this module never rewrites what the user gave, it only reads it.
 *
 * Format: mongodb[+srv]://[user[:password]@]host[:port][,host[:port]…][/[database]][?options]
 */
import { DatastoreError } from '../../errors.js';

export interface MongoUriFacts {
  scheme: 'mongodb' | 'mongodb+srv';
  /** Decoded; undefined when the URI carries no credentials. */
  username: string | undefined;
  hasPassword: boolean;
  hosts: string[];
  /** The database in the path (also the default authSource); undefined when absent. */
  database: string | undefined;
  /** Option names are case-insensitive in MongoDB URIs, so keys are lower-cased here. */
  options: ReadonlyMap<string, string>;
}

const SCHEME = /^(mongodb(?:\+srv)?):\/\//i;

export function parseMongoUri(uri: string): MongoUriFacts {
  const scheme = SCHEME.exec(uri);
  if (!scheme) {
    throw new DatastoreError(
      'configuration',
      `MongoDB URI '${redactMongoUri(uri)}' must start with mongodb:// or mongodb+srv://. Fix MONGODB_URI (or connection.uri).`,
      { provider: 'mongodb' },
    );
  }
  const rest = uri.slice(scheme[0].length);
  // The authority ends at the first '/' or '?'; userinfo cannot contain either unencoded.
  const authorityEnd = firstIndexOf(rest, ['/', '?']);
  const authority = authorityEnd === -1 ? rest : rest.slice(0, authorityEnd);
  const afterAuthority = authorityEnd === -1 ? '' : rest.slice(authorityEnd);

  const at = authority.lastIndexOf('@');
  const userinfo = at === -1 ? undefined : authority.slice(0, at);
  const hostList = at === -1 ? authority : authority.slice(at + 1);
  const hosts = hostList.split(',').filter((h) => h.length > 0);
  if (hosts.length === 0) {
    throw new DatastoreError(
      'configuration',
      `MongoDB URI '${redactMongoUri(uri)}' names no host. Use e.g. mongodb://mongodb-0.mongodb:27017/?replicaSet=rs0.`,
      { provider: 'mongodb' },
    );
  }

  let username: string | undefined;
  let hasPassword = false;
  if (userinfo !== undefined) {
    const colon = userinfo.indexOf(':');
    username = decodeURIComponent(colon === -1 ? userinfo : userinfo.slice(0, colon));
    hasPassword = colon !== -1;
  }

  const query = afterAuthority.indexOf('?');
  const path = query === -1 ? afterAuthority : afterAuthority.slice(0, query);
  const database = path.length > 1 ? decodeURIComponent(path.slice(1)) : undefined;
  const options = new Map<string, string>();
  if (query !== -1) {
    for (const [key, value] of new URLSearchParams(afterAuthority.slice(query + 1))) {
      options.set(key.toLowerCase(), value);
    }
  }
  return {
    scheme: scheme[1].toLowerCase() as MongoUriFacts['scheme'],
    username,
    hasPassword,
    hosts,
    database,
    options,
  };
}

/** The URI with any password replaced by `***`, safe for logs and error messages. */
export function redactMongoUri(uri: string): string {
  return uri.replace(/^([a-z+]+:\/\/[^:/?@]*):[^@/?]*@/i, '$1:***@');
}

function firstIndexOf(text: string, needles: string[]): number {
  const found = needles.map((n) => text.indexOf(n)).filter((i) => i !== -1);
  return found.length === 0 ? -1 : Math.min(...found);
}
