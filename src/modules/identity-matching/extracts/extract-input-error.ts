/**
 * Something wrong with what the operator handed over (a map, an extract, a row), said so that
 * they can find and fix it: the file, the line when there is one, and the reason. It never
 * quotes a field's value, which may be a name or an NHS number.
 */
export class ExtractInputError extends Error {
  constructor(
    readonly reason: string,
    readonly file?: string,
    readonly line?: number,
  ) {
    super([file, line].filter((part) => part !== undefined).join(':') + (file === undefined ? '' : ': ') + reason);
    this.name = 'ExtractInputError';
  }
}
