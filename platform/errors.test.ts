import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { AppError, formatError } from './errors.js';

const format = (error: unknown) => formatError(error instanceof GraphQLError ? { message: error.message, extensions: error.extensions } : { message: String(error) }, error);

describe('error formatting', () => {
  it('keeps the code, message and safe details of our errors', () => {
    const wrapped = new GraphQLError('x', { originalError: new AppError('INSUFFICIENT_BONUSES', 'Only 40 bonuses available', { available: 40 }) });
    expect(format(wrapped)).toEqual({ message: 'Only 40 bonuses available', extensions: { code: 'INSUFFICIENT_BONUSES', available: 40 } });
  });

  it('masks anything unexpected: no message, stack, SQL or URL reaches the client', () => {
    const leak = new GraphQLError('select * from customer.customers failed at http://10.0.0.5:5432', {
      originalError: new Error('select * from customer.customers'),
      extensions: { code: 'INTERNAL_SERVER_ERROR', stacktrace: ['at x'] },
    });
    expect(format(leak)).toEqual({ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } });
    expect(format(new GraphQLError('weird', { extensions: { code: 'SOMETHING_ELSE' } }))).toMatchObject({ message: 'Internal server error' });
  });

  it('keeps graphql-js request errors as they are', () => {
    const parse = new GraphQLError('Syntax Error: Expected Name', { extensions: { code: 'GRAPHQL_PARSE_FAILED' } });
    expect(format(parse)).toEqual({ message: 'Syntax Error: Expected Name', extensions: { code: 'GRAPHQL_PARSE_FAILED' } });
  });

  it('a database that dropped the connection or was too busy, or an upstream that is down, is UPSTREAM_UNAVAILABLE with nothing of the cause', () => {
    const pgError = (code: string, message: string) => Object.assign(new Error(message), { code, severity: 'FATAL' });
    for (const cause of [
      pgError('57P01', 'terminating connection due to administrator command'),
      pgError('08006', 'connection failure'),
      pgError('40001', 'could not serialize access due to concurrent update'),
      pgError('40P01', 'deadlock detected'),
      new Error('Connection terminated unexpectedly'),
      new Error('Client has encountered a connection error and is not queryable'),
      Object.assign(new Error('bonusplus: 503'), { name: 'UpstreamUnavailableError' }),
    ]) {
      const shown = format(new GraphQLError(cause.message, { originalError: cause, extensions: { code: 'INTERNAL_SERVER_ERROR' } }));
      expect(shown.extensions).toEqual({ code: 'UPSTREAM_UNAVAILABLE' });
      expect(shown.message).not.toContain(cause.message);
    }
    // A constraint violation is a bug of ours, not a moment's trouble: still masked as internal.
    const bug = Object.assign(new Error('duplicate key value violates unique constraint'), { code: '23505' });
    expect(format(new GraphQLError(bug.message, { originalError: bug })).extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR' });
  });
});
