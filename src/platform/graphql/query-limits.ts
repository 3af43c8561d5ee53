import { ApolloArmor } from '@escape.tech/graphql-armor';
import { GraphQLError, type ParseOptions, type ValidationContext, type ValidationRule } from 'graphql';

/** What one GraphQL operation may ask for (GRAPHQL_MAX_* settings). */
export interface QueryLimits {
  maxDepth: number;
  maxAliases: number;
  maxCost: number;
  maxTokens: number;
  maxDirectives: number;
}

/**
 * The cost model (graphql-armor's): a leaf field costs 1, a field with a selection 2 plus 1.5
 * times what it selects, so each level of nesting weighs more; a literal `first`/`last`
 * multiplies its field's cost. Introspection costs nothing (it is off in production).
 */
export const COST_MODEL = { scalarCost: 1, objectCost: 2, depthCostFactor: 1.5 } as const;

export interface QueryLimitSettings {
  validationRules: ValidationRule[];
  parseOptions: ParseOptions;
}

/**
 * Validation rules that refuse an operation too deep, too costly, or with too many aliases or
 * directives, and the parser's token cap. Both run before execution: a refused operation never
 * reaches a resolver, and Apollo answers HTTP 400 with GRAPHQL_VALIDATION_FAILED (limits) or
 * GRAPHQL_PARSE_FAILED (tokens). Messages name the limit and what was found, nothing else.
 */
export function queryLimitRules(limits: QueryLimits): QueryLimitSettings {
  const refuse = { propagateOnRejection: false, onReject: [reportRefusal], exposeLimits: true };
  const { validationRules } = new ApolloArmor({
    // Flattened, a fragment weighs what its fields weigh: portals written with fragments are not penalised.
    maxDepth: { ...refuse, n: limits.maxDepth, flattenFragments: true },
    maxAliases: { ...refuse, n: limits.maxAliases },
    maxDirectives: { ...refuse, n: limits.maxDirectives },
    costLimit: { ...refuse, ...COST_MODEL, flattenFragments: true, maxCost: limits.maxCost },
    // graphql-js counts tokens while parsing (parseOptions below), so Apollo reports it as a parse failure.
    maxTokens: { enabled: false },
    // Apollo's hideSchemaDetailsFromClientErrors hides field suggestions in production (graphql.module.ts).
    blockFieldSuggestion: { enabled: false },
  }).protect();
  return { validationRules, parseOptions: { maxTokens: limits.maxTokens } };
}

/**
 * graphql-armor prefixes its refusals with "Syntax Error: ", which misleads: the query parsed,
 * it asks for too much. Reported through the validation context, the error is one of the
 * operation's validation errors, and Apollo gives it the GRAPHQL_VALIDATION_FAILED code.
 */
const reportRefusal = (context: ValidationContext | null, error: GraphQLError): void => {
  context?.reportError(new GraphQLError(error.message.replace(/^Syntax Error: /, '')));
};
