import { register } from 'node:module';
import type { NodeSDK, NodeSDKConfiguration } from '@opentelemetry/sdk-node';
import { addLogFields } from './logger.js';

/**
 * OpenTelemetry tracing of a process: `@opentelemetry/sdk-node` with the http (incoming requests
 * and W3C `traceparent` in), undici (every call the gateway, the subgraphs and the connectors make,
 * `traceparent` out) and pg (each SQL statement on Postgres) instrumentations, exporting over OTLP
 * as the standard `OTEL_*` variables say (`OTEL_EXPORTER_OTLP_ENDPOINT`, `OTEL_SERVICE_NAME`, …).
 *
 * Off unless those variables name an exporter: then nothing is loaded and nothing is patched.
 * It must start before the instrumented modules are imported, so every entry calls it first and
 * imports the rest after (`gateway/main.ts`, `subgraphs/<name>/main.ts`, `emulators/main.ts`,
 * `scripts/start.ts`). This module itself imports only `node:module` and the logger (pino).
 */

/** True when the environment asks for traces: an OTLP endpoint, or an exporter other than `none`. */
export function tracingRequested(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return false;
  const exporters = (env.OTEL_TRACES_EXPORTER ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  if (exporters.length > 0) return exporters.some((name) => name !== 'none');
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim());
}

export interface TelemetryOptions {
  /** Where spans go instead of the exporters the environment names (tests: an in-memory exporter). */
  readonly spanProcessors?: NonNullable<NodeSDKConfiguration['spanProcessors']>;
}

let sdk: NodeSDK | undefined;

/** Whether this process started the SDK. */
export const telemetryStarted = (): boolean => sdk !== undefined;

// Requests nobody follows: probes and scrapes would be most of the traces.
const UNTRACED_PATHS = new Set(['/health', '/ready', '/metrics']);

/**
 * Starts tracing when the environment asks for it (or `options` gives span processors); returns
 * whether it did. `service` names the process unless `OTEL_SERVICE_NAME` does.
 */
export async function startTelemetry(service: string, options: TelemetryOptions = {}): Promise<boolean> {
  if (sdk) return true;
  if (!options.spanProcessors && !tracingRequested()) return false;
  // The graph is ESM: its imports of `pg` and `node:http` reach the instrumentations only through
  // import-in-the-middle's loader hook, told (over a message channel) which modules they patch.
  const { createAddHookMessageChannel } = await import('import-in-the-middle');
  const { registerOptions, waitForAllMessagesAcknowledged } = createAddHookMessageChannel();
  register('import-in-the-middle/hook.mjs', import.meta.url, registerOptions);
  // Figures stay Prometheus's (`/metrics`) and logs stay pino's: the SDK exports traces only,
  // unless an operator names a metrics or logs exporter.
  process.env.OTEL_METRICS_EXPORTER ??= 'none';
  process.env.OTEL_LOGS_EXPORTER ??= 'none';
  const [{ NodeSDK }, { HttpInstrumentation }, { UndiciInstrumentation }, { PgInstrumentation }] = await Promise.all([
    import('@opentelemetry/sdk-node'),
    import('@opentelemetry/instrumentation-http'),
    import('@opentelemetry/instrumentation-undici'),
    import('@opentelemetry/instrumentation-pg'),
  ]);
  sdk = new NodeSDK({
    ...(process.env.OTEL_SERVICE_NAME ? {} : { serviceName: service }),
    ...(options.spanProcessors ? { spanProcessors: options.spanProcessors } : {}),
    instrumentations: [
      new HttpInstrumentation({ ignoreIncomingRequestHook: (req) => UNTRACED_PATHS.has((req.url ?? '/').split('?')[0] ?? '/') }),
      // Background work (outbox relays, syncs, probes) has no request to belong to: its calls and
      // the relays' polling statements are left out rather than sent as traces of one span each.
      new UndiciInstrumentation({ requireParentforSpans: true }),
      new PgInstrumentation({ requireParentSpan: true }),
    ],
  });
  sdk.start();
  await waitForAllMessagesAcknowledged();
  // Every log line written inside a span names its trace, to find the line from the trace and back.
  const { trace } = await import('@opentelemetry/api');
  addLogFields(() => {
    const span = trace.getActiveSpan();
    if (!span) return undefined;
    const { traceId, spanId } = span.spanContext();
    return { traceId, spanId };
  });
  return true;
}

/** Sends the spans still buffered and stops the SDK (a process's last step before it exits). */
export async function stopTelemetry(): Promise<void> {
  const started = sdk;
  sdk = undefined;
  await started?.shutdown().catch(() => undefined);
}
