import type { Identity } from '../../platform/identity.js';
import type { SubgraphClient } from '../../platform/http/subgraph-client.js';

/** What an order needs to know about its customer (from the customer subgraph). */
export interface OrderCustomer {
  readonly id: string;
  readonly phone: string | null;
  readonly retailCrmId: number | null;
  readonly firstName: string | null;
  readonly lastName: string | null;
  readonly email: string | null;
  /** The customer's partner in 1C (the identity map's 1C GUID), once linked. */
  readonly oneCGuid: string | null;
}

/** An offer as checkout sees it (from the inventory subgraph). Money in kopecks. */
export interface OfferInfo {
  readonly id: string;
  readonly productId: string;
  readonly productName: string;
  readonly price: number | null;
  /** Units sellable now across all warehouses. */
  readonly available: number;
}

export interface StockHoldInfo {
  readonly id: string;
  readonly status: 'ACTIVE' | 'COMMITTED' | 'RELEASED' | 'EXPIRED';
  readonly expiresAt: string;
  readonly lines: readonly { readonly offerId: string; readonly warehouseId: string; readonly quantity: number }[];
}

export interface CustomerDirectory {
  customer(id: string): Promise<OrderCustomer | undefined>;
}

/** Catalog, stock and stock holds, owned by the inventory subgraph. */
export interface InventoryService {
  offers(ids: readonly string[]): Promise<Map<string, OfferInfo>>;
  /** All or nothing; OUT_OF_STOCK holds nothing. Keyed: the same key returns the same hold. */
  holdStock(key: string, lines: readonly { offerId: string; quantity: number }[], ttlSeconds: number): Promise<StockHoldInfo>;
  releaseHold(holdId: string): Promise<StockHoldInfo>;
  commitHold(holdId: string): Promise<StockHoldInfo>;
}

const CUSTOMER = `query OrderCustomer($r: [_Any!]!) {
  _entities(representations: $r) { ... on Customer { id phone firstName lastName email externalIds { retailCrmId oneCGuid } } }
}`;

/** The customer subgraph, asked as the order service through `_entities`. */
export function customerDirectory(client: SubgraphClient): CustomerDirectory {
  return {
    async customer(id) {
      type Row = { id: string; phone: string | null; firstName: string | null; lastName: string | null; email: string | null; externalIds: { retailCrmId: number | null; oneCGuid: string | null } } | null;
      try {
        const data = await client.request<{ _entities: Row[] }>(CUSTOMER, { r: [{ __typename: 'Customer', id }] });
        const row = data._entities[0];
        if (!row) return undefined;
        return { id: row.id, phone: row.phone, retailCrmId: row.externalIds.retailCrmId, firstName: row.firstName, lastName: row.lastName, email: row.email, oneCGuid: row.externalIds.oneCGuid };
      } catch (error) {
        if (error instanceof Error && 'code' in error && error.code === 'NOT_FOUND') return undefined;
        throw error;
      }
    },
  };
}

const OFFERS = `query CheckoutOffers($r: [_Any!]!) {
  _entities(representations: $r) { ... on Offer { id price product { id name } available } }
}`;
const HOLD_FIELDS = 'id status expiresAt lines { offerId warehouseId quantity }';
const HOLD = `mutation Hold($key: String!, $lines: [StockHoldLineInput!]!, $ttl: Int!) { holdStock(idempotencyKey: $key, lines: $lines, ttlSeconds: $ttl) { ${HOLD_FIELDS} } }`;
const RELEASE = `mutation Release($id: ID!) { releaseStockHold(holdId: $id) { ${HOLD_FIELDS} } }`;
const COMMIT = `mutation Commit($id: ID!) { commitStockHold(holdId: $id) { ${HOLD_FIELDS} } }`;

/** The inventory subgraph, asked as the order service: `_entities` for offers, internal mutations for holds. */
export function inventoryService(client: SubgraphClient): InventoryService {
  return {
    async offers(ids) {
      type Row = { id: string; price: number | null; product: { id: string; name: string }; available: number } | null;
      if (ids.length === 0) return new Map();
      const data = await client.request<{ _entities: Row[] }>(OFFERS, { r: ids.map((id) => ({ __typename: 'Offer', id })) });
      const found = new Map<string, OfferInfo>();
      for (const row of data._entities) {
        if (row) found.set(row.id, { id: row.id, productId: row.product.id, productName: row.product.name, price: row.price, available: row.available });
      }
      return found;
    },
    async holdStock(key, lines, ttlSeconds) {
      return (await client.request<{ holdStock: StockHoldInfo }>(HOLD, { key, lines, ttl: ttlSeconds })).holdStock;
    },
    async releaseHold(holdId) {
      return (await client.request<{ releaseStockHold: StockHoldInfo }>(RELEASE, { id: holdId })).releaseStockHold;
    },
    async commitHold(holdId) {
      return (await client.request<{ commitStockHold: StockHoldInfo }>(COMMIT, { id: holdId })).commitStockHold;
    },
  };
}

export type { Identity };
