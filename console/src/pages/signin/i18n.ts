export default {
  'zh-CN': {
    title: '登录',
    welcome: '私域运营台',
    lead: '用企业微信扫码或在企业微信里确认，即可登录。',
    button: '使用企业微信登录',
    expired: '登录已过期，请重新登录。',
    signedOut: '你已退出登录。',
    note: '只有管理员授权过角色的成员可以登录。',
  },
  en: {
    title: 'Sign in',
    welcome: 'Operations console',
    lead: 'Scan with WeCom, or confirm inside the WeCom client, to sign in.',
    button: 'Sign in with WeCom',
    expired: 'Your session has expired; please sign in again.',
    signedOut: 'You have signed out.',
    note: 'Only members an admin has granted a role can sign in.',
  },
}
