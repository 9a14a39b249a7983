// The line editor's side of the signals: the character reader libedit calls (EL_GETCFN).
//
// The handlers are LabSystem's (Signals.swift lists them); here is only what the editor does about
// their flags while libedit reads a line:
//   Ctrl-C   The reader checks the flag with SIGINT blocked, then waits in pselect with it unblocked,
//            atomically: a Ctrl-C is either seen at the check or interrupts the wait (pselect is never
//            restarted). The reader then fails with EINTR, el_gets returns NULL with errno EINTR
//            (libedit has put the terminal back in its normal mode) and readLine() returns
//            .interrupted. Keys typed after the Ctrl-C stay queued for the next line.
//   Ctrl-Z   The handler restores the terminal and stops. After `fg` the wait fails with EINTR, the
//            reader sees `Signals.wasSuspended` and fails the same way, and readLine() draws the
//            prompt again with the text typed so far (el_gets puts the terminal back in raw mode).
//   Resize   The wait fails with EINTR and nothing else is raised: the reader tells libedit the
//            new size (el_resize, as libedit's own SIGWINCH handling would) and waits again. The
//            tables pick the new width up through `Terminal.width` before the next command.

@preconcurrency import CEditLine
@preconcurrency import Glibc
import LabSystem

/// libedit's character reader (EL_GETCFN): 1 with a character, 0 at end of file, -1 with errno set
/// on error, EINTR when Ctrl-C or Ctrl-Z arrived since el_gets started; el_gets then returns NULL.
/// Like libedit's own reader, one byte per read(2), decoded with the (UTF-8) locale.
func readCharacter(_ editLine: OpaquePointer?, _ character: UnsafeMutablePointer<wchar_t>?) -> Int32 {
    guard let character else { return -1 }
    var watched = Signals.readerSignals
    var bytes: (CChar, CChar, CChar, CChar, CChar, CChar, CChar, CChar) = (0, 0, 0, 0, 0, 0, 0, 0)
    let capacity = 8
    var count = 0
    while true {
        // Check the flags with the signals blocked, then wait with them unblocked, atomically.
        var previous = sigset_t()
        _ = pthread_sigmask(SIG_BLOCK, &watched, &previous)
        if Signals.isInterrupted || Signals.wasSuspended {
            _ = pthread_sigmask(SIG_SETMASK, &previous, nil)
            errno = EINTR
            return -1
        }
        noticeResize(editLine)
        let ready = closelab_wait_readable(STDIN_FILENO, &previous)
        let waitError = errno
        _ = pthread_sigmask(SIG_SETMASK, &previous, nil)   // a signal that came with the input runs now
        if ready < 0 {
            if waitError == EINTR { continue }   // the check above tells which signal it was
            errno = waitError
            return -1
        }
        if Signals.isInterrupted || Signals.wasSuspended {
            errno = EINTR   // the keys typed after Ctrl-C stay queued for the next line
            return -1
        }
        var byte: CChar = 0
        let got = read(STDIN_FILENO, &byte, 1)
        if got == 0 { character.pointee = 0; return 0 }
        if got < 0 {
            if errno == EINTR { continue }
            return -1
        }

        withUnsafeMutableBytes(of: &bytes) { $0[count] = UInt8(bitPattern: byte) }
        count += 1
        var state = mbstate_t()
        let result = withUnsafeBytes(of: &bytes) { raw in
            mbrtowc(character, raw.baseAddress!.assumingMemoryBound(to: CChar.self), count, &state)
        }
        switch result {
        case -2:   // incomplete: read another byte, unless the sequence is too long to be one
            if count >= capacity { count = 0 }
        case -1:   // invalid: drop it, but the last byte may start the next character
            if count > 1 {
                withUnsafeMutableBytes(of: &bytes) { $0[0] = UInt8(bitPattern: byte) }
                count = 1
                var retry = mbstate_t()
                let single = withUnsafeBytes(of: &bytes) { raw in
                    mbrtowc(character, raw.baseAddress!.assumingMemoryBound(to: CChar.self), 1, &retry)
                }
                if single >= 0 { return 1 }
                if single == -1 { count = 0 }
            } else {
                count = 0
            }
        default:   // a character (0 for NUL)
            return 1
        }
    }
}

/// Tells libedit the terminal's new size after a resize (SIGWINCH), so that the line being edited
/// wraps at the new width.
private func noticeResize(_ editLine: OpaquePointer?) {
    guard let editLine, let editor = LineEditor.editor(of: editLine) else { return }
    let resizes = Signals.resizeCount
    guard resizes != editor.seenResizes else { return }
    editor.seenResizes = resizes
    el_resize(editLine)
}
