export { createNodeDrainer, DEFAULT_NODE_DRAINER_OPTIONS } from './service.js';
export type { NodeDrainer, NodeDrainerDeps, NodeDrainerOptions } from './service.js';
export {
  DEFAULT_DRAINER_CONFIG_TOML,
  EvictionMode,
  modeForNamespace,
  parseDrainerConfig,
} from './config/drainer-config.js';
export type { DrainerConfig, NamespaceRule } from './config/drainer-config.js';
export type { DrainTiming } from './drain/drain-context.js';
export { NODE_STATE_LABEL, NodeDrainState, EventReason } from './drain/labels.js';
export { DEVICES_ANNOTATION } from './drain/gpu-devices.js';
export { CLIENT_NAME, nodeQuarantineStatusPipeline } from './stream/pipeline.js';
export { coldStartFilter } from './cold-start.js';
export { DrainConfigError } from './errors.js';
export { nodeDrainerService } from './definition.js';
