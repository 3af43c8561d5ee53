import express, { type NextFunction, type Request, type Response, type Router } from 'express';

import type { SandboxContext } from '../../server/sandbox-context.js';
import { SocialCareClients, type ClientEntry } from './social-care-clients.js';
import { SocialCareError } from './social-care.errors.js';
import { assessmentView, carePackageView, workerView } from './social-care-format.js';
import { parseChangesQuery, parseClientQuery } from './social-care-query.js';

/**
 * /social-care: the council's adult social care case management system (a Mosaic or
 * LiquidLogic), with its own JSON API and its own, imperfect, copy of each client.
 */
export function socialCareRouter(context: SandboxContext): Router {
  const clients = new SocialCareClients(context);
  const router = express.Router();
  const found = (request: Request): ClientEntry => {
    const clientId = String(request.params.clientId);
    const entry = clients.get(clientId);
    if (!entry) throw new SocialCareError('CLIENT_NOT_FOUND', `no client ${clientId}`);
    return entry;
  };

  router.get('/api/v1/clients', (request, response) => {
    const query = parseClientQuery(request.query);
    const matches = clients.search(query);
    const start = (query.page - 1) * query.pageSize;
    response.json({
      totalCount: matches.length,
      page: query.page,
      pageSize: query.pageSize,
      clients: matches.slice(start, start + query.pageSize).map((entry) => entry.client),
    });
  });

  router.get('/api/v1/clients/:clientId', (request, response) => {
    response.json(found(request).client);
  });

  router.get('/api/v1/clients/:clientId/assessments', (request, response) => {
    const entry = found(request);
    const items = clients.history(entry)?.assessments ?? [];
    const latestFirst = [...items].sort((a, b) => b.date.localeCompare(a.date));
    response.json({ clientId: entry.client.clientId, assessments: latestFirst.map(assessmentView) });
  });

  router.get('/api/v1/clients/:clientId/packages', (request, response) => {
    const entry = found(request);
    const items = clients.history(entry)?.carePackages ?? [];
    const latestFirst = [...items].sort((a, b) => b.start.localeCompare(a.start));
    response.json({ clientId: entry.client.clientId, packages: latestFirst.map(carePackageView) });
  });

  router.get('/api/v1/clients/:clientId/worker', (request, response) => {
    const entry = found(request);
    const worker = clients.history(entry)?.allocatedWorkers['social-care'];
    response.json({ clientId: entry.client.clientId, worker: worker ? workerView(worker) : null });
  });

  router.get('/api/v1/changes', async (request, response) => {
    const query = parseChangesQuery(request.query);
    const since = query.since.toISOString();
    const changed = (await clients.changes()).filter((change) => change.lastUpdated > since);
    const start = (query.page - 1) * query.pageSize;
    response.json({
      since,
      totalCount: changed.length,
      page: query.page,
      pageSize: query.pageSize,
      changes: changed.slice(start, start + query.pageSize),
    });
  });

  router.use((request: Request) => {
    throw new SocialCareError('NOT_FOUND', `no such resource: ${request.method} ${request.path}`);
  });

  router.use((error: unknown, _request: Request, response: Response, next: NextFunction) => {
    if (!(error instanceof SocialCareError)) {
      next(error);
      return;
    }
    response.status(error.status).json(error.toBody());
  });

  return router;
}
