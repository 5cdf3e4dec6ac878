import { describe, expect, it } from 'vitest';
import { cacheableEntityTypes, createEntityCache, SYNCED_FIELDS } from './entity-cache.js';

const inventory = SYNCED_FIELDS.inventory;
const PRICE = 'query AccountPage__inventory__3($representations:[_Any!]!){_entities(representations:$representations){...on Offer{price}}}';
const offers = (...ids: string[]) => ({ representations: ids.map((id) => ({ __typename: 'Offer', id })) });

describe('which entity fetches the gateway may answer from memory', () => {
  it('takes what the planner sends for synced fields: leaves, and the offer’s product', () => {
    expect(cacheableEntityTypes(PRICE, inventory)).toEqual(new Set(['Offer']));
    expect(cacheableEntityTypes('query Q__inventory__1($representations:[_Any!]!){_entities(representations:$representations){__typename ...on Offer{__typename id price size colour product{name brand}}}}', inventory)).toEqual(new Set(['Offer']));
  });

  it('refuses stock, which a customer’s own hold changes, and anything it cannot tell apart', () => {
    const refused = [
      'query Q($representations:[_Any!]!){_entities(representations:$representations){...on Offer{price inStock}}}',
      'query Q($representations:[_Any!]!){_entities(representations:$representations){...on Offer{stock{available}}}}',
      'query Q($representations:[_Any!]!){_entities(representations:$representations){...on Offer{available}}}',
      // Product.offers is not among the synced fields; a field's arguments, aliases and directives are refused.
      'query Q($representations:[_Any!]!){_entities(representations:$representations){...on Product{offers{price}}}}',
      'query Q($representations:[_Any!]!){_entities(representations:$representations){...on Offer{p:price}}}',
      'query Q($representations:[_Any!]!,$s:Boolean!){_entities(representations:$representations){...on Offer{price @skip(if:$s)}}}',
      'query Q($representations:[_Any!]!){_entities(representations:$representations){...on Offer{product}}}',
      // Another variable, another root field, a named fragment, a mutation, a type not listed.
      'query Q($representations:[_Any!]!,$w:ID){_entities(representations:$representations){...on Offer{price}}}',
      'query Q($representations:[_Any!]!){_entities(representations:$representations){...on Offer{price}} offer(id:"1"){price}}',
      'query Q($representations:[_Any!]!){_entities(representations:$representations){...F}} fragment F on Offer{price}',
      'mutation Q($representations:[_Any!]!){_entities(representations:$representations){...on Offer{price}}}',
      'query Q($representations:[_Any!]!){_entities(representations:$representations){...on Warehouse{name}}}',
      'query Q{offer(id:"1"){price}}',
      'not graphql',
    ];
    for (const query of refused) expect(cacheableEntityTypes(query, inventory), query).toBeUndefined();
    expect(cacheableEntityTypes(PRICE, undefined)).toBeUndefined();
  });
});

describe('the gateway’s entity cache', () => {
  /** A subgraph stand-in: answers each offer's price from `prices`, and counts the calls. */
  const subgraph = (prices: Record<string, number>) => {
    const calls: string[][] = [];
    const send = (variables: { representations: { id: string }[] }) => async () => {
      calls.push(variables.representations.map((r) => r.id));
      return { data: { _entities: variables.representations.map((r) => (r.id in prices ? { price: prices[r.id] } : null)) } };
    };
    return { calls, send };
  };

  it('answers a fetch from memory once every entity in it is remembered, and gives each answer objects of its own', async () => {
    const cache = createEntityCache(60)!;
    const prices = { a: 100, b: 200, c: 300 };
    const { calls, send } = subgraph(prices);
    const ask = (...ids: string[]) => cache.fetch('inventory', PRICE, offers(...ids), send(offers(...ids)));

    expect(await ask('a', 'b')).toEqual({ data: { _entities: [{ price: 100 }, { price: 200 }] } });
    const again = await ask('b', 'a');
    expect(again).toEqual({ data: { _entities: [{ price: 200 }, { price: 100 }] } });
    expect(calls).toEqual([['a', 'b']]);
    // One entity not remembered: the whole fetch goes, once, and its answer is remembered.
    expect(await ask('a', 'c')).toEqual({ data: { _entities: [{ price: 100 }, { price: 300 }] } });
    expect(calls).toEqual([['a', 'b'], ['a', 'c']]);
    // The gateway merges into what it is given: a changed answer does not change the next one.
    (again.data!._entities as { price: number }[])[0]!.price = 1;
    expect(await ask('b')).toEqual({ data: { _entities: [{ price: 200 }] } });
    expect(calls).toHaveLength(2);
    // Another client operation's fetch of the same selection (the planner names it after the operation) shares the entries.
    expect(await cache.fetch('inventory', PRICE.replace('AccountPage__inventory__3', 'OrderDetails__inventory__1'), offers('c'), send(offers('c')))).toEqual({ data: { _entities: [{ price: 300 }] } });
    expect(calls).toHaveLength(2);
    expect(cache.stats).toEqual({ hits: 3, misses: 2 });
  });

  it('remembers nothing of an answer with errors; sends other subgraphs’ and other fetches as they are', async () => {
    const cache = createEntityCache(60)!;
    let sent = 0;
    const failing = async () => {
      sent++;
      return { data: { _entities: [{ price: 100 }] }, errors: [{ message: 'partial' }] };
    };
    await cache.fetch('inventory', PRICE, offers('a'), failing);
    await cache.fetch('inventory', PRICE, offers('a'), failing);
    expect(sent).toBe(2);

    // An entity not found is remembered as such: a page with an offer gone from the catalog is answered too.
    const { calls, send } = subgraph({ a: 100 });
    expect(await cache.fetch('inventory', PRICE, offers('a', 'gone'), send(offers('a', 'gone')))).toEqual({ data: { _entities: [{ price: 100 }, null] } });
    expect(await cache.fetch('inventory', PRICE, offers('gone', 'a'), send(offers('gone', 'a')))).toEqual({ data: { _entities: [null, { price: 100 }] } });
    expect(calls).toHaveLength(1);

    const other = subgraph({ a: 100 });
    await cache.fetch('order', PRICE, offers('a'), other.send(offers('a')));
    await cache.fetch('order', PRICE, offers('a'), other.send(offers('a')));
    const stock = 'query Q($representations:[_Any!]!){_entities(representations:$representations){...on Offer{price inStock}}}';
    await cache.fetch('inventory', stock, offers('a'), other.send(offers('a')));
    await cache.fetch('inventory', stock, offers('a'), other.send(offers('a')));
    // A representation of a type the fetch does not answer for from memory.
    await cache.fetch('inventory', PRICE, { representations: [{ __typename: 'Product', id: 'a' }] }, other.send(offers('a')));
    expect(other.calls).toHaveLength(5);
  });

  it('forgets an entity its TTL after the fetch that brought it', async () => {
    let now = 1_000;
    const cache = createEntityCache(10, { now: () => now })!;
    const { calls, send } = subgraph({ a: 100 });
    const ask = () => cache.fetch('inventory', PRICE, offers('a'), send(offers('a')));
    await ask();
    now += 9_999;
    await ask();
    expect(calls).toHaveLength(1);
    now += 2;
    await ask();
    expect(calls).toHaveLength(2);
  });

  it('is off at 0 seconds', () => {
    expect(createEntityCache(0)).toBeUndefined();
  });
});
