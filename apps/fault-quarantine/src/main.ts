#!/usr/bin/env node
/** fault-quarantine process: the definition, run by service-kit's entry point (exit codes in its README). */
import { runServiceMain } from '@nvsentinel/service-kit';
import { faultQuarantineService } from './definition.js';

await runServiceMain(faultQuarantineService);
