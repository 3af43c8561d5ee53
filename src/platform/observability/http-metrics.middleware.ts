import { Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { MetricsService } from './metrics.service.js';

/**
 * The route label is the template (`/people/:id`), never the raw path, so identifiers never
 * reach the metrics and the label set stays small. Catch-all mounts (Apollo at /graphql, the
 * not-found handler) carry a trailing wildcard, dropped here; a bare wildcard is `unmatched`.
 */
export function routeLabel(req: Pick<Request, 'baseUrl' | 'route'>): string {
  const template = (req.route as { path?: unknown } | undefined)?.path;
  if (typeof template !== 'string') return 'unmatched';
  // A middleware mounted on the same path (authentication at /graphql) leaves its mount as baseUrl: not a prefix then.
  const full = req.baseUrl && !template.startsWith(req.baseUrl) ? `${req.baseUrl}${template}` : template;
  const route = full.replace(/\{?\/?\*\w*\}?$/, '');
  return route === '' ? 'unmatched' : route;
}

@Injectable()
export class HttpMetricsMiddleware implements NestMiddleware {
  constructor(private readonly metrics: MetricsService) {}

  use(req: Request, res: Response, next: NextFunction): void {
    const stopTimer = this.metrics.httpRequestDuration.startTimer();
    res.once('finish', () => {
      stopTimer({ method: req.method, route: routeLabel(req), status_code: String(res.statusCode) });
    });
    next();
  }
}
