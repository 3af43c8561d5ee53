import type { IncomingMessage, ServerResponse } from 'node:http';
import { Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { AppConfig } from '../config/index.js';
import { assignRequestId } from './request-id.js';

/** Probes and scrapes arrive every few seconds; logging each would drown the useful lines. */
const quietPaths = new Set(['/health/live', '/health/ready', '/metrics']);

type RequestWithOriginalUrl = IncomingMessage & { originalUrl?: string };

function pathOf(req: RequestWithOriginalUrl): string {
  // The query string is never logged: search parameters can hold names or NHS numbers.
  return (req.originalUrl ?? req.url ?? '').split('?')[0] ?? '';
}

/**
 * Structured JSON logs with the request id on every line written while serving a request.
 * Request and response bodies, headers (tokens) and query strings are never written.
 */
@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        pinoHttp: {
          level: config.logLevel,
          base: { service: 'tessera', role: config.role },
          messageKey: 'message',
          genReqId: (req: IncomingMessage, res: ServerResponse) => assignRequestId(req, res),
          customAttributeKeys: { reqId: 'requestId' },
          // Every line written while serving a request carries its id, and nothing else of it.
          quietReqLogger: true,
          autoLogging: { ignore: (req: IncomingMessage) => quietPaths.has(pathOf(req)) },
          serializers: {
            req: (req: RequestWithOriginalUrl & { raw?: RequestWithOriginalUrl }) => ({ method: req.method, path: pathOf(req.raw ?? req) }),
            res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
          },
          customSuccessMessage: (req: IncomingMessage, res: ServerResponse) => `${req.method} ${pathOf(req)} ${res.statusCode}`,
          customErrorMessage: (req: IncomingMessage, res: ServerResponse) => `${req.method} ${pathOf(req)} ${res.statusCode}`,
          // A second line of defence should someone log an object carrying these.
          redact: {
            paths: ['authorization', '*.authorization', 'headers', '*.headers', 'token', '*.token', 'password', '*.password'],
            censor: '[redacted]',
          },
        },
      }),
    }),
  ],
})
export class LoggingModule {}
