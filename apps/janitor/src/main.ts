#!/usr/bin/env node
/** janitor process: the definition, run by service-kit's entry point (exit codes in its README). */
import { runServiceMain } from '@nvsentinel/service-kit';
import { janitorService } from './definition.js';

await runServiceMain(janitorService);
