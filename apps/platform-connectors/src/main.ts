#!/usr/bin/env node
/** platform-connectors process: the definition, run by service-kit's entry point (exit codes in its README). */
import { runServiceMain } from '@nvsentinel/service-kit';
import { platformConnectorsService } from './definition.js';

await runServiceMain(platformConnectorsService);
