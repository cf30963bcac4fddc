import type { FastifyInstance } from 'fastify';
import {
  createUser,
  deleteUser,
  getUserByEmail,
  type IdentityContext,
  listAuthEvents,
  listUsers,
  toUserView,
  unlockUser,
  updateUser,
} from '../../identity/index.ts';
import { authenticate, requestContext } from '../plugins/authenticate.ts';

const emailParam = {
  type: 'object',
  required: ['email'],
  properties: { email: { type: 'string', maxLength: 1024 } },
} as const;
const pageQuery = {
  type: 'object',
  properties: {
    limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
    cursor: { type: 'string', maxLength: 1024 },
  },
  additionalProperties: false,
} as const;
const createBody = {
  type: 'object',
  required: ['email', 'password'],
  additionalProperties: false,
  properties: {
    email: { type: 'string', maxLength: 1024 },
    password: { type: 'string', maxLength: 4096 },
    username: { type: 'string', maxLength: 1024 },
    full_name: { type: 'string', maxLength: 200 },
    is_admin: { type: 'boolean' },
    is_active: { type: 'boolean' },
    password_change_required: { type: 'boolean' },
  },
} as const;
const updateBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    full_name: { type: ['string', 'null'], maxLength: 200 },
    password: { type: 'string', maxLength: 4096 },
    is_admin: { type: 'boolean' },
    is_active: { type: 'boolean' },
    password_change_required: { type: 'boolean' },
  },
} as const;
const eventsQuery = {
  type: 'object',
  properties: {
    limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
    cursor: { type: 'integer', minimum: 1 },
    user: { type: 'string', maxLength: 1024 },
    type: { type: 'string', maxLength: 100 },
    since: { type: 'string', format: 'date-time' },
    until: { type: 'string', format: 'date-time' },
  },
  additionalProperties: false,
} as const;

interface UpdateBody {
  full_name?: string | null;
  password?: string;
  is_admin?: boolean;
  is_active?: boolean;
  password_change_required?: boolean;
}

/** Admin user management under /auth/email/admin (admin callers only). */
export async function adminUserRoutes(
  app: FastifyInstance,
  options: { identity: IdentityContext },
): Promise<void> {
  const { identity } = options;
  const view = (user: Parameters<typeof toUserView>[0]) => toUserView(user, identity.now());
  app.addHook('onRequest', authenticate(identity, { admin: true }));

  app.get<{ Querystring: { limit: number; cursor?: string } }>(
    '/auth/email/admin/users',
    { schema: { querystring: pageQuery } },
    async (request) => {
      const page = await listUsers(identity, request.query);
      return { users: page.users.map(view), next_cursor: page.nextCursor };
    },
  );

  app.post<{
    Body: Record<string, unknown> & {
      is_admin?: boolean;
      is_active?: boolean;
      password_change_required?: boolean;
    };
  }>('/auth/email/admin/users', { schema: { body: createBody } }, async (request, reply) => {
    const body = request.body;
    const user = await createUser(
      identity,
      {
        email: body.email,
        password: body.password,
        username: body.username,
        fullName: body.full_name,
        isAdmin: body.is_admin,
        isActive: body.is_active,
        passwordChangeRequired: body.password_change_required,
      },
      requestContext(request),
    );
    return reply.status(201).send(view(user));
  });

  app.get<{ Params: { email: string } }>(
    '/auth/email/admin/users/:email',
    { schema: { params: emailParam } },
    async (request) => view(await getUserByEmail(identity, request.params.email)),
  );

  const update = async (
    request: { params: { email: string }; body: UpdateBody },
    context: ReturnType<typeof requestContext>,
  ) => {
    const body = request.body ?? {};
    const user = await updateUser(
      identity,
      request.params.email,
      {
        fullName: body.full_name,
        password: body.password,
        isAdmin: body.is_admin,
        isActive: body.is_active,
        passwordChangeRequired: body.password_change_required,
      },
      context,
    );
    return view(user);
  };
  for (const method of ['PUT', 'PATCH'] as const) {
    app.route<{ Params: { email: string }; Body: UpdateBody }>({
      method,
      url: '/auth/email/admin/users/:email',
      schema: { params: emailParam, body: updateBody },
      handler: async (request) => update(request, requestContext(request)),
    });
  }

  app.delete<{ Params: { email: string } }>(
    '/auth/email/admin/users/:email',
    { schema: { params: emailParam } },
    async (request) => {
      await deleteUser(identity, request.params.email, requestContext(request));
      return { status: 'deleted' };
    },
  );

  app.post<{ Params: { email: string } }>(
    '/auth/email/admin/users/:email/unlock',
    { schema: { params: emailParam } },
    async (request) => view(await unlockUser(identity, request.params.email, requestContext(request))),
  );

  app.get<{
    Querystring: {
      limit: number;
      cursor?: number;
      user?: string;
      type?: string;
      since?: string;
      until?: string;
    };
  }>('/auth/email/admin/events', { schema: { querystring: eventsQuery } }, async (request) => {
    const { limit, cursor, user, type, since, until } = request.query;
    const page = await listAuthEvents(identity, {
      limit,
      cursor,
      userEmail: user,
      eventType: type,
      since: since === undefined ? undefined : new Date(since),
      until: until === undefined ? undefined : new Date(until),
    });
    return {
      events: page.events.map((event) => ({
        id: event.id,
        ts: event.ts.toISOString(),
        event_type: event.eventType,
        success: event.success,
        user_email: event.userEmail,
        ip: event.ip,
        user_agent: event.userAgent,
        details: event.details,
      })),
      next_cursor: page.nextCursor,
    };
  });
}
