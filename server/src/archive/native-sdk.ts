// The production ArchiveSource: WeCom's Finance SDK (`libWeWorkFinanceSdk_C.so`, Linux x86_64 with glibc;
// reference §4.3). It cannot be built or run here (closed binary, trusted-IP list, real corp), so this
// file is the documented extension point, not an implementation. An adapter must:
//
// - Load the library through an FFI binding (e.g. the `koffi` package) or run it in a sidecar process,
//   create ONE sdk per process with NewSdk() and Init(sdk, corpid, ARCHIVE_SECRET), reuse it, DestroySdk at exit.
// - getChatData(seq, limit): GetChatData(sdk, seq, limit ≤ 1000, proxy, passwd, timeout_s, slice);
//   parse the slice's JSON; a non-zero return becomes ArchiveSourceError(code) (10001–10003 retryable).
// - decryptData(randomKey, msg): DecryptData(randomKey, msg, slice) → the message JSON; 10006 on failure.
//   The RSA step before it (publickey_ver → private key, PKCS#1 v1.5) stays in keys.ts, shared by both adapters.
// - getMediaData(sdkfileid, indexBuf): GetMediaData(…, MediaData*) → GetData/GetOutIndexBuf/IsMediaDataFinish.
// - checkSingleAgree: the plain HTTP API msgaudit/check_single_agree with the archive secret's token
//   (the same call the emulator adapter makes).
// Blocking FFI calls must not run on the event loop: use a worker thread or the sidecar.
import type { ArchiveSource } from './source.ts'

export class NativeSdkUnavailableError extends Error {
  constructor() {
    super('ARCHIVE_SOURCE=native needs the WeCom Finance SDK adapter (server/src/archive/native-sdk.ts describes it); this build does not include one')
  }
}

/** The native adapter's factory: refuses until an FFI binding is added (see above). */
export function createNativeArchiveSource(): ArchiveSource {
  throw new NativeSdkUnavailableError()
}
