import type { R4Resource } from '../../../fhir/index.js';
import { SourceError, type SourceAuthentication, type SourceEndpoint, type SourceErrorKind } from './source-connector.js';

// The one way connectors speak HTTP to a source: its authentication, and every failure turned
// into a precise SourceError. Messages name the source, the status and any coded reason the
// source gave; never a URL (queries carry names and NHS numbers), a body, or a token.

/** A SourceError that also carries the source's coded reason (an OperationOutcome or OAuth code), when it gave one. */
export class SourceHttpError extends SourceError {
  constructor(
    kind: SourceErrorKind,
    sourceId: string,
    message: string,
    status?: number,
    /** e.g. `RESOURCE_NOT_FOUND`, `INVALID_SEARCH_DATA` (Spine codes) or `not-found` (an issue type). */
    readonly outcomeCode?: string,
    /** Where in the resource sent the source found the problem (a FHIRPath such as `Observation.status`), when it said. */
    readonly outcomeExpression?: string,
  ) {
    super(kind, sourceId, message, status);
    this.name = 'SourceHttpError';
  }
}

export interface SourceHttpClientOptions {
  /** Headers added to every request, computed per request (e.g. PDS's X-Request-ID). */
  requestHeaders?: () => Record<string, string>;
  /** Where credentials are read from at call time; the process environment unless a test says otherwise. */
  environment?: NodeJS.ProcessEnv;
}

/** Renew a client-credentials token this long before it expires, so a call never carries a dying one. */
const TOKEN_EXPIRY_MARGIN_MS = 60_000;
/** A token endpoint that gives no lifetime: assume a short one. */
const DEFAULT_TOKEN_LIFETIME_MS = 5 * 60_000;
const NETWORK_FAILURE_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
]);

export class SourceHttpClient {
  private cachedToken?: { value: string; renewAt: number };
  private tokenRequest?: Promise<string>;

  constructor(
    readonly endpoint: SourceEndpoint,
    private readonly options: SourceHttpClientOptions = {},
  ) {}

  private get sourceId(): string {
    return this.endpoint.id;
  }

  /**
   * GETs a FHIR resource and checks it is one of the expected types. A 401 with OAuth2 client
   * credentials drops the cached token and tries once more with a new one (it may have been revoked).
   */
  async getResource<T extends R4Resource = R4Resource>(url: string, expectedTypes: readonly string[], signal: AbortSignal): Promise<T> {
    try {
      return await this.getOnce<T>(url, expectedTypes, signal);
    } catch (error) {
      if (
        this.endpoint.authentication.type === 'client-credentials' &&
        error instanceof SourceError &&
        error.status === 401 &&
        this.cachedToken
      ) {
        this.cachedToken = undefined;
        return this.getOnce<T>(url, expectedTypes, signal);
      }
      throw error;
    }
  }

  private async getOnce<T extends R4Resource>(url: string, expectedTypes: readonly string[], signal: AbortSignal): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/fhir+json', ...this.options.requestHeaders?.() };
    const authorization = await this.authorization(signal);
    if (authorization) headers.authorization = authorization;

    const response = await this.send(url, { method: 'GET', headers, signal, redirect: 'manual' });
    const text = await this.readBody(response, signal);
    if (response.status >= 200 && response.status < 300) {
      const body = this.parseJson(text);
      const resourceType = typeof body?.resourceType === 'string' ? body.resourceType : undefined;
      if (!resourceType || !expectedTypes.includes(resourceType)) {
        throw new SourceHttpError(
          'malformed',
          this.sourceId,
          `source ${this.sourceId} answered with ${describeType(resourceType)} where ${expectedTypes.join(' or ')} was expected`,
          response.status,
        );
      }
      return body as unknown as T;
    }
    throw this.statusError(response.status, outcomeCodeOf(this.parseJsonQuietly(text)));
  }

  /**
   * POSTs a new resource (a FHIR create) and returns what the source stored: the body it answered
   * with, or, when it answered with none (return=minimal), the type and id its Location names.
   * Never retried here or by the guard. A 4xx says what was wrong with the resource only as the
   * source's issue code and FHIRPath: its diagnostics are free text and are neither kept nor logged.
   */
  async postResource<T extends R4Resource = R4Resource>(url: string, resource: R4Resource, signal: AbortSignal): Promise<T> {
    const headers: Record<string, string> = {
      accept: 'application/fhir+json',
      'content-type': 'application/fhir+json',
      prefer: 'return=representation',
      ...this.options.requestHeaders?.(),
    };
    const authorization = await this.authorization(signal);
    if (authorization) headers.authorization = authorization;
    const response = await this.send(url, { method: 'POST', headers, body: JSON.stringify(resource), signal, redirect: 'manual' });
    const text = await this.readBody(response, signal);
    if (response.status >= 200 && response.status < 300) {
      const body = text.trim() ? this.parseJson(text) : undefined;
      if (body) {
        if (body.resourceType !== resource.resourceType)
          throw new SourceHttpError(
            'malformed',
            this.sourceId,
            `source ${this.sourceId} answered a create with ${describeType(typeof body.resourceType === 'string' ? body.resourceType : undefined)} where ${resource.resourceType} was expected`,
            response.status,
          );
        return body as unknown as T;
      }
      const id = createdIdOf(response.headers.get('location'), resource.resourceType);
      if (!id)
        throw new SourceHttpError(
          'malformed',
          this.sourceId,
          `source ${this.sourceId} answered a create without the resource or its Location`,
          response.status,
        );
      return { resourceType: resource.resourceType, id } as T;
    }
    const outcome = this.parseJsonQuietly(text);
    const outcomeCode = outcomeCodeOf(outcome);
    const expression = outcomeExpressionOf(outcome);
    // A refused create is about the resource sent, not the source's health or our credentials (401/403 stay 'unauthorised').
    if (response.status >= 400 && response.status < 500 && response.status !== 401 && response.status !== 403) {
      const reason = outcomeCode ? ` (${outcomeCode}${expression ? ` at ${expression}` : ''})` : '';
      throw new SourceHttpError(
        'http-error',
        this.sourceId,
        `source ${this.sourceId} refused the ${resource.resourceType}: ${response.status}${reason}`,
        response.status,
        outcomeCode,
        expression,
      );
    }
    throw this.statusError(response.status, outcomeCode);
  }

  private statusError(status: number, outcomeCode: string | undefined): SourceHttpError {
    const reason = outcomeCode ? ` (${outcomeCode})` : '';
    if (status === 404)
      return new SourceHttpError('not-found', this.sourceId, `source ${this.sourceId} has no such resource${reason}`, status, outcomeCode);
    if (status === 401 || status === 403) {
      return new SourceHttpError(
        'unauthorised',
        this.sourceId,
        `source ${this.sourceId} refused our credentials: ${status}${reason}`,
        status,
        outcomeCode,
      );
    }
    return new SourceHttpError('http-error', this.sourceId, `source ${this.sourceId} answered ${status}${reason}`, status, outcomeCode);
  }

  private async send(url: string, init: RequestInit & { signal: AbortSignal }): Promise<Response> {
    try {
      return await fetch(url, init);
    } catch (error) {
      throw this.networkError(error, init.signal);
    }
  }

  private async readBody(response: Response, signal: AbortSignal): Promise<string> {
    try {
      return await response.text();
    } catch (error) {
      throw this.networkError(error, signal);
    }
  }

  private networkError(error: unknown, signal: AbortSignal): SourceError {
    if (signal.aborted || (error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError'))) {
      return new SourceError('timeout', this.sourceId, `source ${this.sourceId} did not answer before the deadline`);
    }
    const code = networkErrorCode(error);
    if (code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'ETIMEDOUT') {
      return new SourceError('timeout', this.sourceId, `source ${this.sourceId} did not accept a connection in time (${code})`);
    }
    return new SourceError(
      'unreachable',
      this.sourceId,
      `source ${this.sourceId} could not be reached${code && NETWORK_FAILURE_CODES.has(code) ? ` (${code})` : ''}`,
    );
  }

  private parseJson(text: string): Record<string, unknown> {
    const body = this.parseJsonQuietly(text);
    if (!body)
      throw new SourceHttpError('malformed', this.sourceId, `source ${this.sourceId} answered with a body that is not a JSON object`);
    return body;
  }

  private parseJsonQuietly(text: string): Record<string, unknown> | undefined {
    try {
      const value: unknown = JSON.parse(text);
      return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
    } catch {
      return undefined;
    }
  }

  private async authorization(signal: AbortSignal): Promise<string | undefined> {
    const authentication = this.endpoint.authentication;
    switch (authentication.type) {
      case 'none':
        return undefined;
      case 'bearer':
        return `Bearer ${this.secretFrom(authentication.tokenVariable, 'bearer token')}`;
      case 'client-credentials':
        return `Bearer ${await this.clientCredentialsToken(authentication, signal)}`;
    }
  }

  private secretFrom(variable: string, what: string): string {
    const value = (this.options.environment ?? process.env)[variable];
    if (!value)
      throw new SourceError(
        'unauthorised',
        this.sourceId,
        `the ${what} for source ${this.sourceId} is missing: set the environment variable ${variable}`,
      );
    return value;
  }

  private async clientCredentialsToken(
    authentication: Extract<SourceAuthentication, { type: 'client-credentials' }>,
    signal: AbortSignal,
  ): Promise<string> {
    if (this.cachedToken && Date.now() < this.cachedToken.renewAt) return this.cachedToken.value;
    // Calls arriving together share one token request.
    this.tokenRequest ??= this.requestToken(authentication, signal).finally(() => {
      this.tokenRequest = undefined;
    });
    return this.tokenRequest;
  }

  private async requestToken(
    authentication: Extract<SourceAuthentication, { type: 'client-credentials' }>,
    signal: AbortSignal,
  ): Promise<string> {
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: authentication.clientId,
      client_secret: this.secretFrom(authentication.secretVariable, 'client secret'),
    });
    if (authentication.scope) form.set('scope', authentication.scope);
    const response = await this.send(authentication.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: form.toString(),
      signal,
      redirect: 'manual',
    });
    const body = this.parseJsonQuietly(await this.readBody(response, signal));
    if (!response.ok) {
      const code = typeof body?.error === 'string' && /^[a-z_]{1,64}$/.test(body.error) ? body.error : undefined;
      const reason = code ? ` (${code})` : '';
      if (response.status === 400 || response.status === 401 || response.status === 403) {
        throw new SourceHttpError(
          'unauthorised',
          this.sourceId,
          `the token endpoint of source ${this.sourceId} refused client ${authentication.clientId}: ${response.status}${reason}`,
          response.status,
          code,
        );
      }
      throw new SourceHttpError(
        'http-error',
        this.sourceId,
        `the token endpoint of source ${this.sourceId} answered ${response.status}${reason}`,
        response.status,
        code,
      );
    }
    const token = body?.access_token;
    if (typeof token !== 'string' || token.length === 0) {
      throw new SourceError('malformed', this.sourceId, `the token endpoint of source ${this.sourceId} answered without an access_token`);
    }
    const lifetimeMs = typeof body?.expires_in === 'number' && body.expires_in > 0 ? body.expires_in * 1000 : DEFAULT_TOKEN_LIFETIME_MS;
    // Short-lived tokens are renewed at 90% of their life rather than a fixed margin past their end.
    this.cachedToken = { value: token, renewAt: Date.now() + lifetimeMs - Math.min(TOKEN_EXPIRY_MARGIN_MS, lifetimeMs / 10) };
    return token;
  }
}

/** The coded reason in an OperationOutcome: a Spine code when present, else the issue type. Only code-shaped strings pass. */
export function outcomeCodeOf(body: Record<string, unknown> | undefined): string | undefined {
  if (body?.resourceType !== 'OperationOutcome' || !Array.isArray(body.issue)) return undefined;
  const issue = body.issue[0] as { code?: unknown; details?: { coding?: { code?: unknown }[] } } | undefined;
  const detail = issue?.details?.coding?.[0]?.code;
  if (typeof detail === 'string' && /^[A-Z][A-Z0-9_]{1,63}$/.test(detail)) return detail;
  if (typeof issue?.code === 'string' && /^[a-z][a-z-]{1,39}$/.test(issue.code)) return issue.code;
  return undefined;
}

/** The FHIRPath of the first issue in an OperationOutcome, when it is path-shaped (never free text). */
export function outcomeExpressionOf(body: Record<string, unknown> | undefined): string | undefined {
  if (body?.resourceType !== 'OperationOutcome' || !Array.isArray(body.issue)) return undefined;
  const issue = body.issue[0] as { expression?: unknown } | undefined;
  const expression = Array.isArray(issue?.expression) ? (issue.expression[0] as unknown) : undefined;
  return typeof expression === 'string' && /^[A-Z][A-Za-z]{0,63}(\.[A-Za-z][A-Za-z0-9]{0,63}(\[\d{1,4}\])?){0,8}$/.test(expression)
    ? expression
    : undefined;
}

/** The id in a create's Location (`.../Observation/123/_history/1`), when it names a resource of the type sent. */
function createdIdOf(location: string | null, resourceType: string): string | undefined {
  if (!location || !/^[A-Za-z]{1,64}$/.test(resourceType)) return undefined;
  const match = new RegExp(`(?:^|/)${resourceType}/([A-Za-z0-9\\-.]{1,64})(?:/_history/[^/]+)?$`).exec(location);
  return match?.[1];
}

function describeType(resourceType: string | undefined): string {
  if (resourceType === undefined) return 'JSON that is not a FHIR resource';
  return /^[A-Za-z]{1,64}$/.test(resourceType) ? `a ${resourceType}` : 'an unknown resource type';
}

function networkErrorCode(error: unknown): string | undefined {
  // fetch (undici) reports "fetch failed" with the socket error as its cause.
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
