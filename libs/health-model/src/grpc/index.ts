/**
 * `@nvsentinel/health-model/grpc`: the PlatformConnector gRPC service and a client of it. A subpath
 * of its own so that importing the model does not load grpc-js.
 */
export {
  EMPTY,
  HEALTH_EVENT_OCCURRED_PATH,
  healthEventOccurredV1,
  platformConnectorService,
} from './platform-connector-service.js';
export {
  connectPlatformConnector,
  platformConnectorTarget,
  type PlatformConnectorClient,
  type SendOptions,
} from './platform-connector-client.js';
