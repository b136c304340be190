// The WeCom module's public surface.
export * from './callback-crypto.ts'
export * from './client.ts'
export * from './credential-store.ts'
export * from './errors.ts'
export * from './signature.ts'
export type * from './types.ts'
