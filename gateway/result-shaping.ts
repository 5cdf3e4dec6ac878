import { createRequire } from 'node:module';
import {
  ERRORS,
  assert,
  isCompositeType,
  isCustomScalarType,
  isEnumType,
  isListType,
  isNonNullType,
  isObjectType,
  isSubtype,
  isValidLeafValue,
  typenameFieldName,
  Variable,
  type CompositeType,
  type Directive,
  type EnumType,
  type FieldSelection,
  type Operation,
  type Schema,
  type SelectionSet,
  type Type,
} from '@apollo/federation-internals';
import type { DocumentNode, GraphQLError } from 'graphql';

/**
 * The last stage of @apollo/gateway's execution, compiled once per operation.
 *
 * After the subgraphs have answered, @apollo/gateway shapes the merged data into the response
 * (`computeResponse`, dist/resultShaping.js): it keeps what the operation asked for (dropping the
 * keys and `@requires` fields fetched for the plan), applies `@skip`/`@include`, fragments' type
 * conditions and aliases, nulls what a subgraph sent invalid, and bubbles nulls up through
 * non-null fields with their errors. It interprets the operation for every object of the
 * response: each selection's directives are looked up in the schema again, each field's type
 * unwrapped again, each access of federation-internals goes through a re-export getter. A
 * 20-line checkout quote has a few hundred objects, and that stage was 15 % of the gateway's CPU
 * (bench/README.md), where Hive Router's runtime spends 2 %.
 *
 * Here the same algorithm runs over a plan compiled once per operation (directives reduced to
 * constants or variable names, types unwrapped into steps, leaf checks chosen per type, fragment
 * conditions remembered per `__typename`), and the gateway's per-request parse of the document
 * into federation-internals' form (`operationFromDocument` for execution) is remembered per
 * parsed document, so that the plan has an object to be remembered by. Output, errors and their
 * messages are @apollo/gateway's own: `result-shaping.test.ts` compares the two on every client
 * document and generated data, invalid values and nulls included.
 *
 * @apollo/gateway offers no hook for this stage: `installResultShaping` replaces the two
 * functions on their CommonJS modules, which @apollo/gateway reads at each call. It checks the
 * modules are the ones it was written against (2.14) and does nothing otherwise, so an upgrade
 * runs the stock code until this is looked at again (a test fails then, not production).
 */

type Condition = boolean | string;

const NON_NULL = 0;
const LIST = 1;
const COMPOSITE = 2;
const LEAF = 3;

type Shape =
  | { readonly kind: typeof NON_NULL; readonly type: Type; readonly of: Shape }
  | { readonly kind: typeof LIST; readonly type: Type; readonly of: Shape }
  | { readonly kind: typeof COMPOSITE; readonly type: CompositeType }
  | { readonly kind: typeof LEAF; readonly type: Type; readonly valid: (value: unknown) => boolean };

interface FieldStep {
  readonly field: true;
  readonly responseName: string;
  readonly skip: Condition | undefined;
  readonly include: Condition | undefined;
  /** `__schema` / `__type`: answered by the gateway's introspection, given the selection. */
  readonly introspection: FieldSelection | undefined;
  readonly typename: boolean;
  readonly shape: Shape;
  readonly selectionSet: SelectionSet | undefined;
  steps?: readonly Step[];
}

interface FragmentStep {
  readonly field: false;
  readonly skip: Condition | undefined;
  readonly include: Condition | undefined;
  readonly typeCondition: CompositeType | undefined;
  readonly selectionSet: SelectionSet;
  steps?: readonly Step[];
  /** Whether the type condition holds, by `__typename` (or, without one, by parent type). */
  readonly applies: Map<string, boolean>;
}

type Step = FieldStep | FragmentStep;

interface Plan {
  readonly root: readonly Step[];
  readonly rootType: CompositeType;
  readonly defaultedVariables: Record<string, unknown>;
}

interface Run {
  readonly schema: Schema;
  readonly variables: Record<string, unknown>;
  readonly errors: GraphQLError[];
  readonly introspection: (selection: FieldSelection) => unknown;
  /** Set by `update`: the value was null where the type forbids it (the parent becomes null). */
  invalid: boolean;
  /** Set by `update`: an error was recorded for the value (none is added for the same null again). */
  hasErrors: boolean;
}

const OK = 0;
const NULL_BUBBLE_UP = 1;

const conditionOf = (directive: Directive<any, { if: boolean | Variable }> | undefined): Condition | undefined => {
  if (!directive) return undefined;
  const value = directive.arguments().if;
  return value instanceof Variable ? value.name : value;
};

function leafCheck(schema: Schema, type: Type): (value: unknown) => boolean {
  if (isCustomScalarType(type)) return () => true;
  if (type === schema.stringType()) return (value) => typeof value === 'string';
  if (type === schema.booleanType()) return (value) => typeof value === 'boolean';
  if (isEnumType(type)) {
    const names = new Set((type as EnumType).values.map((v) => v.name));
    return (value) => typeof value === 'string' && names.has(value);
  }
  return (value) => isValidLeafValue(schema, value, type as Parameters<typeof isValidLeafValue>[2]);
}

function shapeOf(schema: Schema, type: Type): Shape {
  if (isNonNullType(type)) return { kind: NON_NULL, type, of: shapeOf(schema, type.ofType) };
  if (isListType(type)) return { kind: LIST, type, of: shapeOf(schema, type.ofType) };
  if (isCompositeType(type)) return { kind: COMPOSITE, type };
  return { kind: LEAF, type, valid: leafCheck(schema, type) };
}

function compile(schema: Schema, selectionSet: SelectionSet): readonly Step[] {
  const skipDirective = schema.skipDirective();
  const includeDirective = schema.includeDirective();
  return selectionSet.selections().map((selection): Step => {
    const element = selection.element;
    const skip = conditionOf(element.appliedDirectivesOf(skipDirective)[0]);
    const include = conditionOf(element.appliedDirectivesOf(includeDirective)[0]);
    if (selection.kind === 'FieldSelection') {
      const field = selection.element;
      return {
        field: true,
        responseName: field.responseName(),
        skip,
        include,
        introspection: field.definition.isSchemaIntrospectionField() ? selection : undefined,
        typename: field.name === typenameFieldName,
        shape: shapeOf(schema, field.definition.type!),
        selectionSet: selection.selectionSet,
      };
    }
    return { field: false, skip, include, typeCondition: selection.element.typeCondition, selectionSet: selection.selectionSet, applies: new Map() };
  });
}

const stepsOf = (schema: Schema, step: Step): readonly Step[] => (step.steps ??= compile(schema, step.selectionSet!));

const plans = new WeakMap<Operation, Plan>();
let plansCompiled = 0;

/** How many operations' plans this process has compiled: one per operation text while Apollo Server keeps its parse (tests). */
export const compiledPlans = (): number => plansCompiled;

function planOf(operation: Operation): Plan {
  let plan = plans.get(operation);
  if (!plan) {
    const schema = operation.schema();
    plan = {
      root: compile(schema, operation.selectionSet),
      rootType: schema.schemaDefinition.rootType(operation.rootKind)!,
      defaultedVariables: operation.collectDefaultedVariableValues(),
    };
    plans.set(operation, plan);
    plansCompiled++;
  }
  return plan;
}

function conditionValue(condition: Condition, variables: Record<string, unknown>, directive: string): boolean {
  if (typeof condition === 'boolean') return condition;
  const value = variables[condition];
  // The message is @apollo/gateway's, the variable and directive printed as federation-internals prints them.
  assert(value !== undefined && typeof value === 'boolean', () => `Unexpected value ${String(value)} for variable $${condition} of @${directive}(if: $${condition})`);
  return value;
}

const skipped = (step: Step, variables: Record<string, unknown>) =>
  (step.skip !== undefined && conditionValue(step.skip, variables, 'skip')) || (step.include !== undefined && !conditionValue(step.include, variables, 'include'));

function typeConditionApplies(step: FragmentStep, schema: Schema, typename: string | undefined, parentType: CompositeType): boolean {
  const condition = step.typeCondition;
  if (!condition) return true;
  const key = typename || `\0${parentType.name}`;
  let applies = step.applies.get(key);
  if (applies === undefined) {
    if (typename) {
      const type = schema.type(typename);
      applies = !!type && isSubtype(condition, type);
    } else {
      applies = isSubtype(condition, parentType);
    }
    step.applies.set(key, applies);
  }
  return applies;
}

const hasOwn = Object.prototype.hasOwnProperty;

function describe(path: readonly (string | number)[], currentType: Type, parentType: CompositeType): string {
  const element = path[path.length - 1];
  assert(element !== undefined, 'Should not have been called on an empty path');
  return typeof element === 'string' ? `field ${parentType}.${element}` : `array element of type ${currentType} at index ${element}`;
}

type Data = Record<string, unknown>;

function applySelectionSet(input: Data, steps: readonly Step[], output: Data, run: Run, path: (string | number)[], parentType: CompositeType): number {
  for (const step of steps) {
    if (skipped(step, run.variables)) continue;
    if (step.field) {
      const name = step.responseName;
      const outputValue = output[name];
      if (step.introspection) {
        if (outputValue === undefined) output[name] = run.introspection(step.introspection);
        continue;
      }
      let inputValue = (hasOwn.call(input, name) ? input[name] : undefined) ?? null;
      if (step.typename) {
        if (outputValue === undefined) {
          if (inputValue === null && name !== typenameFieldName) inputValue = input[typenameFieldName] ?? null;
          const type = inputValue !== null && typeof inputValue === 'string' ? (run.schema.type(inputValue) ?? parentType) : parentType;
          if (!isObjectType(type)) return NULL_BUBBLE_UP;
          output[name] = type.name;
        }
        continue;
      }
      path.push(name);
      output[name] = update(outputValue, step.shape, inputValue, step, path, run, parentType);
      path.pop();
      if (run.invalid) return NULL_BUBBLE_UP;
    } else {
      const typename = input[typenameFieldName];
      assert(!typename || typeof typename === 'string', () => `Got unexpected value for __typename: ${String(typename)}`);
      if (typeConditionApplies(step, run.schema, typename as string | undefined, parentType)) {
        if (applySelectionSet(input, stepsOf(run.schema, step), output, run, path, step.typeCondition ?? parentType) === NULL_BUBBLE_UP) return NULL_BUBBLE_UP;
      }
    }
  }
  return OK;
}

/** One value of a field, as @apollo/gateway's `updateOutputValue`; its two flags are left in `run`. */
function update(outputValue: unknown, shape: Shape, inputValue: unknown, step: FieldStep, path: (string | number)[], run: Run, parentType: CompositeType): unknown {
  assert(inputValue !== undefined, 'Should not pass undefined for `inputValue` to this method');
  run.invalid = false;
  run.hasErrors = false;
  if (outputValue === null || (outputValue !== undefined && !step.selectionSet)) return outputValue;
  switch (shape.kind) {
    case NON_NULL: {
      const updated = update(outputValue, shape.of, inputValue, step, path, run, parentType);
      if (updated === null) {
        if (!run.hasErrors) {
          run.errors.push(ERRORS.INVALID_GRAPHQL.err(`Cannot return null for non-nullable ${describe(path, shape.of.type, parentType)}.`, { path: Array.from(path) }));
        }
        run.invalid = true;
        run.hasErrors = true;
        return updated;
      }
      run.invalid = false;
      run.hasErrors = false;
      return updated;
    }
    case LIST: {
      if (inputValue === null) return null;
      const type = shape.type;
      assert(Array.isArray(inputValue), () => `Invalid non-list value ${String(inputValue)} returned by subgraph for list type ${type}`);
      assert(outputValue === undefined || Array.isArray(outputValue), () => `Invalid non-list value ${String(outputValue)} returned by subgraph for list type ${type}`);
      const outputList = outputValue as unknown[] | undefined;
      assert(outputList === undefined || inputValue.length === outputList.length, () => `[${String(inputValue)}].length (${inputValue.length}) !== [${String(outputList)}].length (${outputList!.length})`);
      let shouldNullify = false;
      let hasErrors = false;
      const updated = new Array<unknown>(inputValue.length);
      for (let i = 0; i < inputValue.length; i++) {
        path.push(i);
        updated[i] = update(outputList?.[i], shape.of, inputValue[i], step, path, run, parentType);
        path.pop();
        shouldNullify ||= run.invalid;
        hasErrors ||= run.hasErrors;
      }
      run.invalid = false;
      run.hasErrors = hasErrors;
      return shouldNullify ? null : updated;
    }
    case COMPOSITE: {
      if (inputValue === null) return null;
      const type = shape.type;
      assert(step.selectionSet, () => `Invalid empty selection set for composite type ${type}`);
      assert(typeof inputValue === 'object', () => `Invalid non-object value ${String(inputValue)} returned by subgraph for composite type ${type}`);
      assert(outputValue === undefined || typeof outputValue === 'object', () => `Invalid non-object value ${String(inputValue)} returned by subgraph for composite type ${type}`);
      const input = inputValue as Data;
      const inputTypename = input[typenameFieldName];
      assert(inputTypename === undefined || typeof inputTypename === 'string', () => `Invalid non-string value ${String(inputTypename)} for __typename at ${path.join(',')}`);
      let objectType: CompositeType = type;
      if (inputTypename) {
        const typenameType = run.schema.type(inputTypename);
        if (!typenameType || !isCompositeType(typenameType)) {
          run.errors.push(ERRORS.INVALID_GRAPHQL.err(`Invalid __typename found for object at ${describe(path, type, parentType)}.`, { path: Array.from(path) }));
          run.hasErrors = true;
          return null;
        }
        objectType = typenameType;
      }
      const output = (outputValue as Data | undefined) ?? (Object.create(null) as Data);
      const bubbled = applySelectionSet(input, stepsOf(run.schema, step), output, run, path, objectType) === NULL_BUBBLE_UP;
      run.invalid = false;
      run.hasErrors = bubbled;
      return bubbled ? null : output;
    }
    case LEAF: {
      if (inputValue === null) return null;
      const type = shape.type;
      assert(outputValue === undefined, () => `Excepted output to be undefined but got ${type} for type ${type}`);
      const valid = shape.valid(inputValue);
      if (!valid) run.errors.push(ERRORS.INVALID_GRAPHQL.err(`Invalid value found for ${describe(path, type, parentType)}.`, { path: Array.from(path) }));
      run.hasErrors = !valid;
      return valid ? inputValue : null;
    }
  }
}

export interface ComputeResponseArgs {
  readonly operation: Operation;
  readonly variables?: Record<string, unknown> | undefined;
  readonly input: Data | null | undefined;
  readonly introspectionHandling: (selection: FieldSelection) => unknown;
}

/** @apollo/gateway's `computeResponse`, on the operation's compiled plan. */
export function computeResponse({ operation, variables, input, introspectionHandling }: ComputeResponseArgs): { data: Data | null | undefined; errors: GraphQLError[] } {
  if (!input) return { data: input, errors: [] };
  const plan = planOf(operation);
  const run: Run = {
    schema: operation.schema(),
    variables: { __proto__: null, ...plan.defaultedVariables, ...variables } as Record<string, unknown>,
    errors: [],
    introspection: introspectionHandling,
    invalid: false,
    hasErrors: false,
  };
  const data = Object.create(null) as Data;
  const result = applySelectionSet(input, plan.root, data, run, [], plan.rootType);
  return { data: result === NULL_BUBBLE_UP ? null : data, errors: run.errors };
}

type OperationFromDocument = (schema: Schema, document: DocumentNode, options?: { operationName?: string; validate?: boolean }) => Operation;

const operationsByDocument = new WeakMap<Schema, WeakMap<object, { readonly definitions: readonly object[]; readonly operation: Operation }>>();

/**
 * `operationFromDocument`, remembering what it made for execution (`validate: false`, the call
 * in @apollo/gateway's `executeQueryPlan`) per schema and parsed definitions: Apollo Server keeps
 * a parsed document per query text, so the same query's definitions are the same objects, and the
 * operation is read, never changed, by execution. The planner's call (validating) is not
 * remembered: it builds the operation it plans on anew.
 */
export function rememberingOperations(original: OperationFromDocument): OperationFromDocument {
  return (schema, document, options) => {
    const [first, ...rest] = document.definitions;
    if (options?.validate !== false || options.operationName !== undefined || !first) return original(schema, document, options);
    let bySchema = operationsByDocument.get(schema);
    if (!bySchema) operationsByDocument.set(schema, (bySchema = new WeakMap()));
    const known = bySchema.get(first);
    if (known && known.definitions.length === rest.length && known.definitions.every((definition, i) => definition === rest[i])) return known.operation;
    const operation = original(schema, document, options);
    bySchema.set(first, { definitions: rest, operation });
    return operation;
  };
}

const INSTALLED = Symbol.for('retail-graph.result-shaping');

/** A function put in @apollo/gateway's place, carrying the one it replaced. */
type Installed<F> = F & { readonly [INSTALLED]?: { readonly stock: F } };

interface ShapingModule {
  computeResponse: Installed<typeof computeResponse>;
}
interface OperationsModule {
  operationFromDocument: Installed<OperationFromDocument>;
}

const installed = <F extends object>(replacement: F, stock: F): Installed<F> => Object.assign(replacement, { [INSTALLED]: { stock } });

/** @apollo/gateway's modules as @apollo/gateway itself loads them. */
function apolloModules(): { shaping: ShapingModule; operations: OperationsModule; gatewayVersion: string; sameInternals: boolean } {
  const ours = createRequire(import.meta.url);
  const gatewaysOwn = createRequire(ours.resolve('@apollo/gateway'));
  return {
    shaping: gatewaysOwn('./resultShaping.js') as ShapingModule,
    operations: gatewaysOwn('@apollo/federation-internals/dist/operations.js') as OperationsModule,
    gatewayVersion: (gatewaysOwn('../package.json') as { version: string }).version,
    // The functions here must be the instance @apollo/gateway uses (its schema and error classes).
    sameInternals: gatewaysOwn.resolve('@apollo/federation-internals') === ours.resolve('@apollo/federation-internals'),
  };
}

/** The @apollo/gateway release these replacements were written against and compared with. */
const GATEWAY_VERSION = /^2\.14\./;

/**
 * Puts the compiled shaping and the remembered operations in @apollo/gateway's place, once per
 * process. Returns whether they are in place: false when @apollo/gateway is not the release this
 * was written against, or its modules do not have the shape expected (the stock code runs then).
 */
export function installResultShaping(): boolean {
  const { shaping, operations, gatewayVersion, sameInternals } = apolloModules();
  if (shaping.computeResponse[INSTALLED]) return true;
  if (!GATEWAY_VERSION.test(gatewayVersion) || !sameInternals || typeof shaping.computeResponse !== 'function' || typeof operations.operationFromDocument !== 'function') return false;
  shaping.computeResponse = installed((args: ComputeResponseArgs) => computeResponse(args), shaping.computeResponse);
  operations.operationFromDocument = installed(rememberingOperations(operations.operationFromDocument), operations.operationFromDocument);
  return true;
}

/** Whether @apollo/gateway runs the compiled shaping and remembered operations now (tests). */
export const resultShapingInstalled = (): boolean => {
  const { shaping, operations } = apolloModules();
  return shaping.computeResponse[INSTALLED] !== undefined && operations.operationFromDocument[INSTALLED] !== undefined;
};

/** @apollo/gateway's own `computeResponse` and `operationFromDocument`, installed over or not (tests compare with them). */
export function stockApolloFunctions(): { computeResponse: ShapingModule['computeResponse']; operationFromDocument: OperationFromDocument } {
  const { shaping, operations } = apolloModules();
  return {
    computeResponse: shaping.computeResponse[INSTALLED]?.stock ?? shaping.computeResponse,
    operationFromDocument: operations.operationFromDocument[INSTALLED]?.stock ?? operations.operationFromDocument,
  };
}
