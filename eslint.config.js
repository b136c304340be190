import antfu from '@antfu/eslint-config'

// One shared style for server, shared and sidebar; formatting is enforced through the stylistic rules.
export default antfu({
  vue: true,
  typescript: true,
  pnpm: false,
  ignores: ['migrations/**', 'dist/**', '**/*.md', 'test-results/**'],
}, {
  rules: {
    'no-console': 'off',
    'node/prefer-global/process': 'off',
    'node/prefer-global/buffer': 'off',
    // Entry scripts (server, CLIs, benchmarks) are ES modules run by Node, where top-level await is fine.
    'antfu/no-top-level-await': 'off',
  },
}, {
  // TypeBox idiom: a schema constant and its Static<> type share one name.
  files: ['shared/src/**/*.ts'],
  rules: { 'ts/no-redeclare': 'off' },
})
