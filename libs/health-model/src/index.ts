export * from './model/types.js';
export { sampleHealthEvent } from './model/sample.js';
export * from './model/enums.js';
export * from './model/timestamp.js';
export * from './errors.js';
export * from './validation/index.js';
export * from './document/index.js';
export * from './proto/index.js';
