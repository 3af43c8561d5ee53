import { Controller, Get, Res } from '@nestjs/common';
import type { Response } from 'express';
import { Public } from '../http/index.js';
import { Readiness, type ReadinessReport } from './readiness.js';

// Probes and scrapers carry no token (issue 6: only health and metrics answer without one).
@Public()
@Controller('health')
export class HealthController {
  constructor(private readonly readiness: Readiness) {}

  /** The process is up and its event loop turns; says nothing of its dependencies. */
  @Get('live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** 200 when this process can serve, 503 with the failing dependency otherwise. */
  @Get('ready')
  async ready(@Res({ passthrough: true }) res: Response): Promise<ReadinessReport> {
    const report = await this.readiness.check();
    res.status(report.status === 'ok' ? 200 : 503);
    res.setHeader('cache-control', 'no-store');
    return report;
  }
}
