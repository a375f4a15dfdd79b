/** The API's channel rule (`chalicelib/welcome/service.py`): 1 to 64 characters, no `#` or
 * `/`, not starting with white space. */
const CHANNEL = /^[^#/\s][^#/]{0,63}$/

export function isValidChannel(channel: string): boolean {
  return CHANNEL.test(channel)
}
