import { describe, expect, it } from 'vitest';
import type { Gateway } from '../../../src/gateway/index.ts';
import { countSessions, openSessions } from '../../../src/gateway/serve/session-census.ts';

const aGateway = () => ({}) as Gateway;

describe('session census', () => {
  it('sums the live size of every holder by transport, at the moment it is read', () => {
    const gateway = aGateway();
    const mcp = { size: 2 };
    const servers = { size: 1 };
    const sse = { size: 0 };
    countSessions(gateway, 'streamable_http', mcp);
    countSessions(gateway, 'streamable_http', servers);
    countSessions(gateway, 'sse', sse);
    expect(openSessions(gateway)).toEqual({ streamable_http: 3, sse: 0 });
    mcp.size = 1;
    sse.size = 4;
    expect(openSessions(gateway)).toEqual({ streamable_http: 2, sse: 4 });
  });

  it("keeps each gateway's sessions apart, and counts none for a gateway without holders", () => {
    const one = aGateway();
    const other = aGateway();
    countSessions(one, 'sse', { size: 5 });
    expect(openSessions(other)).toEqual({ streamable_http: 0, sse: 0 });
    expect(openSessions(one).sse).toBe(5);
  });
});
