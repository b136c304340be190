import enCore from './en.json'
import enMaterials from './materials/en.json'
import zhMaterials from './materials/zh-CN.json'
import enReplies from './replies/en.json'
import zhReplies from './replies/zh-CN.json'
import zhCore from './zh-CN.json'

// The core text lives in zh-CN.json / en.json. A feature domain keeps its text in its own folder
// (locales/<domain>/zh-CN.json and en.json) and is added below under its own namespace, so features
// never edit each other's files: `t('<domain>.key')`.
export const zhCN = {
  ...zhCore,
  materials: zhMaterials,
  replyLibrary: zhReplies,
}

export const en: typeof zhCN = {
  ...enCore,
  materials: enMaterials,
  replyLibrary: enReplies,
}
