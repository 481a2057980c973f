/** Test helpers for every project: `@nvsentinel/service-kit/testing` (source-only, never built). */
export { eventually, type EventuallyOptions } from './eventually.js';
