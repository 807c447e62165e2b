import type { Target } from '../domain/catalog.js';
import type { AccessProvider } from '../ports/access-provider.js';

/**
 * What a request's grant holds, as a resource string. Shared access (a group, a fixed policy) is
 * the target's own resource, so overlapping grants of it are joined; access made for each request
 * (a generated policy) adds the request id, so every approved request is a grant of its own.
 */
export function resourceForRequest(provider: AccessProvider, target: Target, requestId: string): string {
  const shared = provider.resourceOf(target);
  return provider.perRequest ? `${shared}/${requestId}` : shared;
}

/** Whether `target` (as its grant gave it) still reaches `resource`, the grant's recorded one. */
export function reachesResource(provider: AccessProvider, target: Target, resource: string): boolean {
  const shared = provider.resourceOf(target);
  return provider.perRequest ? resource.startsWith(`${shared}/`) : shared === resource;
}
