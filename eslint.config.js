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
  },
})
