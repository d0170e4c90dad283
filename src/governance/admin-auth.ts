/**
 * The admin credential (contract §7): `Authorization: Bearer <ADMIN_TOKEN>`, compared in constant time. A CDS
 * client's JWT is never an admin credential: only the one configured secret opens the admin endpoints.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

export type AdminCheck = 'ok' | 'missing' | 'wrong' | 'disabled';

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/** A checker bound to the configured token (undefined: no token can pass, "disabled"). */
export function adminTokenChecker(adminToken: string | undefined): (authorization: string | undefined) => AdminCheck {
  // Digests have one length whatever was sent, so timingSafeEqual never throws and the length does not leak.
  const expected = adminToken ? digest(adminToken) : undefined;
  return (authorization) => {
    if (expected === undefined) return 'disabled';
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization ?? '');
    if (!match) return 'missing';
    return timingSafeEqual(digest(match[1]!), expected) ? 'ok' : 'wrong';
  };
}
