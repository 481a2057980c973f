export * from './arbitraries.js';
export { sampleHealthEvent } from '../model/sample.js';
