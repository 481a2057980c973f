#!/usr/bin/env node
/** csp-health-monitor process: the definition, run by service-kit's entry point (exit codes in its README). */
import { runServiceMain } from '@nvsentinel/service-kit';
import { cspHealthMonitorService } from './definition.js';

await runServiceMain(cspHealthMonitorService);
