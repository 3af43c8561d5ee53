import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { RecordSection, SourceAuthentication, SourceKind, SourceProtocol } from '../connectors/source-connector.js';

export interface SourceCapabilities {
  sections: RecordSection[];
  demographicSearch: boolean;
  acceptsWrites: boolean;
  changeFeed: 'none' | 'hl7v2' | 'changes-endpoint' | 'last-updated';
}

@Entity({ name: 'source' })
export class SourceEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('text')
  organisationCode: string;

  @Column('text')
  name: string;

  @Column('text')
  kind: SourceKind;

  @Column('text')
  protocol: SourceProtocol;

  @Column('text')
  baseUrl: string;

  @Column('jsonb')
  authentication: SourceAuthentication;

  @Column('integer')
  timeoutMs: number;

  @Column('boolean')
  enabled: boolean;

  @Column('jsonb')
  capabilities: SourceCapabilities;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;
}
