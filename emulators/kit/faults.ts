import { z } from 'zod';

/**
 * Fault switches of an emulator. Tests flip them in-process (`emulator.faults.set`) or over HTTP
 * (`POST /__emulator/faults`). Each switch may be limited to paths matching `pathPattern`.
 */
export const faultSettingsSchema = z.object({
  /** Added delay before every matching request, in ms. */
  latencyMs: z.number().int().min(0).max(120_000).default(0),
  /** Answer matching requests with this status without doing anything (500, 502, 503, 429 ...). */
  failStatus: z.number().int().min(400).max(599).optional(),
  /** How many requests the failure applies to; -1 = until cleared. */
  failCount: z.number().int().min(-1).default(-1),
  /** With `failStatus`: the failure carries `Retry-After: <seconds>` (emulators that support it: RetailCRM). */
  retryAfterSeconds: z.number().int().min(0).max(3_600).optional(),
  /** Apply the request, then drop the connection without an answer (the reply is lost). */
  dropAfterApply: z.boolean().default(false),
  /** How many requests to drop; -1 = until cleared. */
  dropCount: z.number().int().min(-1).default(-1),
  /** Refuse every request as if the process were down (connection reset, nothing applied). */
  down: z.boolean().default(false),
  /** Regular expression on `METHOD /path`; all requests when absent. */
  pathPattern: z.string().max(500).optional(),
});

export type FaultSettings = z.infer<typeof faultSettingsSchema>;
export type FaultInput = z.input<typeof faultSettingsSchema>;

export type FaultDecision =
  | { kind: 'pass'; latencyMs: number; drop: boolean }
  | { kind: 'fail'; latencyMs: number; status: number }
  | { kind: 'reset' };

export class FaultSwitches {
  private settings: FaultSettings = faultSettingsSchema.parse({});
  private pattern: RegExp | undefined;

  set(input: FaultInput): FaultSettings {
    this.settings = faultSettingsSchema.parse(input);
    this.pattern = this.settings.pathPattern ? new RegExp(this.settings.pathPattern) : undefined;
    return this.settings;
  }

  clear(): void {
    this.set({});
  }

  get current(): FaultSettings {
    return this.settings;
  }

  /** Decides the fate of one request, consuming one use of a counted switch. */
  decide(method: string, path: string): FaultDecision {
    const s = this.settings;
    if (this.pattern && !this.pattern.test(`${method} ${path}`)) return { kind: 'pass', latencyMs: 0, drop: false };
    if (s.down) return { kind: 'reset' };
    if (s.failStatus !== undefined && s.failCount !== 0) {
      if (s.failCount > 0) s.failCount--;
      return { kind: 'fail', latencyMs: s.latencyMs, status: s.failStatus };
    }
    let drop = false;
    if (s.dropAfterApply && s.dropCount !== 0) {
      if (s.dropCount > 0) s.dropCount--;
      drop = true;
    }
    return { kind: 'pass', latencyMs: s.latencyMs, drop };
  }
}
