import net from 'node:net';

/** A minimal MLLP sender for tests: one connection, one message at a time, returns the ACK text. */
export class MllpTestClient {
  private buffer = Buffer.alloc(0);
  private waiting: ((ack: string) => void) | undefined;
  private failed: ((error: Error) => void) | undefined;
  closed = false;

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      const end = this.buffer.indexOf(0x1c);
      if (end >= 0 && this.buffer[0] === 0x0b) {
        const ack = this.buffer.subarray(1, end).toString('utf8');
        this.buffer = this.buffer.subarray(end + 2);
        const resolve = this.waiting;
        this.waiting = undefined;
        resolve?.(ack);
      }
    });
    const onEnd = () => {
      this.closed = true;
      this.failed?.(new Error('connection closed before an ACK'));
    };
    socket.on('close', onEnd);
    socket.on('error', onEnd);
  }

  static connect(port: number, host = '127.0.0.1'): Promise<MllpTestClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, host, () => resolve(new MllpTestClient(socket)));
      socket.once('error', reject);
    });
  }

  /** Sends raw bytes as one MLLP frame and waits for the ACK. */
  send(message: string | Buffer, timeoutMs = 10_000): Promise<string> {
    const body = typeof message === 'string' ? Buffer.from(message, 'utf8') : message;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no ACK in time')), timeoutMs);
      this.waiting = (ack) => {
        clearTimeout(timer);
        resolve(ack);
      };
      this.failed = (error) => {
        clearTimeout(timer);
        reject(error);
      };
      this.socket.write(Buffer.concat([Buffer.from([0x0b]), body, Buffer.from([0x1c, 0x0d])]));
    });
  }

  writeRaw(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  close(): void {
    this.socket.destroy();
  }
}

/** MSA-1, MSA-2, MSA-3 and the ERR segment of an ACK. */
export function readAck(ack: string): { code: string; controlId: string; text: string; err: string | undefined } {
  const segments = ack.split('\r');
  const msa = segments.find((segment) => segment.startsWith('MSA|'))?.split('|') ?? [];
  return { code: msa[1] ?? '', controlId: msa[2] ?? '', text: msa[3] ?? '', err: segments.find((segment) => segment.startsWith('ERR|')) };
}

let counter = 0;

/** A small ADT message in the sandbox hospital's layout, with CR segment endings. */
export function adtMessage(options: {
  trigger: string;
  controlId?: string;
  mrn: string;
  nhsNumber?: string;
  facility?: string;
  visit?: string;
  eventTime?: string;
}): string {
  const controlId = options.controlId ?? `T${Date.now().toString(36)}${(counter++).toString(36)}`;
  const facility = options.facility ?? 'R9A';
  const time = options.eventTime ?? '20250301101500';
  const pid3 = `${options.mrn}^^^${facility}^MR${options.nhsNumber ? `~${options.nhsNumber}^^^NHS^NH` : ''}`;
  return [
    `MSH|^~\\&|TEST_EPR|${facility}|TESSERA|TESSERA_HUB|${time}||ADT^${options.trigger}|${controlId}|P|2.4`,
    `EVN|${options.trigger}|${time}`,
    `PID|1||${pid3}||Testperson^Alex^J||19800101|F|||1 Test Street^^London^^N1 1AA`,
    `PV1|1|I|WARD1^BED1||||||||||||||||${options.visit ?? 'V1'}^^^${facility}^VN`,
  ].join('\r');
}
