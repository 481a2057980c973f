export { startLocalStack, type LocalStack, type LocalStackOptions, type StackMode } from './stack/local-stack.js';
export { chooseDatastore, type DatastoreChoice } from './stack/datastore-choice.js';
export { localScenario, LOCAL_NODE_COUNT, type LocalScenario } from './stack/cluster-scenario.js';
export { stackPaths, type StackPaths } from './stack/paths.js';
export {
  DEFAULT_PORTS,
  ANY_FREE_PORTS,
  type StackPorts,
  type StackEndpoints,
  type ServiceEndpoint,
} from './stack/stack-types.js';
export { NODE_DRAINER_CONFIG_PATH, FAULT_QUARANTINE_CONFIG_PATH, NVSENTINEL_NAMESPACE } from './stack/local-config.js';
export { followCluster, type ClusterProgress } from './progress/cluster-progress.js';
export { followDatastore, type DatastoreProgress } from './progress/datastore-progress.js';
export {
  formatProgressLine,
  terminalSink,
  type ProgressLine,
  type ProgressSink,
  type ProgressKind,
} from './progress/progress-line.js';
