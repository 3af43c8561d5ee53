import { Controller, Get, Query, Req, Res } from '@nestjs/common';
import type { Response } from 'express';

import { CurrentPrincipal, RequireRoles } from '../authentication/index.js';
import type { Principal } from '../domain/principal.js';
import { AuditReviewService } from './audit-review.service.js';
import { exportRequestOf } from './domain/access-review.js';
import { requestIdOf, type RequestWithId } from './request-id.js';

/**
 * GET /audit/export.ndjson?from&to&personId: the audit trail as FHIR AuditEvent NDJSON, oldest
 * first, streamed page by page (the same as `npm run cli -- audit export`). Privacy officers only.
 */
@Controller('audit')
@RequireRoles('privacy-officer')
export class AuditExportController {
  constructor(private readonly audit: AuditReviewService) {}

  @Get('export.ndjson')
  async export(
    @CurrentPrincipal() principal: Principal,
    @Req() req: RequestWithId,
    @Query() query: Record<string, unknown>,
    @Res() res: Response,
  ): Promise<void> {
    const request = exportRequestOf(query);
    res.status(200).type('application/fhir+ndjson');
    // A privacy officer's export may hold a whole area's access: no cache keeps a copy.
    res.setHeader('cache-control', 'no-store');
    try {
      await this.audit.exportNdjson({ principal, requestId: requestIdOf(req) }, request, res);
    } catch (error) {
      // The 200 is already sent: cut the connection rather than end cleanly, so the client sees a
      // broken transfer instead of an export that merely looks short.
      if (res.headersSent) res.destroy();
      throw error;
    }
    res.end();
  }
}
