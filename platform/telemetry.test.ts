import { createRequire } from 'node:module';
import { trace } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { startTelemetry, telemetryStarted, tracingRequested } from './telemetry.js';

describe('telemetry', () => {
  it('is asked for by an OTLP endpoint or a traces exporter other than none, and never when the SDK is disabled', () => {
    expect(tracingRequested({})).toBe(false);
    expect(tracingRequested({ OTEL_SERVICE_NAME: 'gateway' })).toBe(false);
    expect(tracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toBe(true);
    expect(tracingRequested({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' })).toBe(true);
    expect(tracingRequested({ OTEL_TRACES_EXPORTER: 'console' })).toBe(true);
    expect(tracingRequested({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toBe(false);
    expect(tracingRequested({ OTEL_SDK_DISABLED: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toBe(false);
  });

  it('with no OTEL_* variable, starts nothing: no SDK loaded, spans are not recorded', async () => {
    for (const name of Object.keys(process.env)) if (name.startsWith('OTEL_')) delete process.env[name];
    expect(await startTelemetry('gateway')).toBe(false);
    expect(telemetryStarted()).toBe(false);
    expect(trace.getTracer('test').startSpan('a request').isRecording()).toBe(false);
    const loaded = Object.keys(createRequire(import.meta.url).cache);
    expect(loaded.filter((path) => /@opentelemetry[\\/](sdk-node|instrumentation)/.test(path) || /import-in-the-middle/.test(path))).toEqual([]);
    expect(process.env.OTEL_METRICS_EXPORTER).toBeUndefined();
  });
});
