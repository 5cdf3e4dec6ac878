import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import type { RouteHandler } from '../platform/http/http-server.js';

/** The console's bundle: one script and one stylesheet, each with its validator. */
export interface ConsoleBundle {
  readonly js: string;
  readonly css: string;
}

const SOURCE = fileURLToPath(new URL('../console/main.ts', import.meta.url));
const STYLES = fileURLToPath(new URL('../console/console.css', import.meta.url));
/** Where `npm run build` writes the bundle, beside the compiled gateway (dist/console/). */
const BUILT = new URL('../console/bundle/', import.meta.url);

/**
 * Bundles the staff console (`console/`, TypeScript and CSS) with esbuild into one script and one
 * stylesheet, everything it imports inlined: the page loads nothing but these two from the gateway.
 */
export async function bundleConsole(): Promise<ConsoleBundle> {
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [
      { in: SOURCE, out: 'console' },
      { in: STYLES, out: 'console' },
    ],
    bundle: true,
    write: false,
    outdir: 'out',
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    legalComments: 'none',
    charset: 'utf8',
    logLevel: 'silent',
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  const output = (ext: string) => {
    const file = result.outputFiles.find((f) => f.path.endsWith(ext));
    if (!file) throw new Error(`esbuild wrote no ${ext} for the console`);
    return file.text;
  };
  return { js: output('.js'), css: output('.css') };
}

/** Writes the bundle where the compiled gateway looks for it (`npm run build`). */
export async function writeConsoleBundle(distDir: string): Promise<void> {
  const { mkdir, writeFile } = await import('node:fs/promises');
  const bundle = await bundleConsole();
  const dir = `${distDir}/console/bundle`;
  await mkdir(dir, { recursive: true });
  await writeFile(`${dir}/console.js`, bundle.js);
  await writeFile(`${dir}/console.css`, bundle.css);
}

let loaded: Promise<ConsoleBundle> | undefined;

/** The built bundle when there is one (dist/), else bundled now from the sources (`npm start` on tsx), once. */
function consoleBundle(): Promise<ConsoleBundle> {
  loaded ??= (async () => {
    if (existsSync(new URL('console.js', BUILT))) {
      const [js, css] = await Promise.all([readFile(new URL('console.js', BUILT), 'utf8'), readFile(new URL('console.css', BUILT), 'utf8')]);
      return { js, css };
    }
    return bundleConsole();
  })();
  // A failed bundle is tried again on the next request rather than kept.
  loaded.catch(() => (loaded = undefined));
  return loaded;
}

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Staff console · Retail graph</title>
<link rel="stylesheet" href="/console/console.css">
<script defer src="/console/console.js"></script>
</head>
<body>
<div id="console"><noscript>The staff console needs JavaScript.</noscript></div>
</body>
</html>
`;

/**
 * Same origin only, no inline script or style, no frames: the page may load its own script and
 * stylesheet and call this gateway's `/graphql`, nothing else.
 */
export const CONSOLE_CSP = ["default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'", "img-src 'self'", "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'"].join('; ');

const SECURITY_HEADERS = {
  'content-security-policy': CONSOLE_CSP,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
} as const;

function send(req: IncomingMessage, res: ServerResponse, type: string, body: string): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD', ...SECURITY_HEADERS }).end();
    return;
  }
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
  // Revalidated on every load, so a new gateway's console is picked up at once.
  const headers = { 'content-type': type, etag, 'cache-control': 'no-cache', ...SECURITY_HEADERS };
  if (req.headers['if-none-match'] === etag) {
    res.writeHead(304, headers).end();
    return;
  }
  res.writeHead(200, { ...headers, 'content-length': Buffer.byteLength(body) });
  res.end(req.method === 'HEAD' ? undefined : body);
}

/**
 * The staff console's routes: the page at `/console` and its two assets. The page holds no data;
 * everything it shows comes from `/graphql` with the staff token pasted into it.
 */
export function consoleRoutes(): Record<string, RouteHandler> {
  const page: RouteHandler = (req, res) => send(req, res, 'text/html; charset=utf-8', PAGE);
  return {
    '/console': page,
    '/console/': page,
    '/console/console.js': async (req, res) => send(req, res, 'text/javascript; charset=utf-8', (await consoleBundle()).js),
    '/console/console.css': async (req, res) => send(req, res, 'text/css; charset=utf-8', (await consoleBundle()).css),
  };
}
