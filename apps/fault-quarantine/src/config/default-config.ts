import { fileURLToPath } from 'node:url';

/**
 * The shipped default config (upstream's chart defaults). It sits outside src/ so the same
 * relative path works from src/ (tests) and dist/ (the built service).
 */
export const DEFAULT_CONFIG_PATH = fileURLToPath(new URL('../../config/default-config.toml', import.meta.url));
