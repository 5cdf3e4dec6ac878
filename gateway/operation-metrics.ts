import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { parse } from 'graphql';
import { Counter, Histogram, register } from 'prom-client';
import { ERROR_CODES } from '../platform/errors.js';
import type { OperationManifest } from './safelist.js';

/**
 * The gateway's figures per operation: `gateway_operation_seconds{operation}` (from the request's
 * start in Apollo Server to its answer) and `gateway_errors_total{code}` (each error of an answer,
 * by `extensions.code`). Labels stay bounded: an operation is named only when it is one of the
 * clients' documents (the manifest), any other is `other`; a code outside the closed set and
 * Apollo Server's own is `OTHER`.
 */

const operationSeconds =
  (register.getSingleMetric('gateway_operation_seconds') as Histogram<string> | undefined) ??
  new Histogram({ name: 'gateway_operation_seconds', help: 'Time to answer each operation at the gateway, by client operation name (other: any operation not in the clients’ documents)', labelNames: ['operation'], buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });

const errorsTotal =
  (register.getSingleMetric('gateway_errors_total') as Counter<string> | undefined) ??
  new Counter({ name: 'gateway_errors_total', help: 'Errors in the gateway’s answers, by extensions.code', labelNames: ['code'] });

/** Apollo Server's own codes, beside the graph's closed set. */
const APOLLO_CODES = ['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_REQUEST', 'PERSISTED_QUERY_NOT_FOUND', 'PERSISTED_QUERY_NOT_SUPPORTED', 'OPERATION_RESOLUTION_FAILURE'];
const KNOWN_CODES = new Set<string>([...ERROR_CODES, ...APOLLO_CODES]);

/** Counts the errors of an answer by code (the gateway's own refusals before Apollo Server, too). */
export function countErrors(errors: readonly { extensions?: Record<string, unknown> | undefined }[] | undefined): void {
  for (const error of errors ?? []) {
    const code = error.extensions?.code;
    errorsTotal.inc({ code: typeof code === 'string' && KNOWN_CODES.has(code) ? code : 'OTHER' });
  }
}

/** The operation names of the clients' documents. */
export function clientOperationNames(manifest: OperationManifest): Set<string> {
  const names = new Set<string>();
  for (const text of manifest.values()) {
    for (const definition of parse(text).definitions) {
      if (definition.kind === 'OperationDefinition' && definition.name) names.add(definition.name.value);
    }
  }
  return names;
}

export function operationMetricsPlugin<TContext extends BaseContext>(known: ReadonlySet<string>): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      const stop = operationSeconds.startTimer();
      return {
        async willSendResponse({ response, operationName, request }) {
          const name = operationName ?? request.operationName ?? undefined;
          stop({ operation: name !== undefined && known.has(name) ? name : 'other' });
          if (response.body.kind === 'single') countErrors(response.body.singleResult.errors as { extensions?: Record<string, unknown> }[] | undefined);
        },
      };
    },
  };
}
