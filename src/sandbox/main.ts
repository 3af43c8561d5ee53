import { generatePopulation } from './population/generate-population.js';
import { sandboxConfigFromEnvironment, SandboxConfigError } from './sandbox-config.js';
import { startSandbox } from './server/sandbox-server.js';

// The sandbox process: `node dist/sandbox/main.js`. Runs apart from the hub so simulated
// systems never share its event loop. Prints one line per step, and the URL when listening.

async function main(): Promise<void> {
  const config = sandboxConfigFromEnvironment(process.env);
  const started = performance.now();
  const population = generatePopulation({ seed: config.seed, size: config.population, referenceDate: config.referenceDate });
  const sandbox = await startSandbox({
    population,
    host: config.host,
    port: config.port,
    ...(config.publicUrl ? { publicUrl: config.publicUrl } : {}),
    ...(config.hl7Target ? { hl7Target: config.hl7Target } : {}),
    eventIntervalMs: config.eventIntervalMs,
  });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  process.stdout.write(
    `sandbox: ${population.people.length} people (seed ${config.seed}, reference date ${config.referenceDate}) ready in ${seconds} s\n` +
      `sandbox: listening on ${sandbox.url}\n`,
  );

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`sandbox: ${signal} received, stopping\n`);
    sandbox.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((error: unknown) => {
  if (error instanceof SandboxConfigError) {
    for (const problem of error.problems) process.stderr.write(`sandbox: ${problem}\n`);
    process.exit(2);
  }
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') process.stderr.write('sandbox: the port is already in use; set SANDBOX_PORT to a free port\n');
  else process.stderr.write(`sandbox: failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
