import { Controller, Get, Res } from '@nestjs/common';
import type { Response } from 'express';
import { Public } from '../http/index.js';
import { MetricsService } from './metrics.service.js';

// Probes and scrapers carry no token (issue 6: only health and metrics answer without one).
@Public()
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @Get()
  async scrape(@Res() res: Response): Promise<void> {
    const { contentType, body } = await this.metrics.render();
    res.setHeader('content-type', contentType);
    res.send(body);
  }
}
