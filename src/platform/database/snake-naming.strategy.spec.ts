import { SnakeNamingStrategy, toSnakeCase } from './snake-naming.strategy.js';

describe('SnakeNamingStrategy', () => {
  const strategy = new SnakeNamingStrategy();

  it('turns entity class names into snake_case table names without the Entity suffix', () => {
    expect(strategy.tableName('DeadLetterEntity')).toBe('dead_letter');
    expect(strategy.tableName('SourceIdentity')).toBe('source_identity');
    expect(strategy.tableName('Anything', 'explicit_name')).toBe('explicit_name');
  });

  it('turns camelCase properties into snake_case columns, embedded prefixes included', () => {
    expect(strategy.columnName('failedAt', undefined, [])).toBe('failed_at');
    expect(strategy.columnName('line1', undefined, ['homeAddress'])).toBe('home_address_line1');
    expect(strategy.joinColumnName('person', 'id')).toBe('person_id');
  });

  it('splits acronyms sensibly', () => {
    expect(toSnakeCase('nhsNumber')).toBe('nhs_number');
    expect(toSnakeCase('ODSCode')).toBe('ods_code');
    expect(toSnakeCase('HTTPRequestId')).toBe('http_request_id');
  });
});
