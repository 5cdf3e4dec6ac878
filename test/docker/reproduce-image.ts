import { spawn } from 'node:child_process';
import { cpSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, symlinkSync, copyFileSync } from 'node:fs';
import { basename, dirname, join, posix } from 'node:path';
import balenaDockerignore from '@balena/dockerignore';
import { DockerfileParser, type Copy, type Env, type Healthcheck, type Instruction, type Run } from 'dockerfile-ast';

// The package is CommonJS (`module.exports = ignore`) typed as an ES default export: Node hands us the function itself.
const ignore = balenaDockerignore as unknown as typeof balenaDockerignore.default;

/** `.dockerignore`'s rules, matched as Docker matches them. */
export const dockerignoreRules = (text: string): { ignores(path: string): boolean } => ignore().add(text);

/**
 * The Dockerfile done without a Docker daemon: its build context made from `.dockerignore` by
 * Docker's own matching rules (`@balena/dockerignore`), then each stage's steps in a directory of
 * its own standing for the stage's filesystem. Only what this repository's Dockerfile uses is
 * reproduced (WORKDIR, ENV, COPY with `--from`, RUN of npm commands); anything else is refused by
 * name, so a change to the Dockerfile that the reproduction would get wrong fails loudly.
 */

export type DockerStep =
  | { readonly kind: 'workdir'; readonly path: string }
  | { readonly kind: 'env'; readonly name: string; readonly value: string }
  | { readonly kind: 'copy'; readonly from: string | undefined; readonly sources: readonly string[]; readonly dest: string }
  | { readonly kind: 'run'; readonly command: string };

export interface DockerStage {
  readonly name: string;
  readonly image: string;
  readonly steps: readonly DockerStep[];
  /** Every ENV of the stage, as its processes see them. */
  readonly env: Readonly<Record<string, string>>;
  readonly user: string | undefined;
  /** The HEALTHCHECK's command in exec form. */
  readonly healthcheck: readonly string[] | undefined;
  readonly cmd: readonly string[] | undefined;
}

const IGNORED_KEYWORDS = new Set(['EXPOSE', 'LABEL']);

function execForm(instruction: Instruction, text: string): string[] {
  const trimmed = text.trim();
  if (!trimmed.startsWith('[')) throw new Error(`line ${instruction.getRange().start.line + 1}: ${instruction.getKeyword()} in shell form is not reproduced; use the exec form`);
  return JSON.parse(trimmed) as string[];
}

export function parseDockerfile(text: string): DockerStage[] {
  const stages: { name: string; image: string; steps: DockerStep[]; env: Record<string, string>; user: string | undefined; healthcheck: string[] | undefined; cmd: string[] | undefined }[] = [];
  for (const instruction of DockerfileParser.parse(text).getInstructions()) {
    const keyword = instruction.getKeyword();
    const where = `Dockerfile line ${instruction.getRange().start.line + 1} (${keyword})`;
    const args = instruction.getArguments().map((a) => a.getValue());
    if (keyword === 'FROM') {
      const [image, as, name] = args;
      if (!image || (as && as.toUpperCase() !== 'AS')) throw new Error(`${where}: not understood`);
      stages.push({ name: name ?? String(stages.length), image, steps: [], env: {}, user: undefined, healthcheck: undefined, cmd: undefined });
      continue;
    }
    const stage = stages.at(-1);
    if (!stage) throw new Error(`${where}: before any FROM`);
    switch (keyword) {
      case 'WORKDIR':
        stage.steps.push({ kind: 'workdir', path: args[0]! });
        break;
      case 'ENV':
        for (const property of (instruction as Env).getProperties()) {
          const step = { kind: 'env' as const, name: property.getName(), value: property.getValue() ?? '' };
          stage.steps.push(step);
          stage.env[step.name] = step.value;
        }
        break;
      case 'COPY': {
        const copy = instruction as Copy;
        for (const flag of copy.getFlags()) if (!['from', 'chown', 'chmod', 'link'].includes(flag.getName())) throw new Error(`${where}: --${flag.getName()} is not reproduced`);
        const json = copy.getJSONStrings().map((s) => s.getJSONValue());
        const paths = json.length > 0 ? json : args;
        if (paths.length < 2 || paths.some((p) => /[*?[]/.test(p))) throw new Error(`${where}: wildcards are not reproduced`);
        stage.steps.push({ kind: 'copy', from: copy.getFromFlag()?.getValue() ?? undefined, sources: paths.slice(0, -1), dest: paths.at(-1)! });
        break;
      }
      case 'RUN':
        for (const flag of (instruction as Run).getFlags()) {
          // A cache mount keeps npm's cache out of the image; it changes nothing the image holds.
          if (flag.getName() !== 'mount' || !/(^|,)type=cache(,|$)/.test(flag.getValue() ?? '')) throw new Error(`${where}: --${flag.getName()}=${flag.getValue()} is not reproduced`);
        }
        stage.steps.push({ kind: 'run', command: instruction.getArgumentsContent() ?? '' });
        break;
      case 'USER':
        stage.user = args[0];
        break;
      case 'HEALTHCHECK': {
        const health = instruction as Healthcheck;
        const sub = health.getSubcommand()?.getValue().toUpperCase();
        if (sub !== 'CMD') throw new Error(`${where}: only HEALTHCHECK CMD is reproduced`);
        stage.healthcheck = execForm(instruction, (instruction.getArgumentsContent() ?? '').replace(/^\s*CMD\s+/i, ''));
        break;
      }
      case 'CMD':
        stage.cmd = execForm(instruction, instruction.getArgumentsContent() ?? '');
        break;
      default:
        if (!IGNORED_KEYWORDS.has(keyword)) throw new Error(`${where}: not reproduced by test/docker/reproduce-image.ts`);
    }
  }
  return stages;
}

/** The paths, from the context's root, that Docker would send for `.dockerignore`'s rules, copied into `into`. */
export function makeBuildContext(root: string, dockerignore: string, into: string): string[] {
  const ig = dockerignoreRules(dockerignore);
  // A folder that is excluded is not walked unless an exception could re-include something in it, as Docker does.
  const exceptions = dockerignore
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('!'))
    .map((l) => l.slice(1).replace(/^\.?\//, ''));
  const mayReinclude = (dir: string) => exceptions.some((e) => e.startsWith(`${dir}/`) || /^[*?[]/.test(e));
  const copied: string[] = [];
  const walk = (rel: string) => {
    for (const entry of readdirSync(join(root, rel), { withFileTypes: true })) {
      const path = rel ? posix.join(rel, entry.name) : entry.name;
      if (entry.isDirectory()) {
        if (!ig.ignores(path) || mayReinclude(path)) walk(path);
        continue;
      }
      if (ig.ignores(path)) continue;
      mkdirSync(join(into, dirname(path)), { recursive: true });
      const stat = lstatSync(join(root, path));
      if (stat.isSymbolicLink()) symlinkSync(readlinkSync(join(root, path)), join(into, path));
      else copyFileSync(join(root, path), join(into, path));
      copied.push(path);
    }
  };
  mkdirSync(into, { recursive: true });
  walk('');
  return copied;
}

export interface ReproducedStage {
  readonly stage: DockerStage;
  /** The directory standing for the stage's filesystem root. */
  readonly root: string;
  /** Its last WORKDIR, where its RUN steps ran and its CMD would. */
  readonly workdir: string;
}

export interface ReproduceOptions {
  readonly context: string;
  /** Where the stages' filesystems are made, one folder each. */
  readonly into: string;
  /** Stop after this stage (`docker build --target`). */
  readonly target?: string;
  /**
   * An earlier reproduction whose `npm ci` steps may stand in for this one's when the stage's
   * package.json and package-lock.json are the same (its node_modules linked), as Docker's layer
   * cache would: a context that differs in its sources then costs a build, not an install.
   */
  readonly cached?: Readonly<Record<string, ReproducedStage>>;
  readonly log?: (line: string) => void;
}

/** A RUN step as the build would run it, on this machine's npm (and its cache, preferred to the registry). */
export function runStep(command: string, cwd: string, env: Readonly<Record<string, string>>): Promise<string> {
  if (!/^npm\s/.test(command)) return Promise.reject(new Error(`RUN ${command}: only npm commands are reproduced here`));
  const inherited = Object.fromEntries(['PATH', 'HOME', 'npm_config_cache', 'TMPDIR'].flatMap((k) => (process.env[k] ? [[k, process.env[k]!]] : [])));
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', command], {
      cwd,
      env: { ...inherited, ...env, npm_config_prefer_offline: 'true', npm_config_update_notifier: 'false' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(output) : reject(new Error(`RUN ${command} exited with ${code}:\n${output.slice(-4000)}`))));
  });
}

export async function reproduceImage(stages: readonly DockerStage[], options: ReproduceOptions): Promise<Record<string, ReproducedStage>> {
  const done: Record<string, ReproducedStage> = {};
  for (const stage of stages) {
    if (stages.some((s) => s.name === stage.image)) throw new Error(`FROM ${stage.image}: a stage built on another stage is not reproduced`);
    const root = join(options.into, stage.name);
    let workdir = '/';
    const env: Record<string, string> = {};
    const inStage = (path: string) => join(root, posix.resolve(workdir, path));
    mkdirSync(root, { recursive: true });
    for (const step of stage.steps) {
      if (step.kind === 'workdir') {
        workdir = posix.resolve(workdir, step.path);
        mkdirSync(join(root, workdir), { recursive: true });
      } else if (step.kind === 'env') {
        env[step.name] = step.value;
      } else if (step.kind === 'copy') {
        const source = step.from === undefined ? options.context : done[step.from]?.root;
        if (source === undefined) throw new Error(`COPY --from=${step.from}: no such earlier stage`);
        const dest = inStage(step.dest);
        const intoFolder = step.dest.endsWith('/') || step.sources.length > 1;
        for (const src of step.sources) {
          const from = step.from === undefined ? join(source, posix.normalize(src)) : join(source, posix.resolve('/', src));
          if (!existsSync(from)) throw new Error(`COPY ${src}: not in the ${step.from === undefined ? 'build context' : `stage ${step.from}`}`);
          const isFolder = lstatSync(from).isDirectory();
          // A folder's contents go into the destination; a file goes into it when it is a folder.
          const target = !isFolder && intoFolder ? join(dest, basename(from)) : dest;
          mkdirSync(isFolder ? target : dirname(target), { recursive: true });
          cpSync(from, target, { recursive: true, verbatimSymlinks: true });
        }
      } else {
        const cwd = join(root, workdir);
        const earlier = options.cached?.[stage.name];
        if (earlier && /^npm ci(\s|$)/.test(step.command) && samePackageFiles(cwd, join(earlier.root, earlier.workdir))) {
          options.log?.(`${stage.name}: RUN ${step.command} (cached: node_modules of the earlier build)`);
          symlinkSync(join(earlier.root, earlier.workdir, 'node_modules'), join(cwd, 'node_modules'), 'dir');
          continue;
        }
        options.log?.(`${stage.name}: RUN ${step.command}`);
        await runStep(step.command, cwd, env);
      }
    }
    done[stage.name] = { stage, root, workdir };
    if (stage.name === options.target) break;
  }
  return done;
}

function samePackageFiles(a: string, b: string): boolean {
  return ['package.json', 'package-lock.json'].every((f) => existsSync(join(a, f)) && existsSync(join(b, f)) && readFileSync(join(a, f)).equals(readFileSync(join(b, f))));
}
