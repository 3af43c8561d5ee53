import { ChangeStream } from './change-stream.js';

describe('ChangeStream', () => {
  it('gives values in order, whether pushed before or while the reader waits', async () => {
    const stream = new ChangeStream<number>(() => undefined);
    stream.push(1);
    stream.push(2);
    expect(await stream.next()).toEqual({ value: 1, done: false });
    expect(await stream.next()).toEqual({ value: 2, done: false });
    const waiting = stream.next();
    stream.push(3);
    expect(await waiting).toEqual({ value: 3, done: false });
  });

  it('ends a waiting reader at once when it returns, and runs the end hook once', async () => {
    const ended = jest.fn();
    const stream = new ChangeStream<number>(ended);
    const waiting = stream.next();
    await stream.return();
    expect(await waiting).toEqual({ value: undefined, done: true });
    stream.push(4);
    expect(await stream.next()).toEqual({ value: undefined, done: true });
    await stream.return();
    stream.finish(5);
    expect(ended).toHaveBeenCalledTimes(1);
  });

  it('still delivers what was buffered, then the last value, when finished', async () => {
    const ended = jest.fn();
    const stream = new ChangeStream<string>(ended);
    stream.push('a');
    stream.finish('why it ended');
    stream.push('too late');
    expect(ended).toHaveBeenCalledTimes(1);
    const read: string[] = [];
    for await (const value of stream) read.push(value);
    expect(read).toEqual(['a', 'why it ended']);
  });

  it('hands the last value to a reader already waiting', async () => {
    const stream = new ChangeStream<string>(() => undefined);
    const waiting = stream.next();
    stream.finish('last');
    expect(await waiting).toEqual({ value: 'last', done: false });
    expect(await stream.next()).toEqual({ value: undefined, done: true });
  });

  it('keeps only the newest values when nobody reads, but never drops the last one', async () => {
    const stream = new ChangeStream<number>(() => undefined, 3);
    for (let value = 1; value <= 10; value += 1) stream.push(value);
    stream.finish(99);
    const read: number[] = [];
    for await (const value of stream) read.push(value);
    expect(read).toEqual([8, 9, 10, 99]);
  });
});
