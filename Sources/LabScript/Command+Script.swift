import WinsockModel

/// Printing a command back in the language's own syntax (`record`, `compare`, `undo`, `whatif`).
extension Command {
    /// The command as a script line, in its canonical spelling: it parses back to the same
    /// command (the round-trip test holds every form of the catalog to it). `record`, `compare`
    /// and `undo` write commands with it.
    public var scriptText: String {
        switch self {
        case .call(let call, let thread, let expected):
            var text = call.scriptText
            if let thread { text = call == .cancelBlockingCall ? "cancel \(thread)" : "on \(thread) \(text)" }
            if let expected { text += " => \(expected.value)" }
            return text
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
            case .tables(let mode): return "set tables \(mode.rawValue)"
            case .backend(let choice): return "set backend \(choice.rawValue)"
            }
        case .show(let topic): return "show \(topic.rawValue)"
        case .format(let format): return "format \(format.rawValue)"
        case .expect(.value(let path, let op, let value)): return "expect \(path) \(op.rawValue) \(value)"
        case .expect(.event(let event, let present)): return present ? "expect event \(event)" : "expect no event \(event)"
        case .explain: return "explain"
        case .source(let file): return "source \(file)"
        case .help(let topic): return topic.map { "help \($0)" } ?? "help"
        case .reset: return "reset"
        case .quit: return "quit"
        case .lesson(.list): return "lesson"
        case .lesson(.start(let name)): return "lesson \(name)"
        case .lesson(.stop): return "lesson stop"
        case .lesson(.restart): return "lesson restart"
        case .trace(let socket, let pcap):
            return "trace" + (socket.map { " \($0)" } ?? "") + (pcap.map { " --pcap \($0)" } ?? "")
        case .undo: return "undo"
        case .snapshot(let name): return "snapshot \(name)"
        case .restore(let name): return "restore \(name)"
        case .whatif(let command): return "whatif \(command.scriptText)"
        case .record(let file): return "record \(file)"
        case .compare: return "compare"
        case .crosscheck(let file): return "crosscheck \(file)"
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
