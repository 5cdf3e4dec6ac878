// autocannon ships no types; the bench uses its programmatic API loosely typed.
declare module 'autocannon' {
  const autocannon: (options: Record<string, unknown>) => PromiseLike<Record<string, any>> & { on(event: string, listener: (...args: any[]) => void): void };
  export default autocannon;
}
