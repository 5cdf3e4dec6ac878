import { readFile } from 'node:fs/promises';
import {
  buildSchema,
  isCompositeType,
  isEnumType,
  isListType,
  isNonNullType,
  isObjectType,
  possibleRuntimeTypes,
  Supergraph,
  type CompositeType,
  type EnumType,
  type Operation,
  type Schema,
  type SelectionSet,
  type Type,
} from '@apollo/federation-internals';
import { Kind, parse, type DefinitionNode, type DocumentNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../emulators/seed/demo-people.js';
import { computeResponse, rememberingOperations, stockApolloFunctions } from './result-shaping.js';

/**
 * The compiled shaping against @apollo/gateway's own `computeResponse`: the same operation and
 * merged data through both must give the same response, byte for byte (key order included), the
 * same errors with the same messages and paths, and the same failures. The operations are every
 * document the clients send, on the real API schema, and documents built to reach what they do
 * not (skip/include on constants and variables, aliases, a field asked twice, fragments on
 * interfaces and unions, introspection); the data is generated per operation, seeded (the same
 * data every run, a failure reproducible from its seed), with
 * nulls, missing fields, invalid leaves, wrong and unknown `__typename`s and extra fields.
 */

const ROOT = new URL('..', import.meta.url);
const stock = stockApolloFunctions();

type Rng = () => number;

function leaf(schema: Schema, type: Type, rng: Rng): unknown {
  const r = rng();
  // One value in twelve is of the wrong kind for its type (a subgraph's bug the gateway must null).
  if (r < 1 / 12) return [42, 'text', true, 1.5, { x: 1 }, '7'][Math.floor(rng() * 6)];
  if (isEnumType(type)) {
    const values = (type as EnumType).values;
    return rng() < 0.9 ? values[Math.floor(rng() * values.length)]!.name : 'NOT_A_VALUE';
  }
  if (type === schema.intType()) return Math.floor(rng() * 2000) - 1000;
  if (type === schema.floatType()) return Math.round(rng() * 100000) / 100;
  if (type === schema.booleanType()) return rng() < 0.5;
  if (type === schema.idType()) return rng() < 0.7 ? `id-${Math.floor(rng() * 1000)}` : Math.floor(rng() * 1000);
  if (type === schema.stringType()) return `s${Math.floor(rng() * 1000)}`;
  return rng() < 0.5 ? `custom-${Math.floor(rng() * 100)}` : { any: [1, 2] };
}

function value(schema: Schema, type: Type, selectionSet: SelectionSet | undefined, rng: Rng, depth: number): unknown {
  if (isNonNullType(type)) return rng() < 0.03 ? null : value(schema, type.ofType, selectionSet, rng, depth);
  if (rng() < 0.06) return null;
  if (isListType(type)) return Array.from({ length: Math.floor(rng() * 4) }, () => value(schema, type.ofType, selectionSet, rng, depth + 1));
  if (isCompositeType(type)) return object(schema, type, selectionSet!, rng, depth + 1);
  return leaf(schema, type, rng);
}

function object(schema: Schema, type: CompositeType, selectionSet: SelectionSet, rng: Rng, depth: number): Record<string, unknown> {
  const runtime = isObjectType(type) ? [type] : possibleRuntimeTypes(type);
  const chosen = runtime[Math.floor(rng() * runtime.length)];
  const out: Record<string, unknown> = {};
  const r = rng();
  // Mostly the subgraph's __typename; sometimes none, an unknown one, or one of another kind.
  if (r < 0.8) out.__typename = chosen?.name ?? type.name;
  else if (r < 0.85) out.__typename = 'NoSuchType';
  else if (r < 0.88) out.__typename = 'String';
  if (rng() < 0.3) out.id_for_key = 'extra';
  fill(schema, out, selectionSet, rng, depth);
  return out;
}

function fill(schema: Schema, out: Record<string, unknown>, selectionSet: SelectionSet, rng: Rng, depth: number) {
  for (const selection of selectionSet.selections()) {
    if (selection.kind === 'FragmentSelection') {
      fill(schema, out, selection.selectionSet, rng, depth);
      continue;
    }
    const field = selection.element;
    const name = field.responseName();
    if (field.definition.isSchemaIntrospectionField() || rng() < 0.03) continue; // a field the subgraphs left out
    if (name in out && rng() < 0.5) continue; // asked twice: the first answer stands
    out[name] = field.name === '__typename' ? (rng() < 0.9 ? (out.__typename ?? field.definition.parent.name) : 'NoSuchType') : value(schema, field.definition.type!, selection.selectionSet, rng, depth);
  }
}

const introspection = (selection: { element: { responseName(): string } }) => ({ introspected: selection.element.responseName() });

type Outcome = { json: string; errors: { message: string; path: unknown; code: unknown }[] } | { threw: string };

function outcome(shape: typeof computeResponse, operation: Operation, variables: Record<string, unknown>, input: Record<string, unknown>): Outcome {
  try {
    const { data, errors } = shape({ operation, variables, input: structuredClone(input), introspectionHandling: introspection as never });
    return { json: JSON.stringify(data), errors: errors.map((e) => ({ message: e.message, path: e.path, code: e.extensions.code })) };
  } catch (error) {
    return { threw: (error as Error).message };
  }
}

/** Runs `cases` generated inputs of each operation through both; returns how many gave errors and how many threw, so a test can show it reached them. */
function compareOn(schema: Schema, documents: readonly string[], cases: number, variableSets: readonly Record<string, unknown>[] = [{}]) {
  const seen = { compared: 0, withErrors: 0, nulled: 0, threw: 0 };
  documents.forEach((text, d) => {
    const operation = stock.operationFromDocument(schema, parse(text), { validate: false });
    for (let c = 0; c < cases; c++) {
      const rng = seededRandom(d * 100_003 + c);
      const input: Record<string, unknown> = {};
      fill(schema, input, operation.selectionSet, rng, 0);
      for (const variables of variableSets) {
        const expected = outcome(stock.computeResponse, operation, variables, input);
        const actual = outcome(computeResponse, operation, variables, input);
        expect(actual, `document ${d} case ${c} variables ${JSON.stringify(variables)}`).toEqual(expected);
        seen.compared++;
        if ('threw' in expected) seen.threw++;
        else {
          if (expected.errors.length) seen.withErrors++;
          if (expected.json === 'null') seen.nulled++;
        }
      }
    }
  });
  return seen;
}

describe('compiled result shaping', () => {
  it('answers every client document exactly as @apollo/gateway does, over generated subgraph data', async () => {
    const schema = Supergraph.build(await readFile(new URL('schema/supergraph.graphql', ROOT), 'utf8')).apiSchema();
    const manifest = JSON.parse(await readFile(new URL('clients/__generated__/persisted-documents.json', ROOT), 'utf8')) as Record<string, string>;
    const documents = Object.values(manifest);
    expect(documents.length).toBeGreaterThan(20);
    const seen = compareOn(schema, documents, 60);
    // The generated data reached the error paths, not only the happy one.
    expect(seen.withErrors).toBeGreaterThan(seen.compared / 4);
    expect(seen.nulled).toBeGreaterThan(0);
    expect(seen.compared - seen.withErrors).toBeGreaterThan(seen.compared / 20);
  });

  it('agrees on directives, aliases, repeated fields, abstract types, introspection and bad variables', () => {
    const schema = buildSchema(`
      scalar Money
      enum Colour { RED GREEN }
      interface Node { id: ID! }
      type Shoe implements Node { id: ID! size: Int colour: Colour price: Money tags: [String!] }
      type Coat implements Node { id: ID! length: Float! lining: Boolean parts: [Coat] }
      union Item = Shoe | Coat
      type Query { node(id: ID!): Node items: [Item!]! maybe: [Item] count: Int! }
    `);
    const documents = [
      `query Q($a: Boolean!, $b: Boolean = true) {
        items { __typename ... on Shoe @skip(if: $a) { id size tags } ... on Coat { id len: length parts @include(if: $b) { id lining } } }
        node(id: "1") { id ... on Shoe { colour price } ... on Node { __typename id } }
        first: count count @skip(if: false) maybe @include(if: $a) { ... on Coat { length } }
      }`,
      `{ items { ... on Node { id } ... on Shoe { id size colour } ... on Coat { id parts { id parts { id } } } }
         items { ... on Shoe { tags } kind: __typename } }`,
      `query ($x: Boolean!) { __typename t: __typename node(id: "2") @include(if: $x) { id n: __typename } __schema { queryType { name } } __type(name: "Shoe") { name } count }`,
      `fragment F on Item { ... on Shoe { id price } } { items { ...F ...F ... on Coat @include(if: true) { length } } }`,
    ];
    const seen = compareOn(schema, documents, 250, [{ a: true, x: true }, { a: false, b: false, x: false }, { a: 'yes', x: null }, {}]);
    expect(seen.threw).toBeGreaterThan(0); // the invalid variables fail both the same way
    expect(seen.withErrors).toBeGreaterThan(0);
    expect(seen.compared - seen.threw - seen.withErrors).toBeGreaterThan(0);
  });

  it('remembers the operation built for execution per parsed document, and nothing else', async () => {
    const schema = Supergraph.build(await readFile(new URL('schema/supergraph.graphql', ROOT), 'utf8')).apiSchema();
    const built: unknown[] = [];
    const remembering = rememberingOperations((s, d, o) => {
      built.push(d);
      return stock.operationFromDocument(s, d, o);
    });
    const [operation, fragment] = parse('query Q { me { ...F } } fragment F on Customer { id email }').definitions;
    const documentOf = (...definitions: DefinitionNode[]): DocumentNode => ({ kind: Kind.DOCUMENT, definitions });
    const document = () => documentOf(operation!, fragment!);
    const first = remembering(schema, document(), { validate: false });
    expect(remembering(schema, document(), { validate: false })).toBe(first);
    expect(built).toHaveLength(1);
    // The planner's call (validating, or naming an operation) and another parse of the same text are built anew.
    expect(remembering(schema, document(), {})).not.toBe(first);
    expect(remembering(schema, document(), { validate: false, operationName: 'Q' })).not.toBe(first);
    const [operation2, fragment2] = parse('query Q { me { ...F } } fragment F on Customer { id email }').definitions;
    expect(remembering(schema, documentOf(operation2!, fragment2!), { validate: false })).not.toBe(first);
    // The same operation node with another fragment node is not the same document.
    expect(remembering(schema, documentOf(operation!, fragment2!), { validate: false })).not.toBe(first);
    expect(built).toHaveLength(5);
  });
});
