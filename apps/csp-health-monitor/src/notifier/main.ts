#!/usr/bin/env node
/** maintenance-notifier process: the definition, run by service-kit's entry point (exit codes in its README). */
import { runServiceMain } from '@nvsentinel/service-kit';
import { maintenanceNotifierService } from './definition.js';

await runServiceMain(maintenanceNotifierService);
