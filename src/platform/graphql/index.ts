// Apollo (code-first) at /graphql, with the one place errors are turned into GraphQL errors.
export { GraphqlModule } from './graphql.module.js';
export { formatGraphqlError } from './format-error.js';
export { PageInfoType } from './page-info.type.js';
export { selectsField } from './selected-fields.js';
