import { pino, type Logger } from 'pino';

export type { Logger };

/** Fields a log line takes from where it was written (the request it serves, the trace it is in). */
export type LogFieldsProvider = () => Record<string, unknown> | undefined;

const providers: LogFieldsProvider[] = [];

/**
 * Adds fields to every line of every logger of the process, read when the line is written: the
 * request id (platform/request-context.ts), a trace id. A provider answers undefined outside
 * whatever it describes, and adds nothing.
 */
export function addLogFields(provider: LogFieldsProvider): void {
  if (!providers.includes(provider)) providers.push(provider);
}

function logFields(): Record<string, unknown> {
  if (providers.length === 1) return providers[0]!() ?? {};
  const fields: Record<string, unknown> = {};
  for (const provider of providers) Object.assign(fields, provider());
  return fields;
}

/** One logger per process; children name the module. Quiet in tests unless LOG_LEVEL says so. */
export function createLogger(name: string, level = process.env.LOG_LEVEL ?? (process.env.VITEST ? 'silent' : 'info')): Logger {
  return pino({ name, level, base: { service: name }, mixin: logFields });
}
