export { cspHealthMonitorService } from './definition.js';
export { maintenanceNotifierService } from './notifier/definition.js';
export { loadCspConfig } from './config/load.js';
export { createCspHealthMonitor } from './monitor/service.js';
export type { CspHealthMonitor, CspHealthMonitorDeps, PollReport } from './monitor/service.js';
export { settingsSchema as monitorSettingsSchema } from './monitor/settings.js';
export { createMaintenanceNotifier } from './notifier/service.js';
export type { MaintenanceNotifier, MaintenanceNotifierDeps } from './notifier/service.js';
export { settingsSchema as notifierSettingsSchema } from './notifier/settings.js';
export { parseCspConfig, DEFAULT_SIM_CONFIGMAP } from './config/csp-config.js';
export type { CspConfig, CspName, GcpConfig, AwsConfig, SimConfig } from './config/csp-config.js';
export { scheduleSimMaintenance, cancelSimMaintenance, readSimWindows } from './csp/sim/schedule.js';
export type { SimWindow, ScheduleSimMaintenanceInput } from './csp/sim/schedule.js';
export { listMaintenanceEvents } from './list.js';
export type { ListMaintenanceEventsOptions } from './list.js';
export { AGENT, CHECK_NAME, TRIGGER_KEY_METADATA } from './notifier/trigger-event.js';
export * from './errors.js';

/** Change-stream client name (neither process uses a change stream; kept for the service shape). */
export const CLIENT_NAME = 'csp-health-monitor';
