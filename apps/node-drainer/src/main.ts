#!/usr/bin/env node
/** node-drainer process: the definition, run by service-kit's entry point (exit codes in its README). */
import { runServiceMain } from '@nvsentinel/service-kit';
import { nodeDrainerService } from './definition.js';

await runServiceMain(nodeDrainerService);
