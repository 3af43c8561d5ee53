/** MLLP framing: each message is VT (0x0b) + payload + FS (0x1c) + CR (0x0d). */
export const MLLP_START = 0x0b;
export const MLLP_END = 0x1c;
export const MLLP_TRAILER = 0x0d;

export type MllpChunkResult =
  | { kind: 'frame'; payload: Buffer }
  /** The peer sent more than `maxFrameBytes` without closing a frame: the connection should be cut. */
  | { kind: 'oversized' };

/**
 * Splits a TCP byte stream into MLLP frames. Written here rather than taken from @medplum/hl7's
 * Hl7Connection because that one only looks for a frame end at the end of a `data` chunk (two
 * pipelined messages in one chunk are glued together), keeps a failed frame's bytes in its
 * buffer, and parses before we can normalise segment endings or answer AR with a reason.
 * Bytes outside a frame (noise between messages) are dropped.
 */
export class MllpFrameDecoder {
  private buffer: Buffer = Buffer.alloc(0);

  constructor(private readonly maxFrameBytes: number) {}

  push(chunk: Buffer): MllpChunkResult[] {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    const results: MllpChunkResult[] = [];
    for (;;) {
      const start = this.buffer.indexOf(MLLP_START);
      if (start < 0) {
        this.buffer = Buffer.alloc(0);
        break;
      }
      const end = this.findEnd(start + 1);
      if (end < 0) {
        this.buffer = this.buffer.subarray(start);
        if (this.buffer.length > this.maxFrameBytes) {
          this.buffer = Buffer.alloc(0);
          results.push({ kind: 'oversized' });
        }
        break;
      }
      results.push({ kind: 'frame', payload: Buffer.from(this.buffer.subarray(start + 1, end)) });
      this.buffer = this.buffer.subarray(end + 2);
    }
    return results;
  }

  private findEnd(from: number): number {
    for (let at = this.buffer.indexOf(MLLP_END, from); at >= 0; at = this.buffer.indexOf(MLLP_END, at + 1)) {
      if (at + 1 >= this.buffer.length) return -1;
      if (this.buffer[at + 1] === MLLP_TRAILER) return at;
    }
    return -1;
  }
}

/** Wraps a message for sending. */
export function mllpFrame(text: string): Buffer {
  const body = Buffer.from(text, 'utf8');
  const framed = Buffer.alloc(body.length + 3);
  framed[0] = MLLP_START;
  body.copy(framed, 1);
  framed[body.length + 1] = MLLP_END;
  framed[body.length + 2] = MLLP_TRAILER;
  return framed;
}
