import type { ChatMessage } from '@scrm/shared'

/** A product as an H5 `news` card — what ww.sendChatMessage takes. */
export function productCard(p: { name: string, linkUrl: string, imageUrl: string }, desc: string): ChatMessage {
  return {
    msgtype: 'news',
    news: {
      link: p.linkUrl,
      title: p.name.slice(0, 128),
      desc: desc.slice(0, 512),
      imgUrl: p.imageUrl,
    },
  }
}

export function textMessage(content: string): ChatMessage {
  return { msgtype: 'text', text: { content: content.slice(0, 4000) } }
}
