import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { requestIdFor, traceIdOf } from './request-context.js';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const request = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;

describe('request ids', () => {
  it('take the trace id of a valid traceparent only', () => {
    expect(traceIdOf(`00-${TRACE}-00f067aa0ba902b7-01`)).toBe(TRACE);
    // A later version may append fields; version 00 may not.
    expect(traceIdOf(`01-${TRACE}-00f067aa0ba902b7-01-more`)).toBe(TRACE);
    for (const bad of [
      `00-${TRACE}-00f067aa0ba902b7-01-more`,
      `ff-${TRACE}-00f067aa0ba902b7-01`,
      `00-${'0'.repeat(32)}-00f067aa0ba902b7-01`,
      `00-${TRACE}-${'0'.repeat(16)}-01`,
      `00-${TRACE.toUpperCase()}-00f067aa0ba902b7-01`,
      `00-${TRACE.slice(1)}-00f067aa0ba902b7-01`,
      '',
      undefined,
    ]) {
      expect(traceIdOf(bad), String(bad)).toBeUndefined();
    }
  });

  it('at the gateway: never the caller’s x-request-id; in a subgraph: the graph’s, when it has the graph’s shape', () => {
    const sent = '9b2c6d1e-4f3a-4b5c-8d7e-0f1a2b3c4d5e';
    expect(requestIdFor(request({ 'x-request-id': sent }), 'edge')).not.toBe(sent);
    expect(requestIdFor(request({ 'x-request-id': sent }), 'inner')).toBe(sent);
    expect(requestIdFor(request({ 'x-request-id': TRACE }), 'inner')).toBe(TRACE);
    for (const forged of ['x'.repeat(500), 'not an id', `${sent}\nlevel=error`, '<script>']) {
      const id = requestIdFor(request({ 'x-request-id': forged }), 'inner');
      expect(id, forged).not.toBe(forged);
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
    }
    expect(requestIdFor(request({ traceparent: `00-${TRACE}-00f067aa0ba902b7-01` }), 'edge')).toBe(TRACE);
  });
});
