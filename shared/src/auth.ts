import type { Static } from 'typebox'
import Type from 'typebox'
import { Role } from './common.ts'

export const Me = Type.Object({
  userid: Type.String(),
  name: Type.String(),
  role: Role,
  storeId: Type.Union([Type.String(), Type.Null()]),
  storeName: Type.Union([Type.String(), Type.Null()]),
  avatar: Type.Union([Type.String(), Type.Null()]),
  /** Needed by ww.register on the client. */
  corpId: Type.String(),
  agentId: Type.Integer(),
})
export type Me = Static<typeof Me>

export const LoginQuery = Type.Object({
  /** Same-origin path to return to after login. */
  // A path on this origin: not `//host` nor `/\\host`, which browsers treat as another origin.
  next: Type.Optional(Type.String({ pattern: '^/(?![/\\\\])', maxLength: 2000 })),
})
export type LoginQuery = Static<typeof LoginQuery>

export const OAuthCallbackQuery = Type.Object({
  code: Type.String({ minLength: 1, maxLength: 512 }),
  state: Type.String({ minLength: 1, maxLength: 512 }),
})
export type OAuthCallbackQuery = Static<typeof OAuthCallbackQuery>
