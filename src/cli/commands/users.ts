import type { Command } from 'commander';
import {
  createUser,
  deleteUser,
  type IdentityContext,
  listAllUsers,
  toUserView,
  unlockUser,
  updateUser,
  type UserView,
} from '../../identity/index.ts';
import { EXIT } from '../exit-codes.ts';
import { cliContext, withIdentity } from '../identity-session.ts';
import { readPassword } from '../password-input.ts';
import {
  addUserToFile,
  listUsersInFile,
  removeUserFromFile,
  setUserEnabledInFile,
  setUserPasswordInFile,
} from './user-file.ts';

type Run = (work: Promise<number>) => void;
type Globals = () => { config?: string };

async function passwordFrom(option: string | undefined): Promise<string | null> {
  return option ?? (await readPassword('New password: '));
}

function printUser(user: UserView): void {
  const flags = [
    user.is_admin && 'admin',
    !user.is_active && 'disabled',
    user.is_locked && 'locked',
    user.password_change_required && 'must-change-password',
  ]
    .filter(Boolean)
    .join(',');
  process.stdout.write(`${user.email}\t${user.username}\t${flags || '-'}\n`);
}

function noPassword(): number {
  process.stderr.write('gatehouse: no password given\n');
  return EXIT.usage;
}

const FILE_OPTION = [
  '--file <path>',
  'edit this user file (AUTH_USER_FILE) instead of the database',
] as const;

/**
 * `gatehouse users …`: user management over the same services as the admin API; with `--file`,
 * the users of a user file (AUTH_USER_FILE), rewritten atomically (`<email>` is then the username).
 */
export function registerUserCommands(root: Command, run: Run, globals: Globals): void {
  const users = root.command('users').description('manage users (works with the server stopped or running)');
  const withIdentityDo = (work: (identity: IdentityContext) => Promise<number>) =>
    run(withIdentity(globals().config, work));

  users
    .command('add')
    .description('create a user; prompts for the password unless --password is given')
    .argument('<email>')
    .option('--username <name>', 'username (default: the e-mail address)')
    .option('--full-name <name>', 'display name')
    .option('--password <password>', 'password (visible in the process list: prefer the prompt or stdin)')
    .option('--admin', 'make the user an admin')
    .option('--require-password-change', 'force a password change at first login')
    .option(...FILE_OPTION)
    .option('--email <email>', 'with --file: the user’s e-mail address')
    .option('--annotation <text>', 'with --file: a note shown in listings')
    .action(
      async (
        email: string,
        options: {
          username?: string;
          fullName?: string;
          password?: string;
          admin?: boolean;
          requirePasswordChange?: boolean;
          file?: string;
          email?: string;
          annotation?: string;
        },
      ) => {
        if (options.file) {
          const password = await passwordFrom(options.password);
          if (password === null) return run(Promise.resolve(noPassword()));
          const input = { username: email, password, email: options.email, isAdmin: options.admin };
          return run(
            addUserToFile(globals().config, options.file, { ...input, annotation: options.annotation }),
          );
        }
        return withIdentityDo(async (identity) => {
          const password = await passwordFrom(options.password);
          if (password === null) return noPassword();
          const user = await createUser(
            identity,
            {
              email,
              password,
              username: options.username,
              fullName: options.fullName,
              isAdmin: options.admin ?? false,
              passwordChangeRequired: options.requirePasswordChange ?? false,
            },
            cliContext(),
          );
          printUser(toUserView(user, identity.now()));
          return EXIT.ok;
        });
      },
    );

  users
    .command('list')
    .description('list users: e-mail, username, flags')
    .option('--json', 'print JSON')
    .option(...FILE_OPTION)
    .action((options: { json?: boolean; file?: string }) =>
      options.file
        ? run(listUsersInFile(globals().config, options.file, options.json ?? false))
        : withIdentityDo(async (identity) => {
            const all = (await listAllUsers(identity)).map((user) => toUserView(user, identity.now()));
            if (options.json) process.stdout.write(`${JSON.stringify(all, null, 2)}\n`);
            else all.forEach(printUser);
            return EXIT.ok;
          }),
    );

  users
    .command('update')
    .description('change a user’s name, admin flag or forced-change flag')
    .argument('<email>')
    .option('--full-name <name>', 'display name')
    .option('--admin', 'make admin')
    .option('--no-admin', 'remove admin')
    .option('--require-password-change', 'force a password change at next login')
    .option('--no-require-password-change', 'clear the forced change')
    .action(
      (email: string, options: { fullName?: string; admin?: boolean; requirePasswordChange?: boolean }) =>
        withIdentityDo(async (identity) => {
          const user = await updateUser(
            identity,
            email,
            {
              fullName: options.fullName,
              isAdmin: options.admin,
              passwordChangeRequired: options.requirePasswordChange,
            },
            cliContext(),
          );
          printUser(toUserView(user, identity.now()));
          return EXIT.ok;
        }),
    );

  for (const [name, isActive] of [
    ['enable', true],
    ['disable', false],
  ] as const) {
    users
      .command(name)
      .description(`${name} a user${isActive ? '' : ' (their sessions end at once)'}`)
      .argument('<email>')
      .option(...FILE_OPTION)
      .action((email: string, options: { file?: string }) =>
        options.file
          ? run(setUserEnabledInFile(globals().config, options.file, email, isActive))
          : withIdentityDo(async (identity) => {
              printUser(
                toUserView(await updateUser(identity, email, { isActive }, cliContext()), identity.now()),
              );
              return EXIT.ok;
            }),
      );
  }

  users
    .command('unlock')
    .description('clear a lockout')
    .argument('<email>')
    .action((email: string) =>
      withIdentityDo(async (identity) => {
        printUser(toUserView(await unlockUser(identity, email, cliContext()), identity.now()));
        return EXIT.ok;
      }),
    );

  users
    .command('delete')
    .description('delete a user (never the last active admin)')
    .argument('<email>')
    .option(...FILE_OPTION)
    .action((email: string, options: { file?: string }) =>
      options.file
        ? run(removeUserFromFile(globals().config, options.file, email))
        : withIdentityDo(async (identity) => {
            await deleteUser(identity, email, cliContext());
            process.stdout.write(`deleted ${email}\n`);
            return EXIT.ok;
          }),
    );

  users
    .command('set-password')
    .description('set a user’s password (prompts unless --password); their sessions end')
    .argument('<email>')
    .option('--password <password>', 'password (visible in the process list: prefer the prompt or stdin)')
    .option(...FILE_OPTION)
    .action(async (email: string, options: { password?: string; file?: string }) => {
      if (options.file) {
        const password = await passwordFrom(options.password);
        if (password === null) return run(Promise.resolve(noPassword()));
        return run(setUserPasswordInFile(globals().config, options.file, email, password));
      }
      return withIdentityDo(async (identity) => {
        const password = await passwordFrom(options.password);
        if (password === null) return noPassword();
        printUser(toUserView(await updateUser(identity, email, { password }, cliContext()), identity.now()));
        return EXIT.ok;
      });
    });
}
