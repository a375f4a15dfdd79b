import { describe, expect, it } from 'vitest'
import { editableContent } from '@/components/messageContent'
import {
  blankCompose,
  checkCompose,
  fieldOfBroadcastMessage,
  formToBroadcast,
  kindOf,
  offersSavedAudience,
  statusOf,
} from '@/pages/broadcasts/audience'

const content = { text: '双十二 {name} 专享', attachments: [] }

describe('composing a broadcast', () => {
  it('sends a tag circle with its senders and nothing else', () => {
    const form = { ...blankCompose(), name: 'd12', tag_ids: ['t1'], senders: [' lisi ', ''], segment: 'loyal', content }
    expect(formToBroadcast(form)).toEqual({
      name: 'd12',
      target: 'private',
      audience: { segment: null, tag_ids: ['t1'], senders: ['lisi'], chat_ids: [] },
      content,
      send_at: null,
    })
  })

  it('sends groups, Moments, segments and saved audiences to their own targets', () => {
    expect(formToBroadcast({ ...blankCompose(), kind: 'groups', chat_ids: ['wr1'], content })).toMatchObject({ target: 'group', audience: { chat_ids: ['wr1'], senders: [] } })
    expect(formToBroadcast({ ...blankCompose(), kind: 'moment', senders: ['lisi'], content })).toMatchObject({ target: 'moment', audience: { senders: ['lisi'] } })
    expect(formToBroadcast({ ...blankCompose(), kind: 'segment', segment: 'at_risk', content }).audience).toMatchObject({ segment: 'at_risk', tag_ids: [] })
    const saved = formToBroadcast({ ...blankCompose(), kind: 'saved', audience_id: 'vip-shanghai', content })
    expect(saved.audience).toMatchObject({ audience_id: 'vip-shanghai', segment: null })
    expect(kindOf(saved)).toBe('saved')
  })

  it('schedules in epoch seconds, or sends now', () => {
    const later = { ...blankCompose(), name: 'x', when: 'later' as const, send_at_ms: 1_800_000_000_500, content }
    expect(formToBroadcast(later).send_at).toBe(1_800_000_000)
    expect(checkCompose({ ...later, tag_ids: ['t'], senders: ['s'] }, 1_900_000_000_000)).toEqual({ send_at: 'broadcasts.errors.sendAt' })
  })

  it('checks the audience and the content before sending', () => {
    expect(checkCompose({ ...blankCompose(), name: 'x', content: editableContent() })).toEqual({
      audience: 'broadcasts.errors.tags',
      'content.text': 'broadcasts.errors.content',
    })
  })

  it("puts the API's refusals of the audience on the audience", () => {
    expect(fieldOfBroadcastMessage('Value error, a private broadcast needs either a segment, or tag_ids with senders')).toBe('audience')
    expect(fieldOfBroadcastMessage('the audience is empty: nobody would receive this broadcast')).toBe('audience')
  })

  it('offers a saved audience only when the API describes one', () => {
    expect(offersSavedAudience({ components: { schemas: { Audience: { properties: { segment: {} } } } } })).toBe(false)
    expect(offersSavedAudience({ components: { schemas: { Audience: { properties: { audience_id: {} } } } } })).toBe(true)
    expect(offersSavedAudience(null)).toBe(false)
  })

  it('says whether a broadcast is scheduled, sending or sent', () => {
    const step = { step_id: 'main', targeted: 2, sent: 2, failed_not_friend: 0, failed_capped: 0, exited: 0 }
    const funnel = { plan_id: 'x', conversion_window_days: 7, steps: [step] } as never
    expect(statusOf({ send_at: 2_000, recipients: 2, funnel }, 1_000)).toBe('scheduled')
    expect(statusOf({ send_at: null, recipients: 2, funnel }, 1_000)).toBe('sent')
    const half = { plan_id: 'x', conversion_window_days: 7, steps: [{ ...step, sent: 1 }] } as never
    expect(statusOf({ send_at: null, recipients: 2, funnel: half }, 1_000)).toBe('sending')
  })
})
