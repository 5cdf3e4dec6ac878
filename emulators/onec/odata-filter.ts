/**
 * A small parser for OData v3 `$filter` expressions as 1C's standard interface takes them:
 * `eq ne gt ge lt le and or not`, parentheses, literals (`guid'…'`, `datetime'…'`, `'…'` with
 * `''` for a quote, numbers, `true`/`false`, `null`) and the string functions `substringof`,
 * `startswith`, `endswith`, `tolower`, `toupper`. Precedence as in the OData v3 spec: `not` binds
 * tightest, then the comparisons, then `and`, then `or`. Pure: the emulator compiles the tree to
 * SQL (`odata-sql.ts`), tests read it directly.
 */

export type LiteralType = 'guid' | 'datetime' | 'string' | 'number' | 'boolean' | 'null';

export type FilterNode =
  | { kind: 'literal'; type: 'guid' | 'datetime' | 'string'; value: string }
  | { kind: 'literal'; type: 'number'; value: number }
  | { kind: 'literal'; type: 'boolean'; value: boolean }
  | { kind: 'literal'; type: 'null'; value: null }
  | { kind: 'property'; name: string }
  | { kind: 'compare'; op: CompareOp; left: FilterNode; right: FilterNode }
  | { kind: 'logical'; op: 'and' | 'or'; left: FilterNode; right: FilterNode }
  | { kind: 'not'; operand: FilterNode }
  | { kind: 'call'; name: FunctionName; args: FilterNode[] };

export type CompareOp = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le';
export type FunctionName = 'substringof' | 'startswith' | 'endswith' | 'tolower' | 'toupper';

const COMPARE_OPS = new Set<string>(['eq', 'ne', 'gt', 'ge', 'lt', 'le']);
const ARITHMETIC_OPS = new Set<string>(['add', 'sub', 'mul', 'div', 'mod']);
export const FUNCTION_ARITY: Readonly<Record<FunctionName, number>> = { substringof: 2, startswith: 2, endswith: 2, tolower: 1, toupper: 1 };

/** A malformed expression; `position` is the 0-based offset in the text. */
export class FilterSyntaxError extends Error {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(message);
    this.name = 'FilterSyntaxError';
  }
}

type Token =
  | { kind: 'punct'; value: '(' | ')' | ','; at: number }
  | { kind: 'word'; value: string; at: number }
  | { kind: 'literal'; node: Extract<FilterNode, { kind: 'literal' }>; at: number }
  | { kind: 'end'; at: number };

const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
// 1C writes datetime literals without a zone: datetime'2025-01-20T09:00:00' (seconds optional).
const DATETIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/;
const WORD_START = /[\p{L}_]/u;
const WORD_PART = /[\p{L}\p{N}_/]/u;

export function isGuid(text: string): boolean {
  return GUID.test(text);
}

/** Normalises a 1C datetime literal to `YYYY-MM-DDTHH:MM:SS`, or undefined when malformed or impossible. */
export function normaliseDateTime(text: string): string | undefined {
  const m = DATETIME.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s = '00'] = m;
  const date = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)));
  if (date.getUTCMonth() !== Number(mo) - 1 || date.getUTCDate() !== Number(d) || Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return undefined;
  return `${y}-${mo}-${d}T${h}:${mi}:${s}`;
}

/** Reads a quoted string starting at `text[start] === "'"`; returns the value and the index after the closing quote. */
export function readQuoted(text: string, start: number): { value: string; end: number } {
  let value = '';
  let i = start + 1;
  for (;;) {
    if (i >= text.length) throw new FilterSyntaxError('Незакрытая строковая константа', start);
    const c = text[i]!;
    if (c === "'") {
      if (text[i + 1] === "'") {
        value += "'";
        i += 2;
        continue;
      }
      return { value, end: i + 1 };
    }
    value += c;
    i++;
  }
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    if (c === '(' || c === ')' || c === ',') {
      tokens.push({ kind: 'punct', value: c, at: i });
      i++;
      continue;
    }
    if (c === "'") {
      const { value, end } = readQuoted(text, i);
      tokens.push({ kind: 'literal', node: { kind: 'literal', type: 'string', value }, at: i });
      i = end;
      continue;
    }
    if (/[0-9]/.test(c) || (c === '-' && /[0-9]/.test(text[i + 1] ?? ''))) {
      const m = /^-?\d+(\.\d+)?([eE][+-]?\d+)?[mMdDfFlL]?/.exec(text.slice(i))!;
      const digits = m[0].replace(/[mMdDfFlL]$/, '');
      tokens.push({ kind: 'literal', node: { kind: 'literal', type: 'number', value: Number(digits) }, at: i });
      i += m[0].length;
      continue;
    }
    if (WORD_START.test(c)) {
      let j = i;
      while (j < text.length && WORD_PART.test(text[j]!)) j++;
      const word = text.slice(i, j);
      if (text[j] === "'" && (word === 'guid' || word === 'datetime' || word === 'datetimeoffset')) {
        const { value, end } = readQuoted(text, j);
        if (word === 'guid') {
          if (!isGuid(value)) throw new FilterSyntaxError(`Неверный формат литерала guid'${value}'`, i);
          tokens.push({ kind: 'literal', node: { kind: 'literal', type: 'guid', value: value.toLowerCase() }, at: i });
        } else {
          const normal = normaliseDateTime(value.replace(/(Z|[+-]\d{2}:\d{2})$/, ''));
          if (!normal) throw new FilterSyntaxError(`Неверный формат литерала ${word}'${value}'`, i);
          tokens.push({ kind: 'literal', node: { kind: 'literal', type: 'datetime', value: normal }, at: i });
        }
        i = end;
        continue;
      }
      if (word === 'true' || word === 'false') tokens.push({ kind: 'literal', node: { kind: 'literal', type: 'boolean', value: word === 'true' }, at: i });
      else if (word === 'null') tokens.push({ kind: 'literal', node: { kind: 'literal', type: 'null', value: null }, at: i });
      else tokens.push({ kind: 'word', value: word, at: i });
      i = j;
      continue;
    }
    throw new FilterSyntaxError(`Недопустимый символ '${c}'`, i);
  }
  tokens.push({ kind: 'end', at: text.length });
  return tokens;
}

class Parser {
  private pos = 0;
  constructor(private readonly tokens: Token[]) {}

  private peek(): Token {
    return this.tokens[this.pos]!;
  }
  private next(): Token {
    return this.tokens[this.pos++]!;
  }
  private isWord(value: string): boolean {
    const t = this.peek();
    return t.kind === 'word' && t.value === value;
  }
  private expectPunct(value: '(' | ')' | ','): void {
    const t = this.next();
    if (t.kind !== 'punct' || t.value !== value) throw new FilterSyntaxError(`Ожидается '${value}'`, t.at);
  }

  parseAll(): FilterNode {
    const node = this.or();
    const t = this.peek();
    if (t.kind !== 'end') throw new FilterSyntaxError(`Неожиданная лексема ${describe(t)}`, t.at);
    return node;
  }

  private or(): FilterNode {
    let left = this.and();
    while (this.isWord('or')) {
      this.next();
      left = { kind: 'logical', op: 'or', left, right: this.and() };
    }
    return left;
  }

  private and(): FilterNode {
    let left = this.comparison();
    while (this.isWord('and')) {
      this.next();
      left = { kind: 'logical', op: 'and', left, right: this.comparison() };
    }
    return left;
  }

  private comparison(): FilterNode {
    const left = this.unary();
    const t = this.peek();
    if (t.kind === 'word' && COMPARE_OPS.has(t.value)) {
      this.next();
      const right = this.unary();
      const after = this.peek();
      if (after.kind === 'word' && COMPARE_OPS.has(after.value)) throw new FilterSyntaxError(`Сравнения нельзя соединять без and/or: ${describe(after)}`, after.at);
      return { kind: 'compare', op: t.value as CompareOp, left, right };
    }
    if (t.kind === 'word' && ARITHMETIC_OPS.has(t.value)) throw new FilterSyntaxError(`Арифметическая операция '${t.value}' не поддерживается`, t.at);
    return left;
  }

  private unary(): FilterNode {
    if (this.isWord('not')) {
      this.next();
      return { kind: 'not', operand: this.unary() };
    }
    return this.primary();
  }

  private primary(): FilterNode {
    const t = this.next();
    if (t.kind === 'literal') return t.node;
    if (t.kind === 'punct' && t.value === '(') {
      const inner = this.or();
      this.expectPunct(')');
      return inner;
    }
    if (t.kind === 'word') {
      if (['and', 'or', ...COMPARE_OPS].includes(t.value)) throw new FilterSyntaxError(`Ожидается операнд, а не '${t.value}'`, t.at);
      const after = this.peek();
      if (after.kind === 'punct' && after.value === '(') {
        if (!(t.value in FUNCTION_ARITY)) throw new FilterSyntaxError(`Неизвестная функция '${t.value}'`, t.at);
        const name = t.value as FunctionName;
        this.next();
        const args: FilterNode[] = [];
        if (!(this.peek().kind === 'punct' && (this.peek() as { value: string }).value === ')')) {
          args.push(this.or());
          while (this.peek().kind === 'punct' && (this.peek() as { value: string }).value === ',') {
            this.next();
            args.push(this.or());
          }
        }
        this.expectPunct(')');
        if (args.length !== FUNCTION_ARITY[name]) throw new FilterSyntaxError(`Функция '${name}' принимает ${FUNCTION_ARITY[name]} аргумент(а), передано ${args.length}`, t.at);
        return { kind: 'call', name, args };
      }
      return { kind: 'property', name: t.value };
    }
    throw new FilterSyntaxError(t.kind === 'end' ? 'Неожиданный конец выражения' : `Неожиданная лексема ${describe(t)}`, t.at);
  }
}

function describe(t: Token): string {
  if (t.kind === 'end') return 'конец выражения';
  if (t.kind === 'literal') return 'константа';
  return `'${t.value}'`;
}

/** Parses a `$filter` (or a virtual table's `Condition`) expression. Throws FilterSyntaxError. */
export function parseFilter(text: string): FilterNode {
  if (text.trim() === '') throw new FilterSyntaxError('Пустое выражение отбора', 0);
  return new Parser(tokenize(text)).parseAll();
}

/** Every property name the expression mentions, in order of appearance. */
export function propertiesOf(node: FilterNode): string[] {
  switch (node.kind) {
    case 'property':
      return [node.name];
    case 'compare':
    case 'logical':
      return [...propertiesOf(node.left), ...propertiesOf(node.right)];
    case 'not':
      return propertiesOf(node.operand);
    case 'call':
      return node.args.flatMap(propertiesOf);
    default:
      return [];
  }
}
