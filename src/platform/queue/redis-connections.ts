import { Injectable, Logger } from '@nestjs/common';
import { Redis } from 'ioredis';
import { AppConfig, redactUrl } from '../config/index.js';

/**
 * The one place Redis connections are made. Every connection retries for ever with a capped
 * backoff (BullMQ needs `maxRetriesPerRequest: null`), so a Redis restart heals by itself.
 */
@Injectable()
export class RedisConnections {
  private readonly logger = new Logger(RedisConnections.name);
  private readonly opened: Redis[] = [];
  private sharedConnection: Redis | undefined;

  constructor(private readonly config: AppConfig) {}

  /** The key prefix for everything this deployment keeps in Redis. */
  get keyPrefix(): string {
    return this.config.redis.prefix;
  }

  /** A connection for ordinary commands, shared by producers, health and metrics. */
  get shared(): Redis {
    this.sharedConnection ??= this.open('shared');
    return this.sharedConnection;
  }

  open(purpose: string): Redis {
    const connection = new Redis(this.config.redis.url, {
      connectionName: `tessera-${purpose}`,
      maxRetriesPerRequest: null,
      retryStrategy: (attempt) => Math.min(attempt * 200, 5_000),
    });
    let healthy = true;
    connection.on('error', (error: NodeJS.ErrnoException) => {
      // One line when the connection goes down, not one per reconnection attempt.
      if (healthy)
        this.logger.warn(`Redis connection '${purpose}' to ${redactUrl(this.config.redis.url)} failed: ${error.code ?? error.message}`);
      healthy = false;
    });
    connection.on('ready', () => {
      if (!healthy) this.logger.log(`Redis connection '${purpose}' is back`);
      healthy = true;
    });
    this.opened.push(connection);
    return connection;
  }

  async closeAll(): Promise<void> {
    await Promise.all(
      this.opened.map(async (connection) => {
        if (connection.status === 'ready') {
          await connection.quit().catch(() => connection.disconnect());
        } else {
          connection.disconnect();
        }
      }),
    );
    this.opened.length = 0;
    this.sharedConnection = undefined;
  }
}
