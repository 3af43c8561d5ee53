import { Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';

import { AppConfig } from '../../../platform/config/index.js';
import { HealthDetails, MetricsService } from '../../../platform/observability/index.js';
import { SourceRegistry, type Source } from '../registry/source-registry.service.js';
import { FhirR4Connector } from './fhir-r4.connector.js';
import { GpConnectConnector } from './gp-connect.connector.js';
import { type HostedSectionReader, HubHostedConnector } from './hub-hosted.connector.js';
import type { GpConnectConsumer } from './gp-connect.request.js';
import { PdsConnector } from './pds.connector.js';
import { SocialCareConnector } from './social-care.connector.js';
import type { SourceConnector, SourceEndpoint, SourceKind } from './source-connector.js';
import { SourceGuard, type SourceGuardState } from './source-guard.js';

/** Kinds of source whose records the hub hosts itself. */
export type HostedSourceKind = Extract<SourceKind, 'shared-care' | 'phr'>;

export interface SourceHealth {
  sourceId: string;
  name: string;
  enabled: boolean;
  /** Absent until this process has called the source. */
  state?: SourceGuardState;
}

/**
 * The one way into a source: the registry's current settings, a connector for its protocol and
 * the source's guard. A source's guard (circuit state, concurrency) lives as long as its
 * settings; changing the source in the registry gives it a fresh connector and guard.
 */
@Injectable()
export class SourceConnectors implements OnModuleInit, OnModuleDestroy {
  private readonly built = new Map<string, { version: number; connector: SourceConnector; guard: SourceGuard }>();
  /** By source kind: the hub hosts shared care plans (`shared-care`) and the person-held record (`phr`). */
  private readonly hostedReaders = new Map<HostedSourceKind, HostedSectionReader>();

  constructor(
    private readonly registry: SourceRegistry,
    private readonly metrics: MetricsService,
    private readonly config: AppConfig,
    private readonly healthDetails: HealthDetails,
  ) {}

  onModuleInit(): void {
    // Readiness shows each source's circuit as seen by this process; a source down never makes the hub unready.
    this.healthDetails.register('sources', async () =>
      (await this.health()).map(({ sourceId, name, enabled, state }) => ({
        sourceId,
        name,
        enabled,
        circuit: state?.circuit ?? 'not-called',
        ...(state?.consecutiveFailures ? { consecutiveFailures: state.consecutiveFailures } : {}),
        ...(state?.lastErrorKind ? { lastErrorKind: state.lastErrorKind, lastErrorAt: state.lastErrorAt } : {}),
      })),
    );
  }

  /** The connector for an enabled source; undefined when it is disabled. SourceRegistryError when unknown. */
  async forSource(sourceId: string): Promise<SourceConnector | undefined> {
    const source = await this.registry.get(sourceId);
    if (!source.enabled) return undefined;
    const version = source.updatedAt.getTime();
    const existing = this.built.get(source.id);
    if (existing?.version === version) return existing.connector;
    existing?.guard.dispose();
    const endpoint = await this.registry.endpoint(source.id);
    const guard = new SourceGuard(source.id, this.metrics.registry, { ...this.config.sourceGuard, timeoutMs: source.timeoutMs });
    const connector = this.connectorFor(endpoint, guard);
    this.built.set(source.id, { version, connector, guard });
    return connector;
  }

  /**
   * The reader of the records the hub hosts itself (protocol `hub-hosted`) for sources of one kind,
   * given at start by the module that owns them: that module depends on this one, never the other
   * way round.
   */
  hostSections(kind: HostedSourceKind, reader: HostedSectionReader): void {
    this.hostedReaders.set(kind, reader);
  }

  /** The state of a source's connection in this process; undefined until it has been called. */
  stateOf(sourceId: string): SourceGuardState | undefined {
    return this.built.get(sourceId)?.guard.state();
  }

  /** Every source with the state of its circuit, for health detail and operators. */
  async health(): Promise<SourceHealth[]> {
    return (await this.registry.list()).map((source: Source) => {
      const built = this.built.get(source.id);
      return { sourceId: source.id, name: source.name, enabled: source.enabled, ...(built ? { state: built.guard.state() } : {}) };
    });
  }

  onModuleDestroy(): void {
    for (const { guard } of this.built.values()) guard.dispose();
    this.built.clear();
  }

  private connectorFor(endpoint: SourceEndpoint, guard: SourceGuard): SourceConnector {
    switch (endpoint.protocol) {
      case 'fhir-r4':
        return new FhirR4Connector(endpoint, { guard });
      case 'gp-connect':
        return new GpConnectConnector(endpoint, { guard, consumer: this.gpConnectConsumer() });
      case 'social-care-json':
        return new SocialCareConnector(endpoint, { guard });
      case 'pds-fhir':
        return new PdsConnector(endpoint, { guard });
      case 'hub-hosted':
        return new HubHostedConnector(endpoint, () => this.hostedReaders.get(endpoint.kind as HostedSourceKind));
    }
  }

  /** The hub as a GP Connect consumer: background work asks as the hub's service account. */
  private gpConnectConsumer(): GpConnectConsumer {
    const { asid, odsCode } = this.config.gpConnect;
    return {
      asid,
      systemUrl: 'https://tessera.local/',
      organisation: { odsCode, name: 'Tessera shared care record' },
      device: { system: 'https://tessera.local/device', value: 'tessera-hub', model: 'Tessera', version: this.config.version },
      practitioner: { id: 'tessera-service', sdsUserId: 'UNK', sdsRoleProfileId: 'UNK', family: 'Service', given: ['Tessera'] },
    };
  }
}
