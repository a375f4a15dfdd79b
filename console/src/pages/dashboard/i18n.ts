export default {
  'zh-CN': { title: '数据概览' },
  en: { title: 'Dashboard' },
}
