import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { createJwtVerifier, internalIdentityVerifier, issueToken, signInternalIdentity } from './identity.js';

const secret = 'a-test-secret-that-is-long-enough-0123456789';
const verify = createJwtVerifier({ secret });

describe('caller tokens', () => {
  it('reads customers and staff from the claims', async () => {
    expect(await verify(await issueToken(secret, 'cust-1'))).toEqual({ kind: 'customer', customerId: 'cust-1' });
    expect(await verify(await issueToken(secret, 'emp-7', ['manager', 'admin']))).toEqual({ kind: 'staff', staffId: 'emp-7', roles: ['manager', 'admin'] });
  });

  it('refuses other secrets, expired tokens, unknown roles and tokens with no subject', async () => {
    await expect(verify(await issueToken('another-secret-that-is-long-enough-012345', 'x'))).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    await expect(verify(await issueToken(secret, 'x', [], '-1m'))).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    const godMode = await new SignJWT({ roles: ['superuser'] }).setProtectedHeader({ alg: 'HS256' }).setSubject('x').setExpirationTime('1h').sign(new TextEncoder().encode(secret));
    await expect(verify(godMode)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const noSubject = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('1h').sign(new TextEncoder().encode(secret));
    await expect(verify(noSubject)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    await expect(verify('not.a.jwt')).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it('refuses a token with no expiry, or one that lives longer than the maximum of its kind', async () => {
    const key = new TextEncoder().encode(secret);
    const forever = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('cust-1').setIssuedAt().sign(key);
    await expect(verify(forever)).rejects.toMatchObject({ code: 'UNAUTHENTICATED', message: 'Invalid or expired token' });
    // Customers: 24 h by default; staff: 12 h.
    expect(await verify(await issueToken(secret, 'cust-1', [], '24h'))).toEqual({ kind: 'customer', customerId: 'cust-1' });
    await expect(verify(await issueToken(secret, 'cust-1', [], '25h'))).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(await verify(await issueToken(secret, 'emp-1', ['cashier'], '12h'))).toMatchObject({ kind: 'staff' });
    await expect(verify(await issueToken(secret, 'emp-1', ['cashier'], '13h'))).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    // A back-dated or missing `iat` does not stretch the lifetime: it counts from now too.
    const noIat = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('cust-1').setExpirationTime('30d').sign(key);
    await expect(verify(noIat)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    const now = Math.floor(Date.now() / 1000);
    const backDated = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('cust-1').setIssuedAt(now - 3600).setExpirationTime(now + 24 * 3600).sign(key);
    await expect(verify(backDated)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    const short = createJwtVerifier({ secret, maxCustomerTtlSeconds: 3600, maxStaffTtlSeconds: 600 });
    await expect(short(await issueToken(secret, 'cust-1', [], '2h'))).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    await expect(short(await issueToken(secret, 'emp-1', ['admin'], '20m'))).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(await short(await issueToken(secret, 'emp-1', ['admin'], '10m'))).toMatchObject({ kind: 'staff' });
  });

  it('checks issuer and audience when they are configured', async () => {
    const strict = createJwtVerifier({ secret, issuer: 'https://id.example', audience: 'retail-graph' });
    const claims = { issuer: 'https://id.example', audience: 'retail-graph' };
    expect(await strict(await issueToken(secret, 'cust-1', [], '1h', claims))).toEqual({ kind: 'customer', customerId: 'cust-1' });
    await expect(strict(await issueToken(secret, 'cust-1', [], '1h'))).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    await expect(strict(await issueToken(secret, 'cust-1', [], '1h', { ...claims, audience: 'another-app' }))).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    await expect(strict(await issueToken(secret, 'cust-1', [], '1h', { ...claims, issuer: 'https://evil.example' }))).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it('refuses the none algorithm', async () => {
    const header = Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url');
    const body = Buffer.from(JSON.stringify({ sub: 'admin', roles: ['admin'] })).toString('base64url');
    await expect(verify(`${header}.${body}.`)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });
});

describe('the gateway-signed identity', () => {
  it('round-trips and refuses anything not signed by the gateway', async () => {
    const verifyInternalIdentity = (token: string | undefined) => internalIdentityVerifier(secret)(token);
    const identity = { kind: 'staff', staffId: 's', roles: ['cashier'] } as const;
    expect(await verifyInternalIdentity(await signInternalIdentity(identity, secret))).toEqual(identity);
    await expect(verifyInternalIdentity(undefined)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    await expect(verifyInternalIdentity(await issueToken(secret, 'cust-1'))).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    await expect(verifyInternalIdentity(await signInternalIdentity(identity, `${secret}x`))).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it('is checked once per signed identity by a subgraph, and a refused one stays refused', async () => {
    const verifyAtSubgraph = internalIdentityVerifier(secret);
    const identity = { kind: 'customer', customerId: 'cust-9' } as const;
    const signed = await signInternalIdentity(identity, secret);
    expect(await verifyAtSubgraph(signed)).toEqual(identity);
    expect(await verifyAtSubgraph(signed)).toEqual(identity);
    const forged = await signInternalIdentity({ kind: 'staff', staffId: 's', roles: ['admin'] }, `${secret}x`);
    for (let i = 0; i < 2; i++) await expect(verifyAtSubgraph(forged)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    await expect(verifyAtSubgraph(undefined)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    // A token signed for another hop (a caller's own JWT) is not an identity, remembered or not.
    await expect(verifyAtSubgraph(await issueToken(secret, 'cust-1'))).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });
});
