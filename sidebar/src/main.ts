import type { UserModule } from './types'
import { createApp } from 'vue'
import App from './App.vue'
import './styles/main.css'

const app = createApp(App)

// vitesse-style: every file in ./modules exports `install`.
const modules = import.meta.glob<{ install?: UserModule }>('./modules/*.ts', { eager: true })
for (const m of Object.values(modules))
  m.install?.({ app })

app.mount('#app')
