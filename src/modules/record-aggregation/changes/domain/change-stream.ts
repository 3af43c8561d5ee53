const DONE: IteratorReturnResult<undefined> = Object.freeze({ value: undefined, done: true });

/**
 * Values pushed as they happen and pulled with `for await` (a GraphQL subscription's source).
 * Unlike an async generator, `return()` ends it at once even while a `next()` is waiting, so a
 * client that goes away stops its follower straight away, not at the next change. Values wait in
 * a bounded buffer, the oldest dropped first: they are hints to re-read, and a client that reads
 * none of them must not hold the process's memory.
 */
export class ChangeStream<T> implements AsyncIterableIterator<T> {
  private readonly buffered: T[] = [];
  private readonly waiting: Array<(result: IteratorResult<T, undefined>) => void> = [];
  private finished = false;

  /** `onEnd` runs once, when the stream finishes or its reader returns. */
  constructor(
    private readonly onEnd: () => void,
    private readonly capacity = 100,
  ) {}

  get isFinished(): boolean {
    return this.finished;
  }

  push(value: T): void {
    if (this.finished) return;
    const reader = this.waiting.shift();
    if (reader) return reader({ value, done: false });
    this.buffered.push(value);
    if (this.buffered.length > this.capacity) this.buffered.shift();
  }

  /** No more values: what is buffered (then `last`, when given) is still read, then the stream is done. */
  finish(last?: T): void {
    if (this.finished) return;
    if (last !== undefined) {
      const reader = this.waiting.shift();
      if (reader) reader({ value: last, done: false });
      // The last value says why the stream ended: it is never the one dropped.
      else this.buffered.push(last);
    }
    this.end();
  }

  next(): Promise<IteratorResult<T, undefined>> {
    if (this.buffered.length) return Promise.resolve({ value: this.buffered.shift()!, done: false });
    if (this.finished) return Promise.resolve(DONE);
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** The reader stops: anything buffered is dropped. */
  return(): Promise<IteratorResult<T, undefined>> {
    this.buffered.length = 0;
    this.end();
    return Promise.resolve(DONE);
  }

  throw(): Promise<IteratorResult<T, undefined>> {
    return this.return();
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private end(): void {
    if (this.finished) return;
    this.finished = true;
    for (const reader of this.waiting.splice(0)) reader(DONE);
    this.onEnd();
  }
}
