import { createRemoteJWKSet, jwtVerify, SignJWT, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { z } from 'zod';
import type { Config } from './config.js';
import { forbidden, unauthenticated } from './errors.js';

export const STAFF_ROLES = ['manager', 'cashier', 'admin'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

/** Who is calling, as the gateway established it. */
export type Identity =
  | { readonly kind: 'anonymous' }
  | { readonly kind: 'customer'; readonly customerId: string }
  | { readonly kind: 'staff'; readonly staffId: string; readonly roles: readonly StaffRole[] }
  /** Another subgraph calling an internal operation (stock holds for checkout, say). Never from a caller's token. */
  | { readonly kind: 'service'; readonly service: string };

export const ANONYMOUS: Identity = Object.freeze({ kind: 'anonymous' });

/** The header that carries the gateway-signed identity to subgraphs. */
export const IDENTITY_HEADER = 'x-retail-identity';
const INTERNAL_AUDIENCE = 'retail-graph:subgraphs';
const INTERNAL_ISSUER = 'retail-graph:gateway';

const claimsSchema = z.object({
  sub: z.string().min(1).max(200),
  roles: z.array(z.string()).optional(),
});

function identityFromClaims(payload: JWTPayload): Identity {
  const claims = claimsSchema.safeParse(payload);
  if (!claims.success) throw unauthenticated('Token has no valid subject');
  const roles = (claims.data.roles ?? []).filter((r): r is StaffRole => (STAFF_ROLES as readonly string[]).includes(r));
  if (claims.data.roles && claims.data.roles.length > 0) {
    if (roles.length === 0) throw forbidden('Token carries no known staff role');
    return { kind: 'staff', staffId: claims.data.sub, roles };
  }
  return { kind: 'customer', customerId: claims.data.sub };
}

export interface JwtVerifierOptions {
  readonly secret: string;
  readonly jwksUrl?: string | undefined;
  readonly issuer?: string | undefined;
  readonly audience?: string | undefined;
  /** The longest a customer's token may live, from its `iat` (or from now) to its `exp` (JWT_MAX_CUSTOMER_TTL_HOURS, 24 h). */
  readonly maxCustomerTtlSeconds?: number | undefined;
  /** The same for staff (JWT_MAX_STAFF_TTL_HOURS, 12 h): staff tokens reach every customer. */
  readonly maxStaffTtlSeconds?: number | undefined;
}

export const DEFAULT_MAX_CUSTOMER_TTL_SECONDS = 24 * 3600;
export const DEFAULT_MAX_STAFF_TTL_SECONDS = 12 * 3600;

/**
 * A stolen token is good until it expires: one with no `exp`, or an `exp` years away, is good for
 * ever. The lifetime counts from `iat` and from now, so neither a back-dated nor a missing `iat`
 * stretches it.
 */
function checkLifetime(payload: JWTPayload, identity: Identity, options: JwtVerifierOptions): void {
  if (typeof payload.exp !== 'number') throw unauthenticated('Token has no expiry');
  const max = identity.kind === 'staff' ? (options.maxStaffTtlSeconds ?? DEFAULT_MAX_STAFF_TTL_SECONDS) : (options.maxCustomerTtlSeconds ?? DEFAULT_MAX_CUSTOMER_TTL_SECONDS);
  const now = Math.floor(Date.now() / 1000);
  const issuedAt = typeof payload.iat === 'number' ? Math.min(payload.iat, now) : now;
  if (payload.exp - issuedAt > max) throw unauthenticated('Token lives longer than allowed');
}

/**
 * Verifies a caller's bearer token (HS256 with the shared secret, or RS/ES keys from a JWKS URL)
 * and turns its claims into an Identity. `sub` is the customer id for customers; a token with
 * `roles` is staff.
 */
export function createJwtVerifier(options: JwtVerifierOptions): (token: string) => Promise<Identity> {
  const key: Uint8Array | JWTVerifyGetKey = options.jwksUrl
    ? createRemoteJWKSet(new URL(options.jwksUrl))
    : new TextEncoder().encode(options.secret);
  const verifyOptions = {
    ...(options.issuer ? { issuer: options.issuer } : {}),
    ...(options.audience ? { audience: options.audience } : {}),
    ...(options.jwksUrl ? {} : { algorithms: ['HS256'] }),
    requiredClaims: ['exp'],
  };
  return rememberVerified(async (token) => {
    try {
      const { payload } = await jwtVerify(token, key as Uint8Array, verifyOptions);
      const identity = identityFromClaims(payload);
      checkLifetime(payload, identity, options);
      return { identity, expiresAt: payload.exp };
    } catch (error) {
      if (error instanceof Error && error.name === 'AppError') throw error;
      throw unauthenticated('Invalid or expired token');
    }
  });
}

/** The caller-token verifier of the configuration, the same for every entry that starts a gateway. */
export const callerTokenVerifier = (config: Config): ((token: string) => Promise<Identity>) =>
  createJwtVerifier({
    secret: config.JWT_SECRET,
    jwksUrl: config.JWT_JWKS_URL,
    issuer: config.JWT_ISSUER,
    audience: config.JWT_AUDIENCE,
    maxCustomerTtlSeconds: config.JWT_MAX_CUSTOMER_TTL_HOURS * 3600,
    maxStaffTtlSeconds: config.JWT_MAX_STAFF_TTL_HOURS * 3600,
  });

const VERIFIED_TOKENS_KEPT = 10_000;

/**
 * A caller sends the same token with every request (and the gateway reuses a signed identity for a
 * minute): a verified token is remembered for a minute, never past its own expiry, so its signature
 * is checked once, not on every request. A refused token is not remembered.
 */
function rememberVerified(verify: (token: string) => Promise<{ identity: Identity; expiresAt?: number | undefined }>): (token: string) => Promise<Identity> {
  const verified = new Map<string, { identity: Identity; until: number }>();
  return async (token) => {
    const known = verified.get(token);
    if (known && known.until > Date.now()) return known.identity;
    const { identity, expiresAt } = await verify(token);
    if (verified.size >= VERIFIED_TOKENS_KEPT) verified.clear();
    verified.set(token, { identity, until: Math.min(Date.now() + 60_000, (expiresAt ?? Infinity) * 1000) });
    return identity;
  };
}

/** Issues a caller token, as an identity provider would: for the dev tokens command and tests. */
export async function issueToken(
  secret: string,
  subject: string,
  roles: readonly StaffRole[] = [],
  expiresIn = '12h',
  claims: { readonly issuer?: string | undefined; readonly audience?: string | undefined } = {},
): Promise<string> {
  const jwt = new SignJWT(roles.length > 0 ? { roles: [...roles] } : {})
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(subject)
    .setIssuedAt()
    .setExpirationTime(expiresIn);
  if (claims.issuer) jwt.setIssuer(claims.issuer);
  if (claims.audience) jwt.setAudience(claims.audience);
  return jwt.sign(new TextEncoder().encode(secret));
}

/**
 * The signed identity for a caller, reused for a minute (it is valid for two): the gateway and the
 * subgraph clients send one with every subgraph call.
 */
export function identitySigner(secret: string): (identity: Identity) => Promise<string> {
  const signed = new Map<string, { token: Promise<string>; until: number }>();
  return (identity) => {
    const key = JSON.stringify(identity);
    const known = signed.get(key);
    if (known && known.until > Date.now()) return known.token;
    if (signed.size >= VERIFIED_TOKENS_KEPT) signed.clear();
    const token = signInternalIdentity(identity, secret);
    signed.set(key, { token, until: Date.now() + 60_000 });
    return token;
  };
}

/** Signs the identity the gateway passes to subgraphs. Short-lived: it only crosses one hop. */
export async function signInternalIdentity(identity: Identity, secret: string): Promise<string> {
  return new SignJWT({ identity })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer(INTERNAL_ISSUER)
    .setAudience(INTERNAL_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime('2m')
    .sign(new TextEncoder().encode(secret));
}

const identitySchema: z.ZodType<Identity> = z.union([
  z.object({ kind: z.literal('anonymous') }),
  z.object({ kind: z.literal('customer'), customerId: z.string().min(1) }),
  z.object({ kind: z.literal('staff'), staffId: z.string().min(1), roles: z.array(z.enum(STAFF_ROLES)).min(1) }),
  z.object({ kind: z.literal('service'), service: z.string().min(1) }),
]);

async function checkInternalIdentity(token: string, key: Uint8Array): Promise<{ identity: Identity; expiresAt?: number | undefined }> {
  try {
    const { payload } = await jwtVerify(token, key, { issuer: INTERNAL_ISSUER, audience: INTERNAL_AUDIENCE, algorithms: ['HS256'] });
    return { identity: identitySchema.parse(payload.identity), expiresAt: payload.exp };
  } catch {
    throw unauthenticated('Subgraphs answer only the gateway');
  }
}

/**
 * Verifies the gateway's signature on the identity header of a subgraph's every request; throws
 * UNAUTHENTICATED otherwise. Each signed identity is checked once while the gateway reuses it.
 */
export function internalIdentityVerifier(secret: string): (token: string | undefined) => Promise<Identity> {
  const key = new TextEncoder().encode(secret);
  const verify = rememberVerified((token) => checkInternalIdentity(token, key));
  return async (token) => {
    if (!token) throw unauthenticated('Subgraphs answer only the gateway');
    return verify(token);
  };
}

export const isStaff = (identity: Identity, ...roles: StaffRole[]): boolean =>
  identity.kind === 'staff' && (roles.length === 0 || identity.roles.some((r) => roles.includes(r)));

// The refusals `requireStaff` throws: the audit trail records these attempts, whoever made them.
const staffOnlyRefusals = new WeakSet<object>();

/** Whether an error is `requireStaff`'s refusal of a caller who is not staff of the roles asked. */
export const isStaffOnlyRefusal = (error: unknown): boolean => typeof error === 'object' && error !== null && staffOnlyRefusals.has(error);

/** Staff of any of the given roles (any staff when none are given). */
export function requireStaff(identity: Identity, ...roles: StaffRole[]): void {
  if (isStaff(identity, ...roles)) return;
  const refusal = identity.kind === 'anonymous' ? unauthenticated() : forbidden('Staff only');
  staffOnlyRefusals.add(refusal);
  throw refusal;
}

/** The customer themselves, or staff. */
export function requireSelfOrStaff(identity: Identity, customerId: string): void {
  if (identity.kind === 'anonymous') throw unauthenticated();
  if (identity.kind === 'customer' && identity.customerId !== customerId) throw forbidden('A customer sees only their own data');
}

/** Internal operations: only another subgraph, with a service identity signed by the shared secret. */
export function requireService(identity: Identity): void {
  if (identity.kind !== 'service') throw forbidden('Internal operation');
}

/** Staff and internal services see every customer; a customer only themselves. */
export const canSee = (identity: Identity, customerId: string): boolean =>
  identity.kind === 'staff' || identity.kind === 'service' || (identity.kind === 'customer' && identity.customerId === customerId);
