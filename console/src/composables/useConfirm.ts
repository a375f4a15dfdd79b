import { ElMessage, ElMessageBox } from 'element-plus'
import 'element-plus/es/components/message/style/css'
import 'element-plus/es/components/message-box/style/css'
import { translate as t } from '@/i18n'
import { ApiError } from '@/api/errors'

/** Ask before destroying `name`; run `destroy` only on yes. True when it was destroyed. */
export async function confirmDestroy(name: string, destroy: () => Promise<unknown>): Promise<boolean> {
  try {
    await ElMessageBox.confirm(t('app.confirmDelete', { name }), t('app.confirmDeleteTitle'), {
      type: 'warning',
      confirmButtonText: t('app.confirm'),
      cancelButtonText: t('app.cancel'),
      confirmButtonClass: 'el-button--danger',
    })
  } catch {
    return false // cancelled
  }
  try {
    await destroy()
  } catch (error) {
    ElMessage.error(error instanceof ApiError ? error.message : t('errors.unknown'))
    return false
  }
  ElMessage.success(t('app.deleted'))
  return true
}

/** Ask before an action that cannot be undone (revoking access, a key…): true on yes. */
export async function confirmDanger(message: string, title: string): Promise<boolean> {
  try {
    await ElMessageBox.confirm(message, title, {
      type: 'warning',
      confirmButtonText: t('app.confirm'),
      cancelButtonText: t('app.cancel'),
      confirmButtonClass: 'el-button--danger',
    })
    return true
  } catch {
    return false // cancelled
  }
}
