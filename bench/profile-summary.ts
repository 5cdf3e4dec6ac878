import { readFileSync } from 'node:fs';

/**
 * `tsx bench/profile-summary.ts <file.cpuprofile> [top]`: where a V8 CPU profile spent its time,
 * by package (self time), then the busiest functions, as shares of the busy (not idle) samples: a
 * gateway of the load bench idles while the other targets take their turns. For finding what a
 * gateway does per request. PROFILE_SKIP_SECONDS=n leaves out the first n seconds.
 */
interface Node { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }
const [file, topArg] = process.argv.slice(2);
if (!file) throw new Error('usage: profile-summary <file.cpuprofile> [top]');
const profile = JSON.parse(readFileSync(file, 'utf8')) as { nodes: Node[]; samples: number[]; timeDeltas: number[] };
// PROFILE_SKIP_SECONDS=n leaves out the profile's first n seconds (start-up, a warm-up).
const skipUs = Number(process.env.PROFILE_SKIP_SECONDS ?? 0) * 1e6;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map<number, number>();
let elapsedUs = 0;
profile.samples.forEach((id, i) => {
  elapsedUs += profile.timeDeltas[i] ?? 0;
  if (elapsedUs >= skipUs) self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
});
const idle = new Set(profile.nodes.filter((n) => n.callFrame.functionName === '(idle)').map((n) => n.id));
for (const id of idle) self.delete(id);
const total = [...self.values()].reduce((a, b) => a + b, 0);
const packageOf = (url: string) => {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1]!;
  if (!url) return '(native / idle / gc)';
  if (url.startsWith('node:')) return 'node core';
  return url.replace(/^file:\/\/.*?\/(gateway|platform|bench|subgraphs)\//, '$1/');
};
const sum = (key: (n: Node) => string) => {
  const acc = new Map<string, number>();
  for (const [id, us] of self) acc.set(key(byId.get(id)!), (acc.get(key(byId.get(id)!)) ?? 0) + us);
  return [...acc].sort((a, b) => b[1] - a[1]);
};
const top = Number(topArg ?? 25);
console.log(`${(total / 1e6).toFixed(2)} s busy`);
for (const [name, us] of sum((n) => packageOf(n.callFrame.url)).slice(0, top)) console.log(`${((us / total) * 100).toFixed(1).padStart(5)} %  ${name}`);
console.log('--- functions');
for (const [name, us] of sum((n) => `${n.callFrame.functionName || '(anonymous)'} ${packageOf(n.callFrame.url)}:${n.callFrame.lineNumber}`).slice(0, top)) console.log(`${((us / total) * 100).toFixed(1).padStart(5)} %  ${name}`);
