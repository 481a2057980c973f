export { startClusterSim, type ClusterSim, type ClusterSimOptions } from './start-cluster-sim.js';
export { ClusterState } from './cluster-state.js';
export { SimClock } from './clock.js';
export { REBOOT_ANNOTATION, type RebootOptions } from './behaviour/node-simulator.js';
export { loadScenarioFile, validateScenario, type Scenario, type ScenarioNode } from './scenario/scenario.js';
export { generateManifests } from './scenario/generate.js';
export { buildKubeconfig } from './kubeconfig.js';
export type { KubeObject, ObjectMeta } from './resources/kube-object.js';
export type { FaultRule } from './api/fault-injection.js';
