/**
 * Which datastore the stack runs on. Without any datastore variable it is the embedded provider
 * (PostgreSQL in this process on PGlite): nothing to install. Any of the variables the services
 * themselves read (DATASTORE_*, DATASTORE_YAML(_PATH), legacy MONGODB_URI) switches to that server.
 */
import { describeConfig, loadDatastoreConfig, type DataStoreConfig } from '@nvsentinel/store-client';

const SELECTING_VARIABLES = ['DATASTORE_PROVIDER', 'DATASTORE_YAML', 'DATASTORE_YAML_PATH', 'MONGODB_URI'] as const;

export interface DatastoreChoice {
  config: DataStoreConfig;
  /** One line for the banner, without secrets. */
  description: string;
  /**
   * The embedded database lives inside one process, so every service must run in that process;
   * a server-backed provider lets each service run as its own process, as in Kubernetes.
   */
  shareableAcrossProcesses: boolean;
}

export function chooseDatastore(env: NodeJS.ProcessEnv = process.env): DatastoreChoice {
  const selected = SELECTING_VARIABLES.some((name) => (env[name] ?? '') !== '');
  // In memory by default: the simulated cluster is in memory too, so both start clean together.
  // DATASTORE_DATA_DIR keeps the events on disk across restarts.
  const config = loadDatastoreConfig(selected ? env : { ...env, DATASTORE_PROVIDER: 'embedded' });
  return { config, description: describeConfig(config), shareableAcrossProcesses: config.provider !== 'embedded' };
}
