import type { Static } from 'typebox'
import Type from 'typebox'

export const Health = Type.Object({
  status: Type.Literal('ok'),
  version: Type.String(),
  database: Type.Object({
    dialect: Type.Union([Type.Literal('sqlite'), Type.Literal('postgres')]),
    ok: Type.Boolean(),
    migrations: Type.Integer(),
  }),
})
export type Health = Static<typeof Health>
