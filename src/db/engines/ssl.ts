// sslmode, handled deliberately for node-postgres. Its connection-string parser treats prefer, require
// and verify-ca as verify-full and prints a 9-line SECURITY WARNING saying so. We take the same, safe
// reading (the certificate and host name are verified: a hosted PostgreSQL has a valid certificate)
// without the warning: sslmode is removed from the URL and given as the `ssl` option instead.
//   disable -> no TLS; allow, prefer, require, verify-ca, verify-full -> TLS, verified;
//   no-verify (node-postgres' own) -> TLS, not verified. Other ssl* parameters (sslrootcert...) and
//   uselibpqcompat are left to node-postgres.
import type { ConnectionOptions } from 'node:tls';

export interface SslChoice {
  connectionString: string;
  /** Undefined: the URL did not say (node-postgres' default, no TLS). */
  ssl?: boolean | ConnectionOptions;
}

export function sslFromUrl(url: string): SslChoice {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { connectionString: url }; // a socket URL without a host: node-postgres parses it itself
  }
  const mode = parsed.searchParams.get('sslmode');
  if (mode === null || parsed.searchParams.has('uselibpqcompat') || [...parsed.searchParams.keys()].some((k) => k.startsWith('ssl') && k !== 'sslmode')) {
    return { connectionString: url };
  }
  parsed.searchParams.delete('sslmode');
  const connectionString = parsed.toString();
  switch (mode) {
    case 'disable':
      return { connectionString, ssl: false };
    case 'no-verify':
      return { connectionString, ssl: { rejectUnauthorized: false } };
    default:
      return { connectionString, ssl: { rejectUnauthorized: true } };
  }
}
