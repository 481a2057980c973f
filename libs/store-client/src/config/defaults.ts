/** Defaults shared by every configuration source (upstream's values). */
export const DEFAULT_DATABASE = 'nvsentinel';
export const DEFAULT_PORTS: Readonly<Record<string, number>> = { mongodb: 27017, postgresql: 5432 };
