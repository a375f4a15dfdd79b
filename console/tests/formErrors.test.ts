import { describe, expect, it } from 'vitest'
import { ApiError } from '@/api/errors'
import { fieldFor, parseValidationMessage, useFormErrors } from '@/composables/useFormErrors'

describe('a 400 message on the fields it names', () => {
  it('splits the API message into field and reason, dropping body.', () => {
    expect(
      parseValidationMessage('body.name: Field required; rules.0.weight: Input should be a valid number'),
    ).toEqual({ name: 'Field required', 'rules.0.weight': 'Input should be a valid number' })
  })

  it('keeps two reasons for one field and a message that names no field', () => {
    expect(parseValidationMessage('name: too short; name: bad characters; invalid input')).toEqual({
      name: 'too short; bad characters',
      '': 'invalid input',
    })
  })

  it('finds the form field of a nested path', () => {
    expect(fieldFor('rules.0.weight', ['name', 'rules'])).toBe('rules')
    expect(fieldFor('pool.members', ['pool.members'])).toBe('pool.members')
    expect(fieldFor('other', ['name'])).toBeNull()
  })

  it('puts each reason on its field and the rest on the form', () => {
    const { errors, apply } = useFormErrors(['name', 'channels'])
    const shown = apply(new ApiError(400, 'invalid', 'body.name: Field required; body.extra: Extra inputs are not permitted'))
    expect(shown).toBe(true)
    expect(errors.name).toBe('Field required')
    expect(errors._form).toBe('extra: Extra inputs are not permitted')
    expect(errors.channels).toBeUndefined()
  })

  it('leaves other errors to the caller and clears old reasons', () => {
    const { errors, apply } = useFormErrors(['name'])
    apply(new ApiError(400, 'invalid', 'name: Field required'))
    expect(apply(new ApiError(409, 'conflict', 'already exists'))).toBe(false)
    expect(errors.name).toBeUndefined()
  })
})
