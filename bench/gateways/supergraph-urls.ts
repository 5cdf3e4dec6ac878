import { readSupergraph } from '../../scripts/supergraph.js';

/** The committed supergraph with each subgraph's URL replaced: every gateway of the bench serves the same file. */
export async function supergraphFor(urls: Readonly<Record<string, string>>): Promise<string> {
  let sdl = await readSupergraph();
  for (const [name, url] of Object.entries(urls)) {
    sdl = sdl.replace(new RegExp(`(@join__graph\\(name: "${name}", url: ")[^"]*(")`), `$1${url}$2`);
  }
  return sdl;
}

/** Gateway processes get their subgraph URLs and port from the environment. */
export const gatewayEnv = () => ({
  urls: JSON.parse(process.env.BENCH_SUBGRAPH_URLS ?? '{}') as Record<string, string>,
  port: Number(process.env.BENCH_GATEWAY_PORT ?? 0),
});

/** Tells the parent process the gateway listens (one line on stdout). */
export const announce = (url: string) => console.log(JSON.stringify({ listening: url }));
