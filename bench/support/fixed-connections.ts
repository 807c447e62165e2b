import { Agent, request } from 'node:http';
import { signedHeaders } from '../../test/support/slack-requests.js';

/**
 * A signed form POST over a keep-alive pool of exactly `connections` sockets per server. fetch's
 * pool opens extra sockets whenever a request is sent a moment before the previous response's
 * socket is handed back; the benchmark would then also time those connects, which a busy event
 * loop accepts late. "50 at a time" means 50 connections, each sending one command after another.
 */
export function createFixedPool(connections: number) {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  return {
    post(baseUrl: string, fields: Record<string, string>, secret: string): Promise<number> {
      const body = new URLSearchParams(fields).toString();
      const headers = { ...signedHeaders(body, 'application/x-www-form-urlencoded', { secret }) };
      return new Promise((resolve, reject) => {
        const sent = request(`${baseUrl}/slack/events`, { method: 'POST', agent, headers }, (response) => {
          response.resume();
          response.on('end', () => resolve(response.statusCode ?? 0));
          response.on('error', reject);
        });
        sent.on('error', reject);
        sent.end(body);
      });
    },
    close: () => agent.destroy(),
  };
}
