import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildSchema, Lexer, parse, Source, TokenKind, type DocumentNode } from 'graphql';
import { printSchema, Supergraph } from '@apollo/federation-internals';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { measureShape, QUERY_TOO_LARGE_MESSAGE, SHAPE_LIMITS } from './shape-limits.js';

const ROOT = new URL('..', import.meta.url).pathname;
const SOURCES = ['clients', 'test/e2e', 'test/faults', 'test/support', 'bench'];
/** Files whose operations are built to be refused: the tests of these limits. */
const REFUSED_ON_PURPOSE = new Set(['test/e2e/production-profile.int.test.ts']);

async function* tsFiles(dir: string): AsyncGenerator<string> {
  for (const entry of await readdir(join(ROOT, dir), { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* tsFiles(path);
    else if ((entry.name.endsWith('.ts') || entry.name.endsWith('.graphql')) && !REFUSED_ON_PURPOSE.has(path)) yield path;
  }
}

/** Every string or template in the file that parses as a GraphQL operation (interpolations left empty). */
function operationsIn(text: string): string[] {
  const found: string[] = [];
  const visit = (node: ts.Node) => {
    let candidate: string | undefined;
    if (ts.isNoSubstitutionTemplateLiteral(node) || ts.isStringLiteral(node)) candidate = node.text;
    else if (ts.isTemplateExpression(node)) candidate = node.head.text + node.templateSpans.map((s) => s.literal.text).join('');
    if (candidate && /^\s*(query|mutation|\{)/.test(candidate) && /[{]/.test(candidate)) {
      try {
        parse(candidate);
        found.push(candidate);
      } catch {
        // not GraphQL, or an interpolation was essential to it
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(ts.createSourceFile('x.ts', text, ts.ScriptTarget.Latest, true));
  return found;
}

function tokens(text: string): number {
  const lexer = new Lexer(new Source(text));
  let n = 0;
  while (lexer.advance().kind !== TokenKind.EOF) n++;
  return n;
}

describe('shape limits', () => {
  it('sit above every operation the clients\' documents, tests and benches send', async () => {
    const supergraph = await readFile(join(ROOT, 'schema/supergraph.graphql'), 'utf8');
    // Through SDL: federation-internals loads graphql's CommonJS build, the rules here its ES build.
    const schema = buildSchema(printSchema(Supergraph.build(supergraph).apiSchema()));
    const max = { depth: 0, aliases: 0, directives: 0, cost: 0, tokens: 0 };
    const where: Record<string, string> = {};
    let measured = 0;
    for await (const file of allSources()) {
      const source = await readFile(join(ROOT, file), 'utf8');
      for (const text of file.endsWith('.graphql') ? [source] : operationsIn(source)) {
        let shape;
        try {
          shape = { ...measureShape(schema, parse(text) as DocumentNode), tokens: tokens(text) };
        } catch (e) {
          if (process.env.DEBUG_SHAPES) console.log(file, String(e).slice(0, 200));
          continue; // a deliberately invalid operation (tests of refusals)
        }
        measured++;
        for (const key of Object.keys(max) as (keyof typeof max)[]) {
          if (shape[key] > max[key]) {
            max[key] = shape[key];
            where[key] = file;
          }
        }
      }
    }
    console.log(`measured ${measured} operations; maxima`, max, where, 'limits', SHAPE_LIMITS);
    expect(measured).toBeGreaterThan(50);
    expect(max.depth).toBeLessThan(SHAPE_LIMITS.depth);
    expect(max.aliases).toBeLessThanOrEqual(SHAPE_LIMITS.aliases);
    expect(max.directives).toBeLessThanOrEqual(SHAPE_LIMITS.directives);
    expect(max.cost * 2).toBeLessThanOrEqual(SHAPE_LIMITS.cost);
    expect(max.tokens * 2).toBeLessThanOrEqual(SHAPE_LIMITS.tokens);
  });
});

async function* allSources(): AsyncGenerator<string> {
  for (const dir of SOURCES) yield* tsFiles(dir);
}

describe('refusals say nothing about the limits', () => {
  it('graphql-js\'s token-limit error and the rules\' refusals become one fixed QUERY_TOO_LARGE; anything unknown is masked', async () => {
    const { formatGatewayError } = await import('./gateway.js');
    const tooMany = formatGatewayError({ message: 'Syntax Error: Document contains more that 500 tokens. Parsing aborted.', extensions: { code: 'GRAPHQL_PARSE_FAILED' } }, new Error('x'));
    expect(tooMany).toEqual({ message: QUERY_TOO_LARGE_MESSAGE, extensions: { code: 'QUERY_TOO_LARGE' } });
    const deep = formatGatewayError({ message: QUERY_TOO_LARGE_MESSAGE, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }, new Error('x'));
    expect(deep.extensions?.code).toBe('QUERY_TOO_LARGE');
    // A plain syntax error keeps its own code (HTTP 400 is Apollo Server's for it).
    expect(formatGatewayError({ message: 'Syntax Error: Expected Name, found <EOF>.', extensions: { code: 'GRAPHQL_PARSE_FAILED' } }, new Error('x')).extensions?.code).toBe('GRAPHQL_PARSE_FAILED');
    const leak = formatGatewayError({ message: 'relation "customer.customers" does not exist at /srv/app/db.ts:12', extensions: { code: 'SOMETHING_ELSE', stacktrace: ['at db.ts:12'] } }, new Error('x'));
    expect(leak).toEqual({ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } });
  });
});
