#!/usr/bin/env node
/** health-events-analyzer process: the definition, run by service-kit's entry point (exit codes in its README). */
import { runServiceMain } from '@nvsentinel/service-kit';
import { healthEventsAnalyzerService } from './definition.js';

await runServiceMain(healthEventsAnalyzerService);
