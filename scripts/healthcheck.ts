import { pathToFileURL } from 'node:url';

/**
 * `node dist/scripts/healthcheck.js [url ...]`: the image's HEALTHCHECK (and compose's). Every
 * service runs the same image with its own command, so each names what to ask in `HEALTH_URL`
 * (comma-separated: the emulators are three servers in one process), or on the command line.
 * Exit 0 when every URL answers 2xx within `HEALTH_TIMEOUT_MS` (3 s), else 1, as Docker expects;
 * a `/ready` that says `degraded` is healthy: the process still serves what needs no open upstream.
 * No curl in a slim image, and no configuration parsed: this runs beside the service, not as it.
 */
export async function checkHealth(urls: readonly string[], timeoutMs: number): Promise<{ healthy: boolean; lines: string[] }> {
  if (urls.length === 0) return { healthy: false, lines: ['no URL to check: set HEALTH_URL'] };
  const results = await Promise.all(
    urls.map(async (url) => {
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
        const body = (await res.text()).slice(0, 200);
        return { ok: res.ok, line: `${url}: ${res.status} ${body}` };
      } catch (error) {
        return { ok: false, line: `${url}: ${error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error)}` };
      }
    }),
  );
  return { healthy: results.every((r) => r.ok), lines: results.map((r) => r.line) };
}

export function healthUrls(argv: readonly string[], env: Record<string, string | undefined>): string[] {
  const given = argv.length > 0 ? argv : (env.HEALTH_URL ?? '').split(',');
  return given.map((u) => u.trim()).filter(Boolean);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const timeoutMs = Number(process.env.HEALTH_TIMEOUT_MS ?? 3000);
  const { healthy, lines } = await checkHealth(healthUrls(process.argv.slice(2), process.env), timeoutMs);
  // Docker keeps the last lines a check printed (`docker inspect`), so say what was asked and answered.
  for (const line of lines) console.log(line);
  process.exit(healthy ? 0 : 1);
}
