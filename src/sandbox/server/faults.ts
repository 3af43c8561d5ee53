import type { NextFunction, Request, Response } from 'express';
import { z } from 'zod';

/** The simulated systems that answer HTTP, each under its own path prefix. */
export const SIMULATED_SYSTEMS = ['gp', 'acute', 'mental-health', 'social-care', 'pds', 'idp'] as const;
export type SimulatedSystem = (typeof SIMULATED_SYSTEMS)[number];

export const faultSchema = z
  .object({
    latencyMs: z.number().int().min(0).max(120_000).default(0),
    jitterMs: z.number().int().min(0).max(120_000).default(0),
    errorRate: z.number().min(0).max(1).default(0),
    down: z.boolean().default(false),
    hang: z.boolean().default(false),
  })
  .strict();

export type Fault = z.infer<typeof faultSchema>;

export const NO_FAULT: Fault = Object.freeze({ latencyMs: 0, jitterMs: 0, errorRate: 0, down: false, hang: false });

export function isSimulatedSystem(value: string): value is SimulatedSystem {
  return (SIMULATED_SYSTEMS as readonly string[]).includes(value);
}

/**
 * Faults switched at run time per system (PUT /sandbox/faults/<system>). A hung request is
 * held until the fault clears or the sandbox stops, as a stuck upstream would.
 */
export class FaultControls {
  private readonly faults = new Map<SimulatedSystem, Fault>();
  private readonly hung = new Map<SimulatedSystem, Set<Response>>();
  /** Deterministic error draws, so a test asking for errorRate 0.5 sees a half of errors. */
  private errorDraws = 0;

  get(system: SimulatedSystem): Fault {
    return this.faults.get(system) ?? NO_FAULT;
  }

  all(): Record<SimulatedSystem, Fault> {
    return Object.fromEntries(SIMULATED_SYSTEMS.map((system) => [system, this.get(system)])) as Record<SimulatedSystem, Fault>;
  }

  set(system: SimulatedSystem, fault: Fault): void {
    this.faults.set(system, fault);
    if (!fault.hang) this.releaseHung(system);
  }

  clear(system: SimulatedSystem): void {
    this.faults.delete(system);
    this.releaseHung(system);
  }

  clearAll(): void {
    for (const system of SIMULATED_SYSTEMS) this.clear(system);
  }

  /** Express middleware applying the system's current fault before its handlers run. */
  middleware(system: SimulatedSystem) {
    return (request: Request, response: Response, next: NextFunction): void => {
      const fault = this.get(system);
      if (fault.down) {
        // A system that is down resets the connection rather than answering.
        request.socket.destroy();
        return;
      }
      if (fault.hang) {
        this.holdHung(system, response);
        return;
      }
      const delay = fault.latencyMs + (fault.jitterMs > 0 ? Math.random() * fault.jitterMs : 0);
      const proceed = (): void => {
        if (this.drawError(fault.errorRate)) {
          response.status(500).json(errorOutcome(system));
          return;
        }
        next();
      };
      if (delay > 0) setTimeout(proceed, delay);
      else proceed();
    };
  }

  private drawError(rate: number): boolean {
    if (rate <= 0) return false;
    if (rate >= 1) return true;
    // Error diffusion: over n requests, exactly round(n * rate) fail, spread evenly.
    const before = Math.floor(this.errorDraws * rate);
    this.errorDraws += 1;
    return Math.floor(this.errorDraws * rate) > before;
  }

  private holdHung(system: SimulatedSystem, response: Response): void {
    const held = this.hung.get(system) ?? new Set<Response>();
    this.hung.set(system, held);
    held.add(response);
    response.on('close', () => held.delete(response));
  }

  private releaseHung(system: SimulatedSystem): void {
    const held = this.hung.get(system);
    if (!held) return;
    for (const response of held) response.socket?.destroy();
    held.clear();
  }
}

/** The error a faulty system answers with: a FHIR OperationOutcome, as most of them speak FHIR. */
function errorOutcome(system: SimulatedSystem) {
  return {
    resourceType: 'OperationOutcome',
    issue: [{ severity: 'error', code: 'transient', diagnostics: `simulated fault in ${system}` }],
  };
}
