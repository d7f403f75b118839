// The only lines @nexdrive/db needs (README, "Using it from a Next.js app").
import type { NextConfig } from 'next';

const nextConfig: NextConfig = {
  serverExternalPackages: ['@nexdrive/db', '@electric-sql/pglite', '@electric-sql/pglite-pgvector'],
};

export default nextConfig;
