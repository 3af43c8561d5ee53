import { EventEmitter } from 'node:events';
import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';

import type { z } from 'zod';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';

import type { Population, Person } from '../population/population.types.js';
import { buildSystemDirectories } from '../records/system-records.js';
import { acuteRouter } from '../systems/acute/acute.router.js';
import { LiveEventError, LiveEventSimulator, liveEventRequestSchema, simulateEvent } from '../systems/acute/live-events.js';
import { feedOf, Hl7Feed, parseHl7Target } from '../systems/acute/hl7-feed.js';
import { gpRouter } from '../systems/gp/gp.router.js';
import { identityProviderRouter } from '../systems/idp/idp.router.js';
import { mentalHealthRouter } from '../systems/mental-health/mental-health.router.js';
import { pdsRouter } from '../systems/pds/pds.router.js';
import { socialCareRouter } from '../systems/social-care/social-care.router.js';
import { faultSchema, FaultControls, isSimulatedSystem, SIMULATED_SYSTEMS, type SimulatedSystem } from './faults.js';
import { HistoryStore, type SandboxContext, type SandboxEvent } from './sandbox-context.js';
import { sourceManifest } from './source-manifest.js';

export interface SandboxOptions {
  population: Population;
  host: string;
  port: number;
  /** host:port of the hub's MLLP listener the acute trust sends HL7 v2 to; no feed when absent. */
  hl7Target?: string;
  /** How often a live event (admission, discharge, result) happens; 0 for none. */
  eventIntervalMs?: number;
  /** The URL others reach the sandbox at, when it differs from the listening address. */
  publicUrl?: string;
}

export interface RunningSandbox {
  url: string;
  context: SandboxContext;
  hl7Feed?: Hl7Feed;
  stop(): Promise<void>;
}

type RouterFactory = (context: SandboxContext) => Router | Promise<Router>;

const ROUTERS: Record<SimulatedSystem, RouterFactory> = {
  gp: gpRouter,
  acute: acuteRouter,
  'mental-health': mentalHealthRouter,
  'social-care': socialCareRouter,
  pds: pdsRouter,
  idp: identityProviderRouter,
};

/** Starts every simulated system on one port, one path prefix each. */
export async function startSandbox(options: SandboxOptions): Promise<RunningSandbox> {
  // Refuse a bad feed target before taking the port.
  if (options.hl7Target) parseHl7Target(options.hl7Target);
  const people = new Map<string, Person>(options.population.people.map((person) => [person.id, person]));
  const context: SandboxContext = {
    population: options.population,
    people,
    directories: buildSystemDirectories(options.population),
    histories: new HistoryStore(options.population, people),
    faults: new FaultControls(),
    events: new EventEmitter<{ event: [SandboxEvent] }>(),
    publicUrl: options.publicUrl ?? '',
    now: () => new Date(),
  };

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(express.json({ limit: '1mb', type: ['application/json', 'application/fhir+json', 'application/json+fhir'] }));
  app.use('/sandbox', controlRouter(context));

  const server = createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  context.publicUrl = options.publicUrl ?? `http://${host}:${address.port}`;

  // Routers are built once the public URL is known: FHIR bundles carry absolute links.
  for (const system of SIMULATED_SYSTEMS) {
    app.use(`/${system}`, context.faults.middleware(system), await ROUTERS[system](context));
  }
  app.use((request: Request, response: Response) => {
    response.status(404).json({ error: 'not-found', message: `no simulated system answers ${request.method} ${request.path}` });
  });
  app.use(jsonErrorHandler);

  const hl7Feed = options.hl7Target ? new Hl7Feed(context, options.hl7Target) : undefined;
  hl7Feed?.start();
  const simulator = options.eventIntervalMs ? new LiveEventSimulator(context, options.eventIntervalMs) : undefined;
  simulator?.start();

  return {
    url: context.publicUrl,
    context,
    hl7Feed,
    async stop() {
      simulator?.stop();
      await hl7Feed?.stop();
      context.faults.clearAll();
      await closeServer(server);
    },
  };
}

/** /sandbox: what the sandbox holds, and the fault switches. */
function controlRouter(context: SandboxContext): Router {
  const router = express.Router();
  router.get('/', (_request, response) => {
    response.json({
      seed: context.population.seed,
      referenceDate: context.population.referenceDate,
      people: context.population.people.length,
      systems: Object.fromEntries(
        SIMULATED_SYSTEMS.map((system) => [system, { url: `${context.publicUrl}/${system}`, records: recordCount(context, system) }]),
      ),
    });
  });
  router.get('/sources', (_request, response) => {
    response.json(sourceManifest(context.publicUrl));
  });
  router.get('/faults', (_request, response) => {
    response.json(context.faults.all());
  });
  router.put('/faults/:system', (request, response) => {
    const system = String(request.params.system);
    if (!isSimulatedSystem(system)) {
      response
        .status(404)
        .json({ error: 'unknown-system', message: `no simulated system "${system}"; known: ${SIMULATED_SYSTEMS.join(', ')}` });
      return;
    }
    const parsed = faultSchema.safeParse(request.body ?? {});
    if (!parsed.success) {
      const problems = zodProblems(parsed.error);
      response.status(400).json({ error: 'invalid-fault', message: problems.join('; '), problems });
      return;
    }
    context.faults.set(system, parsed.data);
    response.json({ system, fault: context.faults.get(system) });
  });
  router.delete('/faults/:system', (request, response) => {
    const system = String(request.params.system);
    if (!isSimulatedSystem(system)) {
      response.status(404).json({ error: 'unknown-system', message: `no simulated system "${system}"` });
      return;
    }
    context.faults.clear(system);
    response.status(204).end();
  });
  router.delete('/faults', (_request, response) => {
    context.faults.clearAll();
    response.status(204).end();
  });
  // Makes a hospital event happen now (the same as the live simulator's), for tests and demos.
  router.post('/events', (request, response) => {
    const parsed = liveEventRequestSchema.safeParse(request.body ?? {});
    if (!parsed.success) {
      const problems = zodProblems(parsed.error);
      response.status(400).json({ error: 'invalid-event', message: problems.join('; '), problems });
      return;
    }
    try {
      response.status(201).json(simulateEvent(context, parsed.data));
    } catch (error) {
      if (!(error instanceof LiveEventError)) throw error;
      response.status(error.status).json({ error: error.code, message: error.message });
    }
  });
  // The acute trust's HL7 v2 feed to the hub: queue and delivery counters, no message content.
  router.get('/feed', (_request, response) => {
    const feed = feedOf(context);
    response.json(
      feed ? { enabled: true, ...feed.status() } : { enabled: false, message: 'no HL7 feed: the sandbox was started without an hl7Target' },
    );
  });
  return router;
}

/** One line per invalid field, naming it. */
function zodProblems(error: z.ZodError): string[] {
  return error.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`);
}

function recordCount(context: SandboxContext, system: SimulatedSystem): number | undefined {
  return system === 'idp' ? undefined : context.directories[system].records.length;
}

/**
 * Errors raised before a system's router runs (a malformed JSON body) answered in the shape the
 * system speaks: OAuth errors from the identity providers, the council API's own envelope, and
 * an OperationOutcome from the FHIR and GP Connect systems.
 */
function jsonErrorHandler(error: unknown, request: Request, response: Response, _next: NextFunction): void {
  const status = typeof error === 'object' && error !== null && 'status' in error ? Number((error as { status: unknown }).status) : 500;
  const client = status >= 400 && status < 500;
  const code = client ? status : 500;
  const message = client
    ? error instanceof SyntaxError
      ? 'the request body is not valid JSON'
      : error instanceof Error
        ? error.message
        : 'bad request'
    : 'the simulated system failed';
  const system = request.path.split('/')[1] ?? '';
  if (system === 'idp') {
    response.status(code).json({ error: client ? 'invalid_request' : 'server_error', error_description: message });
  } else if (system === 'social-care') {
    response.status(code).json({ error: { code: client ? 'BAD_REQUEST' : 'INTERNAL_ERROR', message } });
  } else if (isSimulatedSystem(system)) {
    response.status(code).json({
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'error', code: client ? 'invalid' : 'exception', diagnostics: message }],
    });
  } else {
    response.status(code).json({ error: client ? 'bad-request' : 'internal-error', message });
  }
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
