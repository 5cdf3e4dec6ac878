import { ApolloArmor } from '@escape.tech/graphql-armor';
import { GraphQLError, specifiedRules, validate, type DocumentNode, type GraphQLSchema, type ValidationRule } from 'graphql';

/**
 * How big an operation the gateway runs. Each bound is the largest the graph's own clients send
 * (every operation in clients/, test/e2e, test/faults and bench/, measured by
 * `gateway/shape-limits.test.ts`, which prints the maxima) with headroom; a refusal names none of
 * them, so a prober learns nothing by bisecting.
 */
export const SHAPE_LIMITS = Object.freeze({
  /** Deepest measured: 7 (the account page: an order's lines with their offer's product). */
  depth: 8,
  /** Most measured: 1. Ten leaves a staff page room; more is a way to multiply one request. */
  aliases: 10,
  /** Parser tokens: the longest measured operation (the account page) has 98. */
  tokens: 500,
  /** Most measured: 0 (`@include`/`@skip` are the only ones a client has a use for). */
  directives: 5,
  /** graphql-armor's cost (objects 2, scalars 1, ×1.5 per level, × a list's `first`): the costliest measured is 3,819. */
  cost: 8000,
});

/** The one message every shape refusal carries (the limit and what was found stay on the server). */
export const QUERY_TOO_LARGE_MESSAGE = 'The operation is too large for this API';

const refuse = (context: { reportError(error: GraphQLError): void } | null) =>
  context?.reportError(new GraphQLError(QUERY_TOO_LARGE_MESSAGE, { extensions: { code: 'QUERY_TOO_LARGE' } }));

/**
 * graphql-armor's depth, alias, directive and cost rules as validation rules, so a refusal is a
 * validation error (HTTP 400), never armor's own throw. Tokens are bounded by graphql-js's parser
 * (`parseOptions.maxTokens`): armor's token plugin parses in a plugin hook, and anything it throws
 * there, a plain syntax error included, became HTTP 500.
 */
export function shapeProtection(limits: typeof SHAPE_LIMITS = SHAPE_LIMITS) {
  const silent = { exposeLimits: false, propagateOnRejection: false, onReject: [refuse] };
  const { validationRules } = new ApolloArmor({
    blockFieldSuggestion: { enabled: false },
    maxTokens: { enabled: false },
    maxDepth: { n: limits.depth, ...silent },
    maxAliases: { n: limits.aliases, ...silent },
    maxDirectives: { n: limits.directives, ...silent },
    costLimit: { maxCost: limits.cost, ...silent },
  }).protect();
  return { validationRules: validationRules as ValidationRule[], parseOptions: { maxTokens: limits.tokens } };
}

export interface OperationShape {
  readonly depth: number;
  readonly aliases: number;
  readonly directives: number;
  readonly cost: number;
}

/** An operation's shape as the gateway's rules measure it (limits left out of reach). */
export function measureShape(schema: GraphQLSchema, document: DocumentNode): OperationShape {
  const found = { depth: 0, aliases: 0, directives: 0, cost: 0 };
  const keep = (key: keyof typeof found) => ({
    exposeLimits: false,
    propagateOnRejection: false,
    onAccept: [(_ctx: unknown, { n }: { n: number }) => void (found[key] = Math.max(found[key], n))],
  });
  const { validationRules } = new ApolloArmor({
    blockFieldSuggestion: { enabled: false },
    maxTokens: { enabled: false },
    maxDepth: { n: 1e9, ...keep('depth') },
    maxAliases: { n: 1e9, ...keep('aliases') },
    maxDirectives: { n: 1e9, ...keep('directives') },
    costLimit: { maxCost: 1e12, ...keep('cost') },
  }).protect();
  const errors = validate(schema, document, [...specifiedRules, ...(validationRules as ValidationRule[])]);
  if (errors.length > 0) throw errors[0];
  return found;
}
