#!/usr/bin/env node
/** janitor-provider process: the definition, run by service-kit's entry point (exit codes in its README). */
import { runServiceMain } from '@nvsentinel/service-kit';
import { janitorProviderService } from './definition.js';

await runServiceMain(janitorProviderService);
