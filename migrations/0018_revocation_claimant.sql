-- Which replica's revocation attempt is in flight: the key of the presence lock that replica holds
-- on a connection of its own (replica-presence.ts). A replica that dies loses that connection, and
-- PostgreSQL its lock at once, so another replica takes the revocation up without waiting for the
-- lease to run out. NULL when no attempt is in flight, or its replica held no presence lock; the
-- lease alone then decides.
ALTER TABLE grants ADD COLUMN revoke_claimant integer;
