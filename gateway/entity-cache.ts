import { Kind, parse, type SelectionSetNode } from 'graphql';
import { LRUCache } from 'lru-cache';
import { Counter, register } from 'prom-client';

/**
 * Entities the gateway may answer from memory, by subgraph and type: each field that only a sync
 * from the system of record changes, the same for every caller, never touched by a caller's own
 * write. A field maps to `null` when it is a leaf, or to the type whose fields it selects.
 * Stock (`stock`, `available`, `inStock`) is not here: a customer's own hold changes it.
 */
export type SyncedFields = Readonly<Record<string, Readonly<Record<string, Readonly<Record<string, string | null>>>>>>;

export const SYNCED_FIELDS: SyncedFields = {
  inventory: {
    Offer: { id: null, product: 'Product', size: null, colour: null, article: null, barcode: null, price: null },
    Product: { id: null, article: null, name: null, brand: null, category: null },
  },
};

const lookups =
  (register.getSingleMetric('gateway_entity_cache_total') as Counter<string> | undefined) ??
  new Counter({
    name: 'gateway_entity_cache_total',
    help: 'Entity fetches of the gateway that could be answered from its entity cache: hit (no subgraph call), miss (sent, then remembered)',
    labelNames: ['subgraph', 'outcome'],
  });

/** A subgraph's answer to an `_entities` fetch, as the gateway's data source returns it. */
export interface EntitiesResponse {
  readonly data?: Record<string, unknown> | null;
  readonly errors?: readonly unknown[];
}

export interface EntityCache {
  /**
   * Answers an `_entities` fetch of synced fields from memory when every entity asked is
   * remembered; otherwise sends it (all of it: one call either way) and remembers each entity
   * of an answer without errors, those not found included. Any other fetch is sent as it is.
   */
  fetch<R extends EntitiesResponse>(subgraph: string, query: string, variables: Record<string, unknown> | undefined, send: () => Promise<R>): Promise<R | EntitiesResponse>;
  readonly stats: { hits: number; misses: number };
}

/**
 * The gateway's entity cache (what Apollo Router calls entity caching): an account page's order
 * lines ask the inventory for each offer's current price, which only the catalog sync from 1C
 * changes; with this cache the page is served without that call while its offers are
 * remembered. Per process, in memory, for `ttlSeconds` (GATEWAY_ENTITY_CACHE_SECONDS) after the
 * fetch that brought them: a price changed by a sync reaches the page within the inventory's own
 * cache time plus this one. Undefined (no cache) for 0.
 */
export function createEntityCache(ttlSeconds: number, options: { fields?: SyncedFields; max?: number; now?: () => number } = {}): EntityCache | undefined {
  if (ttlSeconds <= 0) return undefined;
  const fields = options.fields ?? SYNCED_FIELDS;
  const entries = new LRUCache<string, string>({ max: options.max ?? 20_000, ttl: ttlSeconds * 1000, ...(options.now ? { perf: { now: options.now }, ttlResolution: 0 } : {}) });
  // Per subgraph, per fetch text as the planner sends it (the same string each time: looked up
  // with no copy): undefined when it is not a cacheable `_entities` fetch, else its id and the
  // types it may answer.
  const plans = new Map<string, Map<string, { id: number; types: ReadonlySet<string> } | undefined>>();
  // The id of each selection, by subgraph and fetch text less its name: the planner names a fetch
  // after the client's operation (`AccountPage__inventory__3`), and the same selection asked by two
  // operations (an account page, an order's page) shares entries.
  const ids = new Map<string, number>();
  // Never reused: an entry keyed by a forgotten id can only go unread.
  let nextId = 0;
  const stats = { hits: 0, misses: 0 };

  const planOf = (subgraph: string, query: string) => {
    let known = plans.get(subgraph);
    if (!known) plans.set(subgraph, (known = new Map()));
    if (!known.has(query)) {
      if (known.size >= 1000) known.clear();
      const types = cacheableEntityTypes(query, fields[subgraph]);
      const selection = `${subgraph}\u0000${query.replace(OPERATION_NAME, 'query')}`;
      if (types && !ids.has(selection)) {
        if (ids.size >= 1000) ids.clear();
        ids.set(selection, nextId++);
      }
      known.set(query, types ? { id: ids.get(selection)!, types } : undefined);
    }
    return known.get(query);
  };

  return {
    stats,
    async fetch(subgraph, query, variables, send) {
      const plan = fields[subgraph] ? planOf(subgraph, query) : undefined;
      const representations = variables?.representations;
      if (!plan || !Array.isArray(representations) || representations.length === 0) return send();
      const keys: string[] = [];
      for (const representation of representations as { __typename?: unknown }[]) {
        if (typeof representation?.__typename !== 'string' || !plan.types.has(representation.__typename)) return send();
        keys.push(`${plan.id}\u0000${JSON.stringify(representation)}`);
      }
      const known = keys.map((key) => entries.get(key));
      if (known.every((entry) => entry !== undefined)) {
        stats.hits++;
        lookups.inc({ subgraph, outcome: 'hit' });
        // Parsed afresh for each answer: the gateway merges into the objects it is given.
        return { data: { _entities: known.map((entry) => JSON.parse(entry) as unknown) } };
      }
      stats.misses++;
      lookups.inc({ subgraph, outcome: 'miss' });
      const response = await send();
      const answered = response.data?._entities;
      if (!response.errors?.length && Array.isArray(answered) && answered.length === keys.length) {
        // An entity not found (null) is remembered too, as the inventory remembers an offer it does
        // not have (a RetailCRM order's line of an offer no longer in the catalog).
        answered.forEach((entity, i) => {
          if (entity === null || typeof entity === 'object') entries.set(keys[i]!, JSON.stringify(entity));
        });
      }
      return response;
    },
  };
}

const OPERATION_NAME = /^\s*query\s+[_A-Za-z][_0-9A-Za-z]*/;

/**
 * The entity types an operation the query planner sent may be answered for from memory: a query
 * of `_entities(representations: $representations)` alone, with no other variable, whose every
 * selection is a field of `types` (no argument, alias or directive), through inline fragments on
 * those types. Undefined for anything else, or when a query cannot be read.
 */
export function cacheableEntityTypes(query: string, types: SyncedFields[string] | undefined): ReadonlySet<string> | undefined {
  if (!types) return undefined;
  let document;
  try {
    document = parse(query, { noLocation: true });
  } catch {
    return undefined;
  }
  const [operation, ...more] = document.definitions;
  if (more.length > 0 || operation?.kind !== Kind.OPERATION_DEFINITION || operation.operation !== 'query' || operation.directives?.length) return undefined;
  const variables = operation.variableDefinitions ?? [];
  if (variables.length !== 1 || variables[0]!.variable.name.value !== 'representations') return undefined;
  const [root, ...others] = operation.selectionSet.selections;
  if (others.length > 0 || root?.kind !== Kind.FIELD || root.name.value !== '_entities' || root.alias || root.directives?.length || !root.selectionSet) return undefined;
  const [argument, ...moreArguments] = root.arguments ?? [];
  if (moreArguments.length > 0 || argument?.name.value !== 'representations' || argument.value.kind !== Kind.VARIABLE || argument.value.name.value !== 'representations') return undefined;
  const answered = new Set<string>();
  for (const selection of root.selectionSet.selections) {
    if (selection.kind === Kind.FIELD && selection.name.value === '__typename' && !selection.alias && !selection.directives?.length) continue;
    if (selection.kind !== Kind.INLINE_FRAGMENT || selection.directives?.length || !selection.typeCondition) return undefined;
    const type = selection.typeCondition.name.value;
    if (!onlySynced(selection.selectionSet, type, types)) return undefined;
    answered.add(type);
  }
  return answered.size > 0 ? answered : undefined;
}

function onlySynced(selectionSet: SelectionSetNode, type: string, types: SyncedFields[string]): boolean {
  const synced = types[type];
  if (!synced) return false;
  return selectionSet.selections.every((selection) => {
    if (selection.kind !== Kind.FIELD || selection.alias || selection.directives?.length || selection.arguments?.length) return false;
    const name = selection.name.value;
    if (name === '__typename') return !selection.selectionSet;
    const target = synced[name];
    if (target === undefined) return false;
    if (target === null) return !selection.selectionSet;
    return selection.selectionSet !== undefined && onlySynced(selection.selectionSet, target, types);
  });
}
