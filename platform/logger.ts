import { pino, type Logger } from 'pino';

export type { Logger };

/** One logger per process; children name the module. Quiet in tests unless LOG_LEVEL says so. */
export function createLogger(name: string, level = process.env.LOG_LEVEL ?? (process.env.VITEST ? 'silent' : 'info')): Logger {
  return pino({ name, level, base: { service: name } });
}
