import type { Material, MaterialList, MaterialSend, MemberMaterialSends } from '@scrm/shared'
import type { TestStack } from '../../testing/harness.ts'
import { createHash, randomUUID } from 'node:crypto'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { describeEachDialect } from '../../testing/dialects.ts'
import { startTestStack, TEST_PUBLIC_URL } from '../../testing/harness.ts'
import { materialMedia } from '../db/schema.ts'
import { renderPng } from '../lib/png.ts'
import { linkKeyFrom, MEDIA_TTL_MS, refreshExpiringMedia } from './service.ts'
import { createMaterialStorage } from './storage.ts'

const APPID = 'wx0123456789abcdef'

/** A real PNG (the emulator checks the magic bytes like WeCom); `seed` makes each one different content. */
const png = (seed: number) => renderPng(2, 2, () => [seed & 0xFF, 80, 160])

describeEachDialect('material library', ({ dialect }) => {
  let stack: TestStack
  let baseUrl: string
  let admin: string
  let guide: string
  let guideStore: string
  let otherStore: string
  let supervisor: string
  let memberId: number
  let otherMemberId: number

  beforeAll(async () => {
    stack = await startTestStack({ dialect, env: { WECOM_MINIPROGRAM_APPID: APPID, WECOM_MINIPROGRAM_PRODUCT_CARDS: '1' } })
    baseUrl = await stack.app.listen({ port: 0, host: '127.0.0.1' })
    const sqlite = stack.database.sqlite
    const row = sqlite.prepare(`select f.guide_userid g, f.member_id m, s.store_id st from follows f join staff s on s.userid = f.guide_userid where f.status = 'active' order by f.guide_userid, f.member_id limit 1`).get() as { g: string, m: number, st: string }
    memberId = row.m
    guideStore = row.st
    otherMemberId = (sqlite.prepare(`select id from members m where not exists (select 1 from follows f where f.member_id = m.id and f.guide_userid = ?) order by id limit 1`).get(row.g) as { id: number }).id
    otherStore = (sqlite.prepare(`select id from stores where id != ? order by id limit 1`).get(guideStore) as { id: string }).id
    const supervisorId = (sqlite.prepare(`select userid from staff where role = 'supervisor' and store_id = ?`).get(guideStore) as { userid: string }).userid
    ;[admin, guide, supervisor] = await Promise.all([stack.login('admin'), stack.login(row.g), stack.login(supervisorId)])
  })
  afterAll(async () => stack?.close())

  const call = (method: string, path: string, cookie: string, body?: unknown) => fetch(`${baseUrl}${path}`, {
    method,
    headers: { cookie, origin: TEST_PUBLIC_URL, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  })

  function upload(cookie: string, fields: Record<string, string>, bytes: Buffer, fileName: string, type = 'application/octet-stream') {
    const form = new FormData()
    for (const [k, v] of Object.entries(fields)) form.append(k, v)
    form.append('file', new Blob([bytes], { type }), fileName)
    return fetch(`${baseUrl}/api/materials/upload`, { method: 'POST', headers: { cookie, origin: TEST_PUBLIC_URL }, body: form })
  }

  const materialCount = async () => Number((await stack.port.db.all<[number]>(`select count(*) from materials` as never))[0]?.[0] ?? 0)

  async function send(materialId: number, cookie = guide, member = memberId, key = randomUUID()) {
    return call('POST', `/api/materials/${materialId}/send`, cookie, { idempotencyKey: key, memberId: member })
  }

  async function emulatorMedia(mediaId: string) {
    return (await fetch(`${stack.emulator.url}/__emulator/media/${encodeURIComponent(mediaId)}`)).json() as Promise<{ sha256: string, expired: boolean, type: string, fileName: string }>
  }

  it('needs a session (401) and refuses uploads by guides (403)', async () => {
    expect((await fetch(`${baseUrl}/api/materials`)).status).toBe(401)
    const res = await upload(guide, { kind: 'image', title: '新品海报' }, png(1), 'a.png', 'image/png')
    expect(res.status).toBe(403)
  })

  it('refuses oversize and wrong-type uploads with a Chinese message and stores nothing', async () => {
    const before = await materialCount()
    const big = Buffer.concat([png(2), Buffer.alloc(10 * 1024 * 1024)])
    const oversize = await upload(admin, { kind: 'image', title: '太大' }, big, 'big.png', 'image/png')
    expect(oversize.status).toBe(413)
    expect((await oversize.json() as { message: string }).message).toContain('不能超过 10 MB')
    const gif = await upload(admin, { kind: 'image', title: '动图' }, Buffer.from('GIF89a-not-allowed'), 'x.gif', 'image/gif')
    expect(gif.status).toBe(415)
    expect((await gif.json() as { message: string }).message).toContain('JPG 或 PNG')
    const video = await upload(admin, { kind: 'video', title: '视频' }, png(3), 'x.mp4', 'video/mp4')
    expect(video.status).toBe(415)
    expect(await materialCount()).toBe(before)
  })

  it('sends an image as a media/upload media id the emulator holds, uploading once for every later send', async () => {
    const bytes = png(4)
    const created = await upload(admin, { kind: 'image', title: '秋冬新品海报', description: '羊绒系列' }, bytes, '海报.png', 'image/png')
    expect(created.status).toBe(201)
    const material = await created.json() as Material
    expect(material).toMatchObject({ kind: 'image', mimeType: 'image/png', sizeBytes: bytes.length, fileName: '海报.png', storeIds: [] })
    await fetch(`${stack.emulator.url}/__emulator/calls`, { method: 'DELETE' })

    const first = await send(material.id)
    expect(first.status).toBe(201)
    const { record, message } = await first.json() as MaterialSend
    expect(record).toMatchObject({ kind: 'image', status: 'pending', memberId })
    if (message.msgtype !== 'image')
      throw new Error(`expected an image message, got ${message.msgtype}`)
    const held = await emulatorMedia(message.image.mediaid)
    expect(held).toMatchObject({ type: 'image', expired: false, fileName: '海报.png', sha256: createHash('sha256').update(bytes).digest('hex') })

    const file = await call('GET', material.fileUrl!, guide)
    expect(file.status).toBe(200)
    expect(file.headers.get('content-type')).toBe('image/png')
    expect(Buffer.from(await file.arrayBuffer()).equals(bytes)).toBe(true)

    const again = await (await send(material.id)).json() as MaterialSend
    expect(again.message).toEqual(message)
    const uploads = (await (await fetch(`${stack.emulator.url}/__emulator/calls?path=/cgi-bin/media/upload`)).json() as { calls: unknown[] }).calls
    expect(uploads).toHaveLength(1)

    // Only delivered sends count as use.
    expect((await call('POST', `/api/sends/${record.id}/complete`, guide, { status: 'sent' })).status).toBe(200)
    const listed = await (await call('GET', `/api/materials?q=${encodeURIComponent('羊绒')}`, guide)).json() as MaterialList
    expect(listed.items.map(m => [m.id, m.useCount])).toEqual([[material.id, 1]])
  })

  it('sends videos and files as media ids too (the file keeps its name)', async () => {
    // An ISO BMFF file starts with its `ftyp` box: size, 'ftyp', major brand, minor version, compatible brands.
    const mp4 = Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypisom', 'latin1'), Buffer.from([0, 0, 2, 0]), Buffer.from('isommp41', 'latin1'), Buffer.alloc(64)])
    const leaflet = Buffer.from('会员权益：生日礼券、免费改衣', 'utf8')
    for (const [kind, bytes, name, type] of [['video', mp4, '新品走秀.mp4', 'video/mp4'], ['file', leaflet, '会员权益.txt', 'text/plain']] as const) {
      const created = await upload(admin, { kind, title: name }, bytes, name, type)
      expect(created.status).toBe(201)
      const material = await created.json() as Material
      const { message } = await (await send(material.id)).json() as MaterialSend
      if (message.msgtype !== kind)
        throw new Error(`expected ${kind}, got ${message.msgtype}`)
      const mediaId = message.msgtype === 'video' ? message.video.mediaid : message.msgtype === 'file' ? message.file.mediaid : ''
      expect(await emulatorMedia(mediaId)).toMatchObject({ type: kind, fileName: name, expired: false, sha256: createHash('sha256').update(bytes).digest('hex') })
    }
  })

  it('refuses every management route to guides (403) and every route without a session (401)', async () => {
    const manage: [string, string, unknown?][] = [
      ['POST', '/api/materials', { kind: 'link', title: 'x', linkUrl: 'https://x.example.com', coverUrl: 'https://x.example.com/c.jpg' }],
      ['PATCH', '/api/materials/1', { title: 'x' }],
      ['DELETE', '/api/materials/1'],
      ['POST', '/api/material-groups', { name: 'x' }],
      ['PUT', '/api/material-groups/1', { name: 'x' }],
      ['DELETE', '/api/material-groups/1'],
      ['GET', '/api/materials/stores'],
    ]
    for (const [method, path, body] of manage) {
      expect([method, path, (await call(method, path, guide, body)).status]).toEqual([method, path, 403])
      expect([method, path, (await call(method, path, '', body)).status]).toEqual([method, path, 401])
    }
    for (const path of ['/api/materials', '/api/materials/1', '/api/materials/1/file', '/api/material-groups', '/api/materials/settings', `/api/materials/sends?memberId=${memberId}`, '/api/materials/product-card?skuId=x'])
      expect([path, (await call('GET', path, '')).status]).toEqual([path, 401])
    expect((await call('POST', '/api/material-groups', supervisor, { name: '店长建组' })).status).toBe(403)
    expect((await call('GET', `/api/materials/sends?memberId=${otherMemberId}`, guide)).status).toBe(404)
  })

  it('replays a retried send unchanged and refuses reusing its key for another material', async () => {
    const key = randomUUID()
    const link = await (await call('POST', '/api/materials', admin, { kind: 'link', title: '会员日活动', linkUrl: 'https://shop.example.com/vip', coverUrl: 'https://shop.example.com/vip.jpg' })).json() as Material
    const first = await send(link.id, guide, memberId, key)
    const second = await send(link.id, guide, memberId, key)
    expect([first.status, second.status]).toEqual([201, 200])
    expect(await second.json()).toEqual(await first.json())
    const other = await (await call('POST', '/api/materials', admin, { kind: 'link', title: '另一条', linkUrl: 'https://shop.example.com/b', coverUrl: 'https://shop.example.com/b.jpg' })).json() as Material
    const reused = await send(other.id, guide, memberId, key)
    expect(reused.status).toBe(409)
    expect(await reused.json()).toMatchObject({ reason: 'send_key_reused' })
  })

  it('sends a link through the signed redirect, which records the customer\'s open', async () => {
    const link = await (await call('POST', '/api/materials', admin, { kind: 'link', title: '门店地址', description: '导航到店', linkUrl: 'https://map.example.com/store', coverUrl: 'https://map.example.com/c.jpg' })).json() as Material
    const { record, message } = await (await send(link.id)).json() as MaterialSend
    if (message.msgtype !== 'news')
      throw new Error('expected a news card')
    expect(message.news).toMatchObject({ title: '门店地址', desc: '导航到店', imgUrl: 'https://map.example.com/c.jpg' })
    expect(message.news.link.startsWith(`${TEST_PUBLIC_URL}/api/materials/open/`)).toBe(true)
    const path = message.news.link.slice(TEST_PUBLIC_URL.length)

    const opened = await fetch(`${baseUrl}${path}`, { redirect: 'manual' })
    expect(opened.status).toBe(302)
    expect(opened.headers.get('location')).toBe('https://map.example.com/store')
    const forged = await fetch(`${baseUrl}${path.slice(0, -3)}abc`, { redirect: 'manual' })
    expect(forged.status).toBe(404)

    const sends = await (await call('GET', `/api/materials/sends?memberId=${memberId}`, guide)).json() as MemberMaterialSends
    expect(sends.sends.find(s => s.sendId === record.id)).toMatchObject({ materialId: link.id, openCount: 1 })
    const listed = await (await call('GET', `/api/materials/${link.id}`, admin)).json() as Material
    expect(listed.openCount).toBe(1)
  })

  it('sends a mini-program card with the brand\'s appid and refuses page paths WeCom does not accept', async () => {
    const bad = await call('POST', '/api/materials', admin, { kind: 'miniprogram', title: '商城首页', pagePath: 'pages/index/index', coverUrl: 'https://shop.example.com/c.jpg' })
    expect(bad.status).toBe(400)
    const card = await (await call('POST', '/api/materials', admin, { kind: 'miniprogram', title: '商城首页', pagePath: 'pages/index/index.html?from=scrm', coverUrl: 'https://shop.example.com/c.jpg' })).json() as Material
    const { message } = await (await send(card.id)).json() as MaterialSend
    expect(message).toEqual({ msgtype: 'miniprogram', miniprogram: { appid: APPID, title: '商城首页', imgUrl: 'https://shop.example.com/c.jpg', page: 'pages/index/index.html?from=scrm' } })
  })

  it('sends products as a mini-program card to the shop page (path made to end in .html), else as a link card', async () => {
    const sqlite = stack.database.sqlite
    const [withPage, withoutPage] = sqlite.prepare(`select sku_id s, name, miniprogram_page p, link_url l, image_url i from products where miniprogram_page is not null order by sku_id limit 2`).all() as { s: string, name: string, p: string, l: string, i: string }[]
    await stack.port.db.run(`update products set miniprogram_page = null where sku_id = '${withoutPage!.s}'` as never)
    const card = await (await call('GET', `/api/materials/product-card?skuId=${withPage!.s}`, guide)).json() as { msgtype: string, miniprogram: { appid: string, page: string, title: string } }
    expect(card.msgtype).toBe('miniprogram')
    expect(card.miniprogram.appid).toBe(APPID)
    expect(card.miniprogram.page).toMatch(/^[^?]+\.html(\?|$)/)
    expect(card.miniprogram.page.replace('.html', '')).toBe(withPage!.p.replace('.html', ''))
    const link = await (await call('GET', `/api/materials/product-card?skuId=${withoutPage!.s}`, guide)).json() as { msgtype: string, news: { link: string } }
    expect(link).toMatchObject({ msgtype: 'news', news: { link: withoutPage!.l } })
    const noProduct = await call('GET', '/api/materials/product-card?skuId=NOPE', guide)
    expect(noProduct.status).toBe(404)
    expect(await noProduct.json()).toMatchObject({ reason: 'product_not_found', message: '商品 NOPE 不存在' })
  })

  it('keeps a store\'s materials to that store and lets a store manager manage only their own', async () => {
    const elsewhere = await (await call('POST', '/api/materials', admin, { kind: 'link', title: '别店专属', linkUrl: 'https://x.example.com', coverUrl: 'https://x.example.com/c.jpg', storeIds: [otherStore] })).json() as Material
    const listed = await (await call('GET', '/api/materials?limit=200', guide)).json() as MaterialList
    expect(listed.items.some(m => m.id === elsewhere.id)).toBe(false)
    const notHere = await send(elsewhere.id)
    expect(notHere.status).toBe(404)
    expect(await notHere.json()).toMatchObject({ reason: 'material_not_found' })
    // One material by id: another store's is 404 for the guide, found for the admin.
    expect((await call('GET', `/api/materials/${elsewhere.id}`, guide)).status).toBe(404)
    expect(await (await call('GET', `/api/materials/${elsewhere.id}`, admin)).json()).toMatchObject({ id: elsewhere.id, storeIds: [otherStore] })

    const own = await call('POST', '/api/materials', supervisor, { kind: 'link', title: '本店活动', linkUrl: 'https://x.example.com/own', coverUrl: 'https://x.example.com/c.jpg' })
    expect(own.status).toBe(201)
    expect((await own.json() as Material).storeIds).toEqual([guideStore])
    expect((await call('POST', '/api/materials', supervisor, { kind: 'link', title: '越权', linkUrl: 'https://x.example.com', coverUrl: 'https://x.example.com/c.jpg', storeIds: [otherStore] })).status).toBe(403)
    const everywhere = (await (await call('GET', '/api/materials?q=%E9%97%A8%E5%BA%97%E5%9C%B0%E5%9D%80', admin)).json() as MaterialList).items[0]!
    expect((await call('PATCH', `/api/materials/${everywhere.id}`, supervisor, { title: '改名' })).status).toBe(403)
    expect((await call('PATCH', `/api/materials/${elsewhere.id}`, supervisor, { title: '改名' })).status).toBe(404)
  })

  it('refuses members the guide does not serve before uploading anything', async () => {
    const image = await (await upload(admin, { kind: 'image', title: '不该上传' }, png(9), 'n.png', 'image/png')).json() as Material
    await fetch(`${stack.emulator.url}/__emulator/calls`, { method: 'DELETE' })
    const stranger = await send(image.id, guide, otherMemberId)
    expect(stranger.status).toBe(404)
    expect(await stranger.json()).toMatchObject({ reason: 'member_not_yours' })
    const uploads = (await (await fetch(`${stack.emulator.url}/__emulator/calls?path=/cgi-bin/media/upload`)).json() as { calls: unknown[] }).calls
    expect(uploads).toHaveLength(0)
  })

  it('re-uploads media of recently sent materials before the 3-day expiry and drops the rest', async () => {
    const image = await (await upload(admin, { kind: 'image', title: '续期' }, png(11), 'r.png', 'image/png')).json() as Material
    const { message } = await (await send(image.id)).json() as MaterialSend
    if (message.msgtype !== 'image')
      throw new Error('expected an image')
    const deps = { database: stack.port, wecom: stack.wecom, storage: createMaterialStorage(stack.config.materials.dir), publicUrl: TEST_PUBLIC_URL, miniprogramAppid: APPID, productCardsAsMiniprogram: true, linkKey: linkKeyFrom(stack.config.sessionSecret) }
    const { eq } = await import('drizzle-orm')
    const before = (await stack.port.db.select().from(materialMedia).where(eq(materialMedia.materialId, image.id)).get())!
    expect(before.mediaId).toBe(message.image.mediaid)
    const nearlyExpired = before.uploadedAt + MEDIA_TTL_MS - 3_600_000
    const result = await refreshExpiringMedia({ ...deps, now: () => nearlyExpired })
    expect(result.refreshed).toBeGreaterThanOrEqual(1)
    const after = (await stack.port.db.select().from(materialMedia).where(eq(materialMedia.materialId, image.id)).get())!
    expect(after.mediaId).not.toBe(before.mediaId)
    expect((await emulatorMedia(after.mediaId)).expired).toBe(false)
  })
})
