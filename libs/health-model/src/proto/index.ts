export * from './convert.js';
/** The generated protobuf-es schemas (HealthEventsSchema, PlatformConnector, …) under one name. */
export * as proto from '../gen/health_event_pb.js';
