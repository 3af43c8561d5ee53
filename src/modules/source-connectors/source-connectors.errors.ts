/** Why the source registry refused a request; `problems` name each field and rule. */
export type SourceRegistryErrorCode = 'INVALID_SOURCE' | 'DUPLICATE_SOURCE' | 'SOURCE_NOT_FOUND' | 'INVALID_SOURCES_FILE';

export class SourceRegistryError extends Error {
  constructor(
    readonly code: SourceRegistryErrorCode,
    message: string,
    readonly problems: string[] = [],
  ) {
    super(message);
    this.name = 'SourceRegistryError';
  }
}
