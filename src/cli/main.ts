import { Command, CommanderError } from 'commander';
import { configCheck } from './commands/config-check.ts';
import { dbMigrate, dbStatus } from './commands/db.ts';
import { hashPassword } from './commands/hash-password.ts';
import { registerJwtCommands } from './commands/jwt.ts';
import { recoverAdminCommand } from './commands/recover-admin.ts';
import { serve } from './commands/serve.ts';
import { stdio } from './commands/stdio.ts';
import { registerOAuthCommands } from './commands/oauth.ts';
import { registerTokenCommands } from './commands/tokens.ts';
import { registerUserCommands } from './commands/users.ts';
import { EXIT } from './exit-codes.ts';

const HELP_CODES = new Set(['commander.helpDisplayed', 'commander.help', 'commander.version']);

function program(run: (work: Promise<number> | number) => void): Command {
  const root = new Command('gatehouse')
    .description('Self-hosted MCP gateway with identity built in')
    .version('0.1.0')
    .option('-c, --config <file>', 'YAML settings file (or GATEHOUSE_CONFIG)')
    .addHelpText('after', '\nExit codes: 0 success, 1 runtime failure, 2 invalid settings or usage.')
    .exitOverride();
  const globals = () => root.opts<{ config?: string }>();

  root
    .command('serve', { isDefault: true })
    .description('serve HTTP on HOST:PORT (the default command)')
    .option(
      '--no-auth',
      'development only: no authentication, every request is the platform admin (loopback HOST only)',
    )
    .action((options: { auth: boolean }) => run(serve({ ...globals(), noAuth: !options.auth })));

  root
    .command('stdio')
    .description('serve the aggregated MCP endpoint on stdin/stdout, for a local client (no HTTP)')
    .option('--api-key <key>', 'act as this API key (prefer GATEHOUSE_API_KEY: arguments show in ps)')
    .option('--user <email>', 'act as this user without a key (trusted local operator; audited)')
    .action((options: { apiKey?: string; user?: string }) => run(stdio({ ...globals(), ...options })));

  const config = root.command('config').description('inspect settings');
  config
    .command('check')
    .description('print the effective settings, secrets redacted, and every warning')
    .option('--json', 'print JSON')
    .action((options: { json?: boolean }) => run(configCheck({ ...globals(), ...options })));

  const db = root.command('db').description('database schema');
  db.command('migrate')
    .description('apply pending migrations')
    .action(() => run(dbMigrate(globals())));
  db.command('status')
    .description('list migrations and whether each is applied')
    .action(() => run(dbStatus(globals())));

  registerUserCommands(root, run, globals);

  root
    .command('hash-password')
    .description('print the Argon2id hash of a password (prompt or stdin), for break-glass SQL')
    .action(() => run(hashPassword(globals())));

  registerJwtCommands(root, run, globals);
  registerTokenCommands(root, run, globals);
  registerOAuthCommands(root, run, globals);

  root
    .command('recover-admin')
    .description('break-glass: set an admin password, unlock, re-enable (server stopped or running)')
    .requiredOption('--email <email>', 'the admin account')
    .option('--password <password>', 'password (visible in the process list: prefer the prompt or stdin)')
    .option('--generate', 'generate a strong password and print it')
    .action((options: { email: string; password?: string; generate?: boolean }) =>
      run(recoverAdminCommand({ ...globals(), ...options })),
    );

  const exitOverrideAll = (command: Command) => {
    command.exitOverride();
    command.commands.forEach(exitOverrideAll);
  };
  exitOverrideAll(root);
  return root;
}

/** Runs the `gatehouse` command line; resolves to the process exit code. */
export async function main(argv: string[]): Promise<number> {
  let work: Promise<number> | number = EXIT.ok;
  const root = program((w) => {
    work = w;
  });
  const first = argv[0];
  if (first !== undefined && !first.startsWith('-') && !root.commands.some((c) => c.name() === first)) {
    process.stderr.write(`gatehouse: unknown command '${first}' (see gatehouse --help)\n`);
    return EXIT.usage;
  }
  try {
    await root.parseAsync(argv, { from: 'user' });
    return await work;
  } catch (error) {
    if (error instanceof CommanderError) return HELP_CODES.has(error.code) ? EXIT.ok : EXIT.usage;
    process.stderr.write(`gatehouse: unexpected error: ${(error as Error).message}\n`);
    return EXIT.failure;
  }
}
