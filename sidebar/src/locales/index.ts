import enCore from './en.json'
import enHandover from './handover/en.json'
import zhHandover from './handover/zh-CN.json'
import enNotes from './notes/en.json'
import zhNotes from './notes/zh-CN.json'
import zhCore from './zh-CN.json'

// The core text lives in zh-CN.json / en.json. A feature domain keeps its text in its own folder
// (locales/<domain>/zh-CN.json and en.json) and is added below under its own namespace, so features
// never edit each other's files: `t('<domain>.key')`.
export const zhCN = {
  ...zhCore,
  handover: zhHandover,
  notes: zhNotes,
}

export const en: typeof zhCN = {
  ...enCore,
  handover: enHandover,
  notes: enNotes,
}
