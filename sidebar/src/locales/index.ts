import enCore from './en.json'
import segmentsEn from './segments/en.json'
import segmentsZh from './segments/zh-CN.json'
import tagsEn from './tags/en.json'
import tagsZh from './tags/zh-CN.json'
import zhCore from './zh-CN.json'

// The core text lives in zh-CN.json / en.json. A feature domain keeps its text in its own folder
// (locales/<domain>/zh-CN.json and en.json) and is added below under its own namespace, so features
// never edit each other's files: `t('<domain>.key')`.
export const zhCN = {
  ...zhCore,
  tags: tagsZh,
  segments: segmentsZh,
}

export const en: typeof zhCN = {
  ...enCore,
  tags: tagsEn,
  segments: segmentsEn,
}
