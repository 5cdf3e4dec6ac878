import type { IncomingMessage } from 'node:http';
import { parse, type OperationDefinitionNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import { ANONYMOUS } from '../platform/identity.js';
import { clientAddress, createRateLimits, moneyAndAccountFields, type RateLimitSettings } from './rate-limits.js';

const request = (remoteAddress: string, forwardedFor?: string) =>
  ({ socket: { remoteAddress }, headers: forwardedFor ? { 'x-forwarded-for': forwardedFor } : {} }) as unknown as IncomingMessage;

describe('the caller address', () => {
  it("is the socket's unless proxies are trusted; then the entry the outermost one appended, never what the client wrote", () => {
    expect(clientAddress(request('10.0.0.9', '1.2.3.4'), 0)).toBe('10.0.0.9');
    expect(clientAddress(request('10.0.0.9', '6.6.6.6, 1.2.3.4'), 1)).toBe('1.2.3.4');
    expect(clientAddress(request('10.0.0.9', '6.6.6.6, 1.2.3.4, 10.0.0.2'), 2)).toBe('1.2.3.4');
    expect(clientAddress(request('10.0.0.9'), 1)).toBe('10.0.0.9');
    expect(clientAddress(request('::ffff:10.0.0.9'), 0)).toBe('10.0.0.9');
  });

  it('is one /64 for every IPv6 address in it, however it is spelled', () => {
    const a = clientAddress(request('2001:db8:0:1::1'), 0);
    expect(a).toBe('2001:db8:0:1::/64');
    expect(clientAddress(request('2001:0db8:0000:0001:ffff:1:2:3'), 0)).toBe(a);
    expect(clientAddress(request('2001:db8:0:2::1'), 0)).not.toBe(a);
    expect(clientAddress(request('::1'), 0)).toBe('0:0:0:0::/64');
  });
});

// Toy operations, not clients' documents: only their root fields' shape matters to the counting.
describe('money and account root fields', () => {
  const fieldsOf = (source: string) => {
    const document = parse(source);
    const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === 'OperationDefinition')!;
    return moneyAndAccountFields(operation, document).map((f) => f.alias?.value ?? f.name.value);
  };

  it('counts aliases, fragments and inline fragments, once per place they run', () => {
    expect(fieldsOf(`mutation { a: placeOrder(input: $i) { x } b: placeOrder(input: $i) { x } }`)).toEqual(['a', 'b']);
    expect(fieldsOf(`mutation { ...F ... on Mutation { recordPayment(input: $p) { x } } } fragment F on Mutation { cancelOrder(input: $c) { x } }`)).toEqual(['cancelOrder', 'recordPayment']);
    expect(fieldsOf(`mutation { registerCustomer(input: $r) { x } returnOrderLines(input: $r) @skip(if: true) { x } }`)).toHaveLength(2);
  });

  it('leaves other mutations and every query alone', () => {
    expect(fieldsOf(`mutation { syncCatalog { x } importShowroomCustomers { x } placeOrder(input: $i) { x } }`)).toEqual(['placeOrder']);
    expect(fieldsOf(`query { placeOrder: me { id } }`)).toEqual([]);
  });
});

const SETTINGS: RateLimitSettings = {
  windowSeconds: 60,
  perCustomer: 100,
  perStaff: 100,
  perAnonymousAddress: 3,
  registrationsPerAddress: 100,
  registrationsPerPhone: 100,
  failedTokensPerAddress: 100,
  trustedProxies: 0,
};

describe('the limits without their store', () => {
  it('a Redis that cannot be reached neither refuses everyone nor lets everyone through: each process counts alone', async () => {
    const limits = createRateLimits({ ...SETTINGS, redisUrl: 'redis://127.0.0.1:9', keyPrefix: 'unreachable' });
    try {
      await limits.ready();
      const answers = [];
      for (let i = 0; i < 4; i++) answers.push((await limits.admit(request('10.9.0.1'), async () => ANONYMOUS))?.status);
      expect(answers).toEqual([undefined, undefined, undefined, 429]);
    } finally {
      await limits.close();
    }
  });
});
