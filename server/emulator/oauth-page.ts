// HTML of the emulator's OAuth screens (zh-CN). Real WeCom authorises silently inside its
// webview; the emulator lets a person (or Playwright, via `a[data-userid="…"]`) pick the member.

import type { WecomFixtures } from './fixtures.ts'

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, ch => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', '\'': '&#39;' })[ch]!)
}

const STYLE = `body{font-family:-apple-system,"PingFang SC","Microsoft YaHei",sans-serif;margin:0;background:#f5f6f7;color:#1f2329}
main{max-width:420px;margin:24px auto;background:#fff;border-radius:8px;padding:16px 20px;box-shadow:0 1px 4px rgba(0,0,0,.08)}
h1{font-size:18px;margin:0 0 4px}p.sub{color:#8f959e;font-size:13px;margin:0 0 12px}
ul{list-style:none;padding:0;margin:0}li{border-top:1px solid #eee}
a.user,span.user{display:block;padding:10px 4px;text-decoration:none;color:inherit}
a.user:hover{background:#f0f6ff}.name{font-weight:600}.meta{color:#646a73;font-size:12px}
span.user{color:#bbb}.tag{font-size:11px;border:1px solid #ccc;border-radius:3px;padding:0 3px;margin-left:4px}
.error{color:#d83931}`

function page(body: string): string {
  return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>模拟企业微信登录</title><style>${STYLE}</style></head><body><main>${body}</main></body></html>`
}

export function renderErrorPage(message: string): string {
  return page(`<h1>模拟企业微信登录</h1><p class="error" data-error>${escapeHtml(message)}</p>`)
}

/**
 * The member picker. `chooseHref(userid)` builds the link that issues the code and redirects.
 * Disabled / departed members are listed without a link; members outside the app's visibility
 * are listed with a link (their later `user/get` answers 60011) and a marker.
 */
export function renderLoginPage(fixtures: WecomFixtures, chooseHref: (userid: string) => string): string {
  const deptName = (id: number) => fixtures.departments.find(d => d.id === id)?.name ?? ''
  const items = fixtures.users.map((u) => {
    const meta = `<span class="meta">${escapeHtml(u.position || '成员')} · ${escapeHtml(deptName(u.mainDepartment))}</span>`
    const active = u.status === 1 || u.status === 4
    if (!active)
      return `<li><span class="user" data-userid-disabled="${escapeHtml(u.userid)}"><span class="name">${escapeHtml(u.name)}</span><span class="tag">已停用</span><br>${meta}</span></li>`
    const hidden = u.visibleToApp ? '' : '<span class="tag">不在应用可见范围</span>'
    return `<li><a class="user" data-userid="${escapeHtml(u.userid)}" href="${escapeHtml(chooseHref(u.userid))}"><span class="name">${escapeHtml(u.name)}</span>${hidden}<br>${meta}</a></li>`
  })
  return page(`<h1>模拟企业微信登录</h1><p class="sub">${escapeHtml(fixtures.corpName)} · 选择以哪位成员身份登录（企业微信模拟器）</p><ul>${items.join('')}</ul>`)
}
