import { createApp } from 'vue'
import { i18n } from '../modules/i18n'
import DemoShell from './DemoShell.vue'
import { demoHost } from './host'
import '../styles/main.css'

// Expose the host before the sidebar iframe loads: its mock bridge looks for it in window.parent.
window.__WECOM_DEMO_HOST__ = demoHost

createApp(DemoShell).use(i18n).mount('#demo')
