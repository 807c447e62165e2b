import { randomInt } from 'node:crypto';

/** Crockford's base32: no I, L, O or U, so an id read aloud or retyped is not misread. */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** `REQ-7K3M9QX2`: short enough to type into `/request-aws-access cancel`, 40 bits of randomness. */
export function newRequestId(): string {
  let id = '';
  for (let i = 0; i < 8; i += 1) id += ALPHABET[randomInt(ALPHABET.length)];
  return `REQ-${id}`;
}

export const REQUEST_ID_PATTERN = /^REQ-[0-9A-HJKMNP-TV-Z]{8}$/;
export const GRANT_ID_PATTERN = /^GNT-[0-9A-HJKMNP-TV-Z]{8}$/;

/** `GNT-7K3M9QX2`: a grant outlives the request that created it when later requests extend it. */
export function newGrantId(): string {
  return newRequestId().replace(/^REQ-/, 'GNT-');
}
