import net from 'node:net';
import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { Counter, Histogram } from 'prom-client';
import { AppConfig } from '../../../platform/config/index.js';
import { MetricsService } from '../../../platform/observability/index.js';
import { JobDispatcher } from '../../../platform/queue/index.js';
import { buildHl7Ack } from './domain/hl7-ack.js';
import { decodeHl7Payload, Hl7ErrorCode, readHl7Message } from './domain/hl7-message-reader.js';
import { MllpFrameDecoder, mllpFrame } from './domain/mllp-frame-decoder.js';
import { processHl7Message, processHl7MessageJobId } from './jobs/process-hl7-message.job.js';
import { Hl7InboxRepository } from './repositories/hl7-inbox.repository.js';

const maxFrameBytes = 1024 * 1024;
const idleConnectionTimeoutMs = 10 * 60_000;

/**
 * The HL7 v2 MLLP listener, in the roles that serve the API. A plain `net` server rather than
 * @medplum/hl7's Hl7Server: that one cannot bind a host or report the bound port (MLLP_PORT=0),
 * and its framing misses pipelined frames; @medplum/core's Hl7Message still does the parsing.
 * Each message is committed to the inbox before its ACK; AA never goes out without the commit.
 */
@Injectable()
export class Hl7Listener implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(Hl7Listener.name);
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  private readonly inFlight = new Set<Promise<void>>();
  private boundPort = 0;
  private readonly messages: Counter<'ack_code' | 'message_type'>;
  private readonly ackLatency: Histogram;

  constructor(
    private readonly config: AppConfig,
    private readonly inbox: Hl7InboxRepository,
    private readonly dispatcher: JobDispatcher,
    metrics: MetricsService,
  ) {
    this.messages = new Counter({
      name: 'tessera_hl7_messages_total',
      help: 'HL7 v2 messages received on MLLP, by ACK code and message type',
      labelNames: ['ack_code', 'message_type'],
      registers: [metrics.registry],
    });
    this.ackLatency = new Histogram({
      name: 'tessera_hl7_ack_duration_seconds',
      help: 'Time from a complete MLLP frame to its ACK being written',
      buckets: [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.5, 1, 5],
      registers: [metrics.registry],
    });
  }

  /** The port the listener is bound to (useful when MLLP_PORT is 0); 0 when not listening. */
  get port(): number {
    return this.boundPort;
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.servesHttpApi) await this.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.stop();
  }

  async start(): Promise<void> {
    if (this.server) return;
    const server = net.createServer((socket) => this.accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.config.mllp.port, this.config.mllp.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (error) => this.logger.error(`MLLP listener error: ${error.message}`));
    this.server = server;
    this.boundPort = (server.address() as net.AddressInfo).port;
    this.logger.log(`HL7 v2 MLLP listener on ${this.config.mllp.host}:${this.boundPort}`);
  }

  /** Stops accepting, lets messages in flight be committed and acknowledged, then closes connections. */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    await Promise.allSettled([...this.inFlight]);
    for (const socket of this.sockets) socket.end();
    const deadline = setTimeout(() => this.sockets.forEach((socket) => socket.destroy()), 1_000);
    await closed;
    clearTimeout(deadline);
    this.boundPort = 0;
    this.logger.log('HL7 v2 MLLP listener stopped');
  }

  private accept(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.setNoDelay(true);
    socket.setTimeout(idleConnectionTimeoutMs, () => socket.destroy());
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
    const decoder = new MllpFrameDecoder(maxFrameBytes);
    // One message at a time per connection, so ACKs go back in the order messages came.
    let previous: Promise<void> = Promise.resolve();
    socket.on('data', (chunk: Buffer) => {
      for (const result of decoder.push(chunk)) {
        if (result.kind === 'oversized') {
          this.logger.warn(`MLLP frame over ${maxFrameBytes} bytes from ${socket.remoteAddress ?? 'unknown'}; connection closed`);
          socket.destroy();
          return;
        }
        const handled = previous.then(() => this.handleFrame(socket, result.payload));
        previous = handled;
        this.inFlight.add(handled);
        void handled.finally(() => this.inFlight.delete(handled));
      }
    });
  }

  private async handleFrame(socket: net.Socket, payload: Buffer): Promise<void> {
    const stopTimer = this.ackLatency.startTimer();
    const outcome = readHl7Message(decodeHl7Payload(payload));
    if ('rejected' in outcome) {
      this.messages.inc({ ack_code: outcome.rejected.ackCode, message_type: 'refused' });
      this.logger.warn(`HL7 message refused (${outcome.rejected.ackCode} ${outcome.rejected.errorCode}): ${outcome.rejected.reason}`);
      this.reply(socket, buildHl7Ack(outcome.header, outcome.rejected.ackCode, outcome.rejected));
      stopTimer();
      return;
    }
    const { header } = outcome.accepted;
    const messageType = `${header.messageType}^${header.triggerEvent}`;
    let receipt;
    try {
      receipt = await this.inbox.receive(outcome.accepted);
    } catch (error) {
      // Not committed: AE tells the sender to send it again.
      this.logger.error(`HL7 inbox unavailable, answering AE: ${(error as Error).name}: ${(error as Error).message}`);
      this.messages.inc({ ack_code: 'AE', message_type: messageType });
      this.reply(
        socket,
        buildHl7Ack(header, 'AE', {
          ackCode: 'AE',
          errorCode: Hl7ErrorCode.ApplicationInternalError,
          reason: 'message could not be stored; send it again later',
        }),
      );
      stopTimer();
      return;
    }
    this.reply(socket, buildHl7Ack(header, 'AA'));
    stopTimer();
    this.messages.inc({ ack_code: 'AA', message_type: messageType });
    if (receipt.duplicate) {
      this.logger.log(`HL7 ${messageType} inbox ${receipt.inboxId}: duplicate of an earlier message, acknowledged again`);
      return;
    }
    // After the ACK: the row is durable, and a lost enqueue is repaired by the stalled-message sweep.
    try {
      await this.dispatcher.enqueue(processHl7Message, { inboxId: receipt.inboxId }, { jobId: processHl7MessageJobId(receipt.inboxId) });
    } catch (error) {
      this.logger.warn(`HL7 inbox ${receipt.inboxId}: job not enqueued (${(error as Error).message}); the sweep will retry`);
    }
  }

  private reply(socket: net.Socket, ack: string): void {
    if (!socket.destroyed) socket.write(mllpFrame(ack));
  }
}
