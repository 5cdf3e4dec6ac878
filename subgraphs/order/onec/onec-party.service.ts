import { createHash } from 'node:crypto';
import { oneCPartyLinkMessage } from '../../../contracts/onec-party-link.message.js';
import { enqueue } from '../../../platform/outbox.js';
import type { OrderDeps } from '../order.deps.js';

/**
 * The customer's side of every 1C document (R2): the partner and counterparty an order or a return
 * names. The identity map (customer subgraph) is asked first; a customer not linked yet is matched
 * in 1C by phone (a showroom buyer 1C has known for years), else made there. The link goes back to
 * the identity map through the outbox (`customer.link-onec`): this subgraph never writes the
 * customer schema.
 *
 * Refs of objects we make are derived from the customer id, not random: two orders of a new
 * customer sent at once both try to create the same `Ref_Key`, 1C keeps one, and the other finds
 * it, so one customer never becomes two partners, whatever crashes or retries come between.
 */

/** UUID namespace of the refs the graph gives its customers' partners and counterparties in 1C. */
const PARTY_NAMESPACE = Buffer.from('6f1c0d5e8a2b4c7d9e3f5a6b7c8d9e0f', 'hex');

/** A name-based (version 5, SHA-1) UUID: the same customer and kind always give the same ref. */
export function derivedPartyRef(kind: 'partner' | 'counterparty', customerId: string): string {
  const hash = createHash('sha1').update(PARTY_NAMESPACE).update(`${kind}:${customerId}`, 'utf8').digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export interface CustomerParty {
  readonly partnerRef: string;
  readonly counterpartyRef: string;
}

/**
 * The partner and counterparty of the customer, existing in 1C when this returns. Throws (so the
 * outbox message that asked tries again later) when the customer subgraph or 1C cannot answer.
 */
export async function oneCPartyOf(deps: OrderDeps, customerId: string): Promise<CustomerParty> {
  const customer = await deps.customers.customer(customerId);
  // Not known yet (the customer history sync brings them): retried later.
  if (!customer) throw new Error(`customer ${customerId} is not in the customer subgraph`);

  let partnerRef = customer.oneCGuid ?? undefined;
  let counterpartyRef: string | undefined;
  if (partnerRef) counterpartyRef = await deps.oneC.findCounterparty(partnerRef);
  else if (customer.phone) ({ partnerRef, counterpartyRef } = (await deps.oneC.findPartyByPhone(customer.phone)) ?? {});
  partnerRef ??= derivedPartyRef('partner', customer.id);

  const found = counterpartyRef !== undefined;
  if (!counterpartyRef) {
    counterpartyRef = derivedPartyRef('counterparty', customer.id);
    const name = [customer.lastName, customer.firstName].filter(Boolean).join(' ') || customer.phone || customer.id;
    const made = await deps.oneC.ensureParty({ partnerRef, counterpartyRef, name, ...(customer.phone ? { phone: customer.phone } : {}) });
    if (made.partnerCreated || made.counterpartyCreated) deps.logger.info({ customerId, partnerRef, counterpartyRef, ...made }, 'customer made in 1C');
  }
  if (!customer.oneCGuid || !found) await enqueue(deps.db, oneCPartyLinkMessage({ customerId: customer.id, partnerRef, counterpartyRef }));
  return { partnerRef, counterpartyRef };
}
