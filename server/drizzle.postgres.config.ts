import { defineConfig } from 'drizzle-kit'

// PostgreSQL migrations from the schema derived from schema.ts (see server/src/db/README.md).
export default defineConfig({
  dialect: 'postgresql',
  schema: './server/src/db/schema.pg.ts',
  out: './migrations/postgres',
})
