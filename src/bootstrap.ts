import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Logger } from 'nestjs-pino';
import { AppModule, type AppModuleOptions } from './app.module.js';
import type { AppConfig } from './platform/config/index.js';
import { LifecycleState } from './platform/observability/index.js';

export interface RunningHub {
  app: NestExpressApplication;
  /** Where it listens, for example http://127.0.0.1:3000 */
  url: string;
  /** Stops accepting, lets requests and jobs in progress finish, then closes connections. */
  stop(): Promise<void>;
}

/**
 * Closes the listener, waits for requests in flight, and cuts what is left at the timeout.
 * Keep-alive connections are closed as soon as their request is answered, rather than after
 * the keep-alive timeout.
 */
function closeHttpServer(server: Server, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    const sweep = setInterval(() => server.closeIdleConnections(), 50);
    const deadline = setTimeout(() => server.closeAllConnections(), timeoutMs);
    server.close(() => {
      clearInterval(sweep);
      clearTimeout(deadline);
      resolve();
    });
    server.closeIdleConnections();
  });
}

/** Builds the Nest application for the role in `config` and starts listening. */
export async function startHub(config: AppConfig, options: AppModuleOptions = {}): Promise<RunningHub> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.register(config, options), {
    bufferLogs: true,
    abortOnError: false,
  });
  app.useLogger(app.get(Logger));
  app.disable('x-powered-by');
  app.useBodyParser('json', { limit: '1mb' });
  try {
    await app.listen(config.http.port, config.http.host);
  } catch (error) {
    // A failed start (a start-up check, a port in use) must not leave connections open.
    await app.close().catch(() => undefined);
    throw error;
  }

  const server = app.getHttpServer() as Server;
  const { port } = server.address() as AddressInfo;
  const host = config.http.host === '0.0.0.0' || config.http.host === '::' ? '127.0.0.1' : config.http.host;
  let stopping: Promise<void> | undefined;

  return {
    app,
    url: `http://${host}:${port}`,
    stop() {
      stopping ??= (async () => {
        app.get(LifecycleState).beginShutdown();
        await closeHttpServer(server, config.shutdownTimeoutMs);
        await app.close();
      })();
      return stopping;
    },
  };
}
