export * from './types.js';
export * from './paths.js';
export { newHealthEventStatus, statusToDocument, statusFromDocument } from './status-document.js';
export { toDocument, fromDocument, healthEventToDocument, healthEventFromDocument } from './health-event-document.js';
export { maintenanceEventToDocument, maintenanceEventFromDocument } from './maintenance-document.js';
