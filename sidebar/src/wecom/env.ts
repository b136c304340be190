/** Same test the JS-SDK runs once at module load (`ww.env.isWeCom`). */
const WECOM_UA = /wxwork\/[\d.]+/i

export function isInWeCom(ua: string = navigator.userAgent): boolean {
  return WECOM_UA.test(ua)
}
