import { Agent, request } from 'node:http';
import { signedHeaders } from '../../test/support/slack-requests.js';

export interface Answer {
  readonly status: number;
  readonly body: string;
}

/**
 * Signed form POSTs to /slack/events over a keep-alive pool of at most `connections` sockets.
 * A request sent on a kept-alive socket just as the server closed it for idling fails with
 * ECONNRESET before jitbot saw it (Node's documented keep-alive race, `reusedSocket`): that one is
 * sent again on a fresh socket, once. Any other failure is the run's to report.
 */
export function createSignedPoster(connections: number) {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  function once(url: string, body: string, secret: string, retried: boolean): Promise<Answer> {
    const headers = signedHeaders(body, 'application/x-www-form-urlencoded', { secret });
    return new Promise((resolve, reject) => {
      const sent = request(`${url}/slack/events`, { method: 'POST', agent, headers }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
        response.on('error', reject);
      });
      sent.on('error', (error: NodeJS.ErrnoException) => {
        if (!retried && sent.reusedSocket && error.code === 'ECONNRESET')
          once(url, body, secret, true).then(resolve, reject);
        else reject(error);
      });
      sent.end(body);
    });
  }
  return {
    post: (url: string, fields: Record<string, string>, secret: string) =>
      once(url, new URLSearchParams(fields).toString(), secret, false),
    close: () => agent.destroy(),
  };
}
