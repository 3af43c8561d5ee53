import { Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { MetricsService } from './metrics.service.js';

// Handlers mounted outside Nest's router (Apollo) have no route template of their own.
const mountedPaths = ['/graphql'];

/**
 * The route label is the template (`/people/:id`), never the raw path, so identifiers never
 * reach the metrics and the label set stays small; unknown paths share one label.
 */
export function routeLabel(req: Request): string {
  const template = (req.route as { path?: string } | undefined)?.path;
  if (template) return `${req.baseUrl}${template}`;
  const path = req.originalUrl.split('?')[0] ?? '';
  return mountedPaths.find((mounted) => path === mounted || path.startsWith(`${mounted}/`)) ?? 'unmatched';
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
