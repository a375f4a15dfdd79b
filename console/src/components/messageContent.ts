import type { components } from '@/api/schema'

/** What a message says, as the API takes it (welcome messages, SOP steps, broadcasts). */
export type MessageContent = components['schemas']['MessageContent']
export type ImageAttachment = components['schemas']['ImageAttachment']
export type LinkAttachment = components['schemas']['LinkAttachment']
export type MiniprogramAttachment = components['schemas']['MiniprogramAttachment']
export type Attachment = ImageAttachment | LinkAttachment | MiniprogramAttachment
export type AttachmentType = Attachment['type']

export const MAX_TEXT_BYTES = 4000
export const MAX_ATTACHMENTS = 9

/** The variables the API fills (`chalicelib/welcome/variables.py`). */
export const VARIABLES = ['name', 'staff', 'channel'] as const
export type Variable = (typeof VARIABLES)[number]

const VARIABLE = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g

/** `{name}` and friends replaced by `values`; an unknown variable stays as written, exactly as
 * the API sends it (so a typo shows in the preview too). */
export function fillVariables(template: string, values: Partial<Record<string, string>>): string {
  return template.replace(VARIABLE, (whole, name: string) => values[name] ?? whole)
}

/** The variables a text uses that the API does not know (shown as a warning). */
export function unknownVariables(template: string): string[] {
  const unknown = new Set<string>()
  for (const match of template.matchAll(VARIABLE)) {
    if (!(VARIABLES as readonly string[]).includes(match[1])) unknown.add(match[1])
  }
  return [...unknown]
}

export function utf8Bytes(text: string): number {
  return new TextEncoder().encode(text).length
}

/** A new attachment of `type`, with every field the API expects. */
export function blankAttachment(type: AttachmentType): Attachment {
  if (type === 'image') return { type, media_id: null, pic_url: '' }
  if (type === 'link') return { type, title: '', url: '', picurl: null, desc: '' }
  return { type, title: '', appid: '', page: '', pic_media_id: '' }
}

/** The attachment as the API takes it: blank optional fields left out, an image by URL unless
 * it names a media id. */
export function cleanAttachment(attachment: Attachment): Attachment {
  if (attachment.type === 'image') {
    const media = attachment.media_id?.trim()
    return media
      ? { type: 'image', media_id: media, pic_url: null }
      : { type: 'image', media_id: null, pic_url: attachment.pic_url?.trim() || null }
  }
  if (attachment.type === 'link') {
    return {
      type: 'link',
      title: attachment.title.trim(),
      url: attachment.url.trim(),
      picurl: attachment.picurl?.trim() || null,
      desc: attachment.desc ?? '',
    }
  }
  return { ...attachment, title: attachment.title.trim() }
}

export function cleanContent(content: MessageContent): MessageContent {
  return { text: content.text, attachments: (content.attachments ?? []).map(cleanAttachment) }
}

/** A deep copy of content from the API, safe to edit in a form. */
export function editableContent(content?: MessageContent | null): MessageContent {
  return {
    text: content?.text ?? '',
    attachments: (content?.attachments ?? []).map((a) => ({ ...blankAttachment(a.type), ...a }) as Attachment),
  }
}

/** Sample values for the preview (the API fills the real ones when it sends): `staff` is
 * what `{staff}` becomes, the sending staff member's name. */
export interface Sample {
  name: string
  staff: string
  channel: string
}

/** One bubble of the preview: the text, or one attachment. WeCom sends them in that order. */
export type Bubble =
  | { kind: 'text'; text: string }
  | { kind: 'image'; src: string | null }
  | { kind: 'link'; title: string; desc: string; picurl: string | null; url: string }
  | { kind: 'miniprogram'; title: string; appid: string }

/** What the customer sees in WeChat: the filled text first, then each attachment. */
export function previewBubbles(content: MessageContent, sample: Sample): Bubble[] {
  const bubbles: Bubble[] = []
  const text = fillVariables(content.text ?? '', { ...sample })
  if (text.trim()) bubbles.push({ kind: 'text', text })
  for (const attachment of content.attachments ?? []) {
    if (attachment.type === 'image') {
      bubbles.push({ kind: 'image', src: attachment.pic_url || null })
    } else if (attachment.type === 'link') {
      bubbles.push({
        kind: 'link',
        title: attachment.title,
        desc: attachment.desc ?? '',
        picurl: attachment.picurl || null,
        url: attachment.url,
      })
    } else {
      bubbles.push({ kind: 'miniprogram', title: attachment.title, appid: attachment.appid })
    }
  }
  return bubbles
}

/** Every form field a 400 on a content may name, under `prefix` (`content`, `steps.0.content`). */
export function contentFields(prefix: string): string[] {
  const base = prefix ? `${prefix}.` : ''
  const fields = [`${base}text`, `${base}attachments`]
  for (let n = 0; n < MAX_ATTACHMENTS; n++) fields.push(`${base}attachments.${n}`)
  return prefix ? [prefix, ...fields] : fields
}

/** Texts of the message editor and preview (local to those components). */
export const MESSAGE_TEXTS = {
  'zh-CN': {
    message: {
      text: '文字',
      textHint: '点击插入变量，发送时替换为真实值',
      bytes: '{used} / {max} 字节',
      unknownVariable: '未知变量 {names} 会原样发送',
      attachments: '附件',
      addImage: '图片',
      addLink: '链接',
      addMiniprogram: '小程序',
      remove: '移除',
      image: '图片',
      imageUrl: '图片地址',
      mediaId: '或素材 media_id',
      link: '链接',
      linkTitle: '标题',
      linkUrl: '网址',
      linkPic: '封面图地址',
      linkDesc: '摘要',
      miniprogram: '小程序',
      mpTitle: '标题',
      mpAppid: 'AppID',
      mpPage: '页面路径',
      mpPic: '封面 media_id',
      max: '最多 {max} 个附件',
      variables: { name: '客户昵称', staff: '员工姓名', channel: '渠道' },
    },
    preview: {
      label: '微信中客户看到的效果',
      corp: '企业微信',
      empty: '消息为空',
      image: '图片',
      linkTitle: '链接标题',
      miniprogram: '小程序',
    },
  },
  en: {
    message: {
      text: 'Text',
      textHint: 'Click to insert a variable; it is replaced by the real value when sent',
      bytes: '{used} / {max} bytes',
      unknownVariable: 'Unknown variables {names} are sent as written',
      attachments: 'Attachments',
      addImage: 'Image',
      addLink: 'Link',
      addMiniprogram: 'Mini program',
      remove: 'Remove',
      image: 'Image',
      imageUrl: 'Image URL',
      mediaId: 'or media_id',
      link: 'Link',
      linkTitle: 'Title',
      linkUrl: 'URL',
      linkPic: 'Cover image URL',
      linkDesc: 'Summary',
      miniprogram: 'Mini program',
      mpTitle: 'Title',
      mpAppid: 'AppID',
      mpPage: 'Page path',
      mpPic: 'Cover media_id',
      max: 'At most {max} attachments',
      variables: { name: 'Customer name', staff: 'Staff name', channel: 'Channel' },
    },
    preview: {
      label: 'What the customer sees in WeChat',
      corp: 'WeCom',
      empty: 'The message is empty',
      image: 'Image',
      linkTitle: 'Link title',
      miniprogram: 'Mini program',
    },
  },
}
