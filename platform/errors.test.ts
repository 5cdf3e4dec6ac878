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
});
