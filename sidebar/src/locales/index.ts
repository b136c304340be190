import enArchive from './archive/en.json'
import zhArchive from './archive/zh-CN.json'
import enCore from './en.json'
import enHandover from './handover/en.json'
import zhHandover from './handover/zh-CN.json'
import enImports from './imports/en.json'
import zhImports from './imports/zh-CN.json'
import enMaterials from './materials/en.json'
import zhMaterials from './materials/zh-CN.json'
import enNotes from './notes/en.json'
import zhNotes from './notes/zh-CN.json'
import enRedPackets from './redpackets/en.json'
import zhRedPackets from './redpackets/zh-CN.json'
import enReplies from './replies/en.json'
import zhReplies from './replies/zh-CN.json'
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
  redpackets: zhRedPackets,
  archive: zhArchive,
  imports: zhImports,
  tags: tagsZh,
  segments: segmentsZh,
  materials: zhMaterials,
  replyLibrary: zhReplies,
  handover: zhHandover,
  notes: zhNotes,
}

export const en: typeof zhCN = {
  ...enCore,
  redpackets: enRedPackets,
  archive: enArchive,
  imports: enImports,
  tags: tagsEn,
  segments: segmentsEn,
  materials: enMaterials,
  replyLibrary: enReplies,
  handover: enHandover,
  notes: enNotes,
}
