#!/usr/bin/env node
/** fault-remediation process: the definition, run by service-kit's entry point (exit codes in its README). */
import { runServiceMain } from '@nvsentinel/service-kit';
import { faultRemediationService } from './definition.js';

await runServiceMain(faultRemediationService);
