import { Injectable, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import type { JobDefinition, JobPayload } from './job-definition.js';
import { JOB_HANDLER_METADATA, type JobHandlerFunction } from './job-handler.decorator.js';
import type { QueueName } from './queue-names.js';
import { QueueError, QueueErrorCode } from './queue.errors.js';

/** The jobs one module declares, provided by `QueueModule.forJobs`. */
export class JobCatalogue {
  constructor(readonly definitions: readonly JobDefinition<JobPayload>[]) {}
}

export interface RegisteredJob {
  definition: JobDefinition<JobPayload>;
  handler: JobHandlerFunction<JobPayload>;
  handlerName: string;
}

/**
 * Pairs every declared job with its one handler at start-up. A job with no handler, two
 * handlers, or a handler nobody declared stops the app, naming each problem: better than jobs
 * that sit in Redis for ever.
 */
@Injectable()
export class JobRegistry implements OnModuleInit {
  private readonly jobs = new Map<string, RegisteredJob>();

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
  ) {}

  onModuleInit(): void {
    const declared = new Map<string, JobDefinition<JobPayload>>();
    const handlers = new Map<string, { handler: JobHandlerFunction<JobPayload>; handlerName: string }[]>();
    const problems: string[] = [];

    for (const wrapper of this.discovery.getProviders()) {
      const instance: unknown = wrapper.instance;
      if (!instance || typeof instance !== 'object') continue;
      if (instance instanceof JobCatalogue) {
        for (const definition of instance.definitions) {
          const earlier = declared.get(definition.name);
          if (earlier && earlier !== definition) problems.push(`job ${definition.name} is declared twice`);
          declared.set(definition.name, definition);
        }
        continue;
      }
      const prototype = Object.getPrototypeOf(instance) as object;
      for (const methodName of this.scanner.getAllMethodNames(prototype)) {
        const method = (instance as Record<string, unknown>)[methodName];
        if (typeof method !== 'function') continue;
        const definition = this.reflector.get<JobDefinition<JobPayload> | undefined>(JOB_HANDLER_METADATA, method);
        if (!definition) continue;
        const list = handlers.get(definition.name) ?? [];
        list.push({
          handler: method.bind(instance) as JobHandlerFunction<JobPayload>,
          handlerName: `${instance.constructor.name}.${methodName}`,
        });
        handlers.set(definition.name, list);
      }
    }

    for (const [name, definition] of declared) {
      const found = handlers.get(name) ?? [];
      if (found.length === 0) problems.push(`job ${name} has no handler`);
      else if (found.length > 1) problems.push(`job ${name} has ${found.length} handlers (${found.map((h) => h.handlerName).join(', ')})`);
      else this.jobs.set(name, { definition, ...found[0]! });
    }
    for (const [name, found] of handlers) {
      if (!declared.has(name))
        problems.push(`job ${name} has a handler (${found[0]!.handlerName}) but no module declares it with QueueModule.forJobs`);
    }
    if (problems.length) throw new QueueError(QueueErrorCode.InvalidJobSetup, 'job handlers do not match job declarations', problems);
  }

  get(name: string): RegisteredJob | undefined {
    return this.jobs.get(name);
  }

  require(name: string): RegisteredJob {
    const job = this.jobs.get(name);
    if (!job) throw new QueueError(QueueErrorCode.UnknownJob, `no module declares the job ${name}`);
    return job;
  }

  /** Queues that have at least one job, and so need a worker. */
  activeQueues(): QueueName[] {
    return [...new Set([...this.jobs.values()].map((job) => job.definition.queue))];
  }
}
