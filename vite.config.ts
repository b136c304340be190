import { fileURLToPath } from 'node:url'
import vue from '@vitejs/plugin-vue'
import { defineConfig } from 'vite'

const sidebarRoot = fileURLToPath(new URL('./sidebar', import.meta.url))

// The sidebar build (Vite) and every test project (Vitest) are configured here.
// `vite build --mode demo` also bundles the demo shell and the mock JS-SDK bridge;
// a production build (`vite build`) leaves both out.
export default defineConfig(({ mode }) => ({
  root: sidebarRoot,
  plugins: [vue()],
  define: {
    __WECOM_MOCK__: JSON.stringify(mode === 'demo' || mode === 'development' || mode === 'test'),
  },
  build: {
    outDir: fileURLToPath(new URL('./dist/sidebar', import.meta.url)),
    emptyOutDir: true,
    rollupOptions: {
      input: mode === 'demo'
        ? { demo: `${sidebarRoot}/index.html`, app: `${sidebarRoot}/app/index.html` }
        : { app: `${sidebarRoot}/app/index.html` },
    },
  },
  server: {
    proxy: { '/api': 'http://localhost:3000', '/demo': 'http://localhost:3000' },
  },
  test: {
    root: fileURLToPath(new URL('.', import.meta.url)),
    projects: [
      {
        extends: false,
        test: {
          name: 'server',
          environment: 'node',
          include: ['server/**/*.test.ts', 'shared/**/*.test.ts'],
          // A throwaway PostgreSQL cluster for the dialect tests (server/testing/dialects.ts).
          globalSetup: ['test/pg/global-setup.ts'],
          pool: 'forks',
          testTimeout: 20_000,
        },
      },
      {
        // Rooted in sidebar/ so plugin-vue's dedupe finds sidebar/node_modules/vue.
        root: sidebarRoot,
        plugins: [vue()],
        define: { __WECOM_MOCK__: 'true' },
        test: {
          name: 'sidebar',
          environment: 'happy-dom',
          include: ['**/*.test.ts'],
          exclude: ['**/node_modules/**'],
        },
      },
      {
        extends: false,
        test: {
          name: 'e2e',
          environment: 'node',
          include: ['test/e2e/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
}))
