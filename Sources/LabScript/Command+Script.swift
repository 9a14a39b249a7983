import WinsockModel

/// Printing a command back in the language's own syntax (used by `record` and `compare`).
extension Command {
    /// The command as a script line; nil for commands that are not recorded.
    public var scriptText: String? {
        switch self {
        case .call(let call, let thread, _):
            let text = call.scriptText
            if call == .cancelBlockingCall, let thread { return "cancel \(thread)" }
            return thread.map { "on \($0) \(text)" } ?? text
        case .processNew: return "process new"
        case .processExit(let p): return "process exit \(p)"
        case .threadNew(let p): return p.map { "thread new \($0)" } ?? "thread new"
        case .useProcess(let p): return "use \(p)"
        case .useThread(let t): return "use \(t)"
        case .peer(let s, let action):
            switch action {
            case .read(let n): return n.map { "peer \(s) read \($0)" } ?? "peer \(s) read"
            case .send(let n): return "peer \(s) send \(n)"
            case .close: return "peer \(s) close"
            case .reset: return "peer \(s) reset"
            case .window(let n): return "peer \(s) window \(n)"
            }
        case .advance(let span): return "advance \(span)"
        case .set(let setting):
            switch setting {
            case .model(let m): return "set " + m.scriptText
            case .rows(let n): return "set rows \(n)"
            case .diff(let on): return "set diff \(on ? "on" : "off")"
            }
        case .reset: return "reset"
        case .show, .format, .expect, .explain, .source, .help, .quit, .lesson, .trace, .undo, .snapshot, .restore,
             .whatif, .record, .compare:
            return nil
        }
    }
}

extension World.Setting {
    /// The value part of a `set` line.
    public var scriptText: String {
        switch self {
        case .provider(let k): "provider \(k)"
        case .netRate(let r): "net rate \(r)"
        case .netLatency(let d): "net latency \(d)"
        case .network(let up): "network \(up ? "up" : "down")"
        case .sendBuffer(let n): "sndbuf \(n)"
        case .window(let n): "window \(n)"
        case .gracefulTimeout(let d): "graceful-timeout \(d)"
        case .timeWait(let d): "timewait \(d)"
        case .reuse(let on): "reuse \(on ? "on" : "off")"
        case .profile(let p): "profile \(p)"
        }
    }
}

extension ProviderCall {
    /// The call in the command language (`close h1`, `setsockopt h1 SO_LINGER 1 5`).
    public var scriptText: String {
        switch self {
        case .socket(let type, let nonblocking):
            return "socket" + (type == .dgram ? " dgram" : "") + (nonblocking ? " nonblocking" : "")
        case .socketFromProtocolInfo(let pi): return "socket from \(pi)"
        case .connect(let h): return "connect \(h)"
        case .setLinger(let h, let onoff, let seconds): return "setsockopt \(h) SO_LINGER \(onoff) \(seconds)"
        case .setDontLinger(let h, let on): return "setsockopt \(h) SO_DONTLINGER \(on ? 1 : 0)"
        case .getSockOpt(let h, let option): return "getsockopt \(h) \(option)"
        case .setNonblocking(let h, let on): return "ioctl \(h) FIONBIO \(on ? 1 : 0)"
        case .send(let h, let n, let ov): return "send \(h) \(n)" + (ov ? " overlapped" : "")
        case .recv(let h, let n, let ov): return "recv \(h) \(n)" + (ov ? " overlapped" : "")
        case .shutdown(let h, let how):
            let word = how == ShutdownHow.send ? "send" : how == ShutdownHow.receive ? "receive"
                : how == ShutdownHow.both ? "both" : String(how)
            return "shutdown \(h) \(word)"
        case .close(let h): return "close \(h)"
        case .duplicate(let h, let p): return "duplicate \(h) \(p)"
        case .startup: return "startup"
        case .cleanup: return "cleanup"
        case .cancelBlockingCall: return "cancel"
        }
    }
}
