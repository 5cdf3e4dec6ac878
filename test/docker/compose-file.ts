import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

/** docker-compose.yml as compose reads it (YAML merge keys resolved), the parts the tests look at. */
export interface ComposeService {
  readonly image?: string;
  readonly build?: unknown;
  readonly command?: readonly string[];
  readonly environment?: Readonly<Record<string, string | number | boolean | null>>;
  readonly env_file?: string | readonly (string | { path: string })[];
  readonly healthcheck?: { readonly test?: readonly string[]; readonly disable?: boolean };
  readonly depends_on?: Readonly<Record<string, { condition?: string }>> | readonly string[];
  readonly deploy?: { readonly replicas?: number };
  readonly stop_grace_period?: string;
}

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export function readCompose(text = readFileSync(`${REPO_ROOT}docker-compose.yml`, 'utf8')): Record<string, ComposeService> {
  return (parse(text, { merge: true }) as { services: Record<string, ComposeService> }).services;
}

/** The services that run this repository's image (a `node …` command), not Postgres or Redis. */
export function nodeServices(services: Record<string, ComposeService>): [string, ComposeService][] {
  return Object.entries(services).filter(([, s]) => s.command?.[0] === 'node');
}
