import { Agent, request } from 'node:http';
import { signedHeaders } from '../../test/support/slack-requests.js';

export interface FormAnswer {
  readonly status: number;
  /** The ack's body: empty when Slack is to close the form, `response_action` JSON otherwise. */
  readonly body: string;
}

/**
 * A signed form POST to /slack/events over a keep-alive pool of at most `connections` sockets,
 * answered with the body as well as the status (fixed-connections.ts drops the body): a form's
 * ack says in its body whether the submission was refused.
 */
export function createFormPoster(connections: number) {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  return {
    post(baseUrl: string, fields: Record<string, string>, secret: string): Promise<FormAnswer> {
      const body = new URLSearchParams(fields).toString();
      const headers = { ...signedHeaders(body, 'application/x-www-form-urlencoded', { secret }) };
      return new Promise((resolve, reject) => {
        const sent = request(`${baseUrl}/slack/events`, { method: 'POST', agent, headers }, (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () =>
            resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
          );
          response.on('error', reject);
        });
        sent.on('error', reject);
        sent.end(body);
      });
    },
    close: () => agent.destroy(),
  };
}
