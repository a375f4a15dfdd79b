import { describe, expect, it } from 'vitest'
import {
  cleanContent,
  contentFields,
  fillVariables,
  previewBubbles,
  unknownVariables,
  utf8Bytes,
} from '@/components/messageContent'
import { isValidChannel } from '@/pages/welcome/channel'

const sample = { name: '小明', staff: '李四', channel: 'mall' }

describe('the welcome preview fills variables as the API sends them', () => {
  it('replaces {name}, {staff} and {channel}, and leaves unknown ones as written', () => {
    expect(fillVariables('{name}，我是{staff}，欢迎从 {channel} 来。{coupon}', sample)).toBe(
      '小明，我是李四，欢迎从 mall 来。{coupon}',
    )
  })

  it('keeps literal braces that are not variables', () => {
    expect(fillVariables('价格 {9.9} 元 {} {name}', sample)).toBe('价格 {9.9} 元 {} 小明')
  })

  it('names the variables the API does not know, once each', () => {
    expect(unknownVariables('{name} {nmae} {nmae} {staff} {shop}')).toEqual(['nmae', 'shop'])
  })

  it('counts text in UTF-8 bytes like the API limit', () => {
    expect(utf8Bytes('ab')).toBe(2)
    expect(utf8Bytes('欢迎')).toBe(6)
  })

  it('shows the text first, then each attachment as WeChat does', () => {
    const bubbles = previewBubbles(
      {
        text: '{name}您好',
        attachments: [
          { type: 'link', title: '门店地址', url: 'https://shop.example.com', picurl: null, desc: '' },
          { type: 'image', media_id: null, pic_url: 'https://img.example.com/a.png' },
          { type: 'miniprogram', title: '领券', appid: 'wx123', page: 'pages/index', pic_media_id: 'm1' },
        ],
      },
      sample,
    )
    expect(bubbles.map((b) => b.kind)).toEqual(['text', 'link', 'image', 'miniprogram'])
    expect(bubbles[0]).toEqual({ kind: 'text', text: '小明您好' })
    expect(bubbles[1]).toMatchObject({ title: '门店地址', desc: '', url: 'https://shop.example.com' })
    expect(bubbles[2]).toEqual({ kind: 'image', src: 'https://img.example.com/a.png' })
  })

  it('shows no text bubble for blank text', () => {
    expect(previewBubbles({ text: '   ', attachments: [] }, sample)).toEqual([])
  })
})

describe('a welcome message as the API takes it', () => {
  it('drops blank optional fields and sends an image by media id when one is given', () => {
    expect(
      cleanContent({
        text: 'hi',
        attachments: [
          { type: 'image', media_id: '  ', pic_url: ' https://img.example.com/a.png ' },
          { type: 'image', media_id: 'MEDIA', pic_url: 'https://ignored' },
          { type: 'link', title: ' t ', url: ' https://x.example ', picurl: '', desc: '' },
        ],
      }),
    ).toEqual({
      text: 'hi',
      attachments: [
        { type: 'image', media_id: null, pic_url: 'https://img.example.com/a.png' },
        { type: 'image', media_id: 'MEDIA', pic_url: null },
        { type: 'link', title: 't', url: 'https://x.example', picurl: null, desc: '' },
      ],
    })
  })

  it('knows every field a 400 can name, under the content prefix', () => {
    expect(contentFields('')).toContain('attachments.8')
    expect(contentFields('steps.2.content')).toEqual(expect.arrayContaining(['steps.2.content', 'steps.2.content.text', 'steps.2.content.attachments.0']))
  })

  it('checks a channel like the API', () => {
    expect(isValidChannel('default')).toBe(true)
    expect(isValidChannel('code:mall-a')).toBe(true)
    expect(isValidChannel('a/b')).toBe(false)
    expect(isValidChannel(' lead')).toBe(false)
    expect(isValidChannel('x'.repeat(65))).toBe(false)
  })
})
