import type { UserModule } from '../types'
import { createPinia } from 'pinia'

/** One Pinia instance; stores live in `src/stores/`, one per concern. */
export const install: UserModule = ({ app }) => {
  app.use(createPinia())
}
