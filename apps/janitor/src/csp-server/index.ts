/** janitor-provider (the CSP provider gRPC server) and the client janitor's controllers use. */
export { CLIENT_NAME, createCspProviderServer, type CspProviderServer, type CspProviderServerDeps } from './server.js';
export { CSP_NAMES, settingsSchema, type CspName, type CspProviderSettings } from './settings.js';
export { CspProviderClient, type CspCallError, type CspProviderClientOptions } from './client.js';
export { createProvider, type ProviderFactoryOptions } from './provider-factory.js';
export { cspProviderService } from './grpc-service.js';
export { ERROR_CODE_METADATA, grpcStatusOf } from './status-codes.js';
export type { CspProvider } from '../providers/provider.js';
export * from '../providers/errors.js';
export { janitorProviderService } from './definition.js';
