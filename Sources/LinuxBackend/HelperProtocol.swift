// What the lab and a helper process say to each other on their control socket (a SOCK_SEQPACKET
// socket pair: the lab holds one end, the helper the other as fd 3). One packet is one message:
// 64-bit integers, the first naming the kind; `adopt` also carries a descriptor (SCM_RIGHTS).
//
//   lab ─▶ helper (requests)                     helper ─▶ lab (replies)
//   ─────────────────────────────────────────    ──────────────────────────────────────────────
//                                                ready(pid)                 once, at start
//   newThread                                    threadStarted(T, tid)
//   run(T, job)                                  done(T, result, at)        when the job returns:
//                                                                           at once, or later (blocked)
//   interrupt(T)                                 (T's done, once its call returned EINTR)
//   startOperation(op, job)                      operationDone(op, result, at)   when it ends
//   sample(fd…)                                  samples(sample…, queued…)  queued: each thread's
//                                                                           blocking send so far
//   adopt + descriptor                           adopted(fd)                its number in the helper
//   discard(fd)                                  (none: closes a mailbox the lab gave up on)
//   exit                                         (none: _exit(0), the kernel closes the rest)
//   abort                                        (none: every socket reset, then _exit(0))
//
// Requests are answered in order; `done` and `operationDone` may come at any time in between,
// and the lab keeps them until it looks for them. Descriptor numbers in requests and replies are
// the helper's own. A helper that dies closes its end: the lab reads the end of the stream.

import WinsockModel

/// A request from the lab to a helper.
enum HelperRequest: Hashable, Sendable {
    case newThread
    /// Runs `job` on the helper's thread number `thread` (0 is its first).
    case run(thread: Int, KernelJob)
    /// Interrupts that thread's blocked system call until it returns (WSPCancelBlockingCall).
    case interrupt(thread: Int)
    /// Runs the rest of overlapped operation `operation` on a thread of its own.
    case startOperation(operation: Int, KernelJob)
    case sample([Int32])
    /// Keep the descriptor this message carries; say its number.
    case adopt
    case discard(Int32)
    case exit
    case abort

    var words: [Int64] {
        switch self {
        case .newThread: [1]
        case .run(let thread, let job): [2, Int64(thread)] + job.words
        case .interrupt(let thread): [3, Int64(thread)]
        case .startOperation(let operation, let job): [4, Int64(operation)] + job.words
        case .sample(let fds): [5] + fds.map(Int64.init)
        case .adopt: [6]
        case .discard(let fd): [7, Int64(fd)]
        case .exit: [8]
        case .abort: [9]
        }
    }

    init?(words w: [Int64]) {
        guard let kind = w.first else { return nil }
        switch (kind, w.count) {
        case (1, 1): self = .newThread
        case (2, 2 + KernelJob.wordCount):
            guard let job = KernelJob(words: w[2...]) else { return nil }
            self = .run(thread: Int(w[1]), job)
        case (3, 2): self = .interrupt(thread: Int(w[1]))
        case (4, 2 + KernelJob.wordCount):
            guard let job = KernelJob(words: w[2...]) else { return nil }
            self = .startOperation(operation: Int(w[1]), job)
        case (5, _): self = .sample(w.dropFirst().map { Int32(truncatingIfNeeded: $0) })
        case (6, 1): self = .adopt
        case (7, 2): self = .discard(Int32(truncatingIfNeeded: w[1]))
        case (8, 1): self = .exit
        case (9, 1): self = .abort
        default: return nil
        }
    }
}

/// A reply from a helper to the lab.
enum HelperReply: Hashable, Sendable {
    case ready(pid: Int32)
    case threadStarted(thread: Int, kernelThreadID: Int32)
    case done(thread: Int, Completion)
    case operationDone(operation: Int, Completion)
    /// One sample per descriptor asked about, in order; then what each thread's current blocking
    /// send has queued so far (by thread number).
    case samples([SocketSample], queued: [Int])
    case adopted(Int32)

    var words: [Int64] {
        switch self {
        case .ready(let pid): [101, Int64(pid)]
        case .threadStarted(let thread, let tid): [102, Int64(thread), Int64(tid)]
        case .done(let thread, let completion): [103, Int64(thread)] + completion.words
        case .operationDone(let operation, let completion): [104, Int64(operation)] + completion.words
        case .samples(let samples, let queued):
            [105, Int64(samples.count)] + samples.flatMap(\.words) + queued.map(Int64.init)
        case .adopted(let fd): [106, Int64(fd)]
        }
    }

    init?(words w: [Int64]) {
        guard let kind = w.first else { return nil }
        switch (kind, w.count) {
        case (101, 2): self = .ready(pid: Int32(truncatingIfNeeded: w[1]))
        case (102, 3): self = .threadStarted(thread: Int(w[1]), kernelThreadID: Int32(truncatingIfNeeded: w[2]))
        case (103, 2 + Completion.wordCount):
            self = .done(thread: Int(w[1]), Completion(words: w[2...]))
        case (104, 2 + Completion.wordCount):
            self = .operationDone(operation: Int(w[1]), Completion(words: w[2...]))
        case (105, _):
            guard w.count >= 2, w[1] >= 0 else { return nil }
            let count = Int(w[1]), end = 2 + count * SocketSample.wordCount
            guard end <= w.count else { return nil }
            var samples: [SocketSample] = []
            for i in 0..<count {
                let start = 2 + i * SocketSample.wordCount
                guard let sample = SocketSample(words: w[start..<start + SocketSample.wordCount]) else { return nil }
                samples.append(sample)
            }
            self = .samples(samples, queued: w[end...].map { Int($0) })
        case (106, 2): self = .adopted(Int32(truncatingIfNeeded: w[1]))
        default: return nil
        }
    }
}

extension Completion {
    static let wordCount = 5

    var words: [Int64] {
        [Int64(result.value), Int64(result.errno), Int64(result.extra), result.isPending ? 1 : 0, finishedAt]
    }

    init(words w: ArraySlice<Int64>) {
        let v = Array(w)
        self.init(result: SystemResult(value: Int(v[0]), errno: Int32(truncatingIfNeeded: v[1]), extra: Int(v[2]),
                                       isPending: v[3] == 1),
                  finishedAt: v[4])
    }
}

extension KernelJob {
    /// Every job is four integers: its kind and up to three arguments (0 where unused).
    static let wordCount = 4

    var words: [Int64] {
        func w(_ kind: Int64, _ arguments: Int...) -> [Int64] {
            [kind] + (arguments + [0, 0, 0]).prefix(3).map(Int64.init)
        }
        switch self {
        case .socket(let type, let nonblocking, let sendBuffer):
            return w(1, type == .stream ? 0 : 1, nonblocking ? 1 : 0, sendBuffer ?? -1)
        case .connect(let fd, let port): return w(2, Int(fd), Int(port))
        case .setLinger(let fd, let onoff, let seconds): return w(3, Int(fd), onoff, seconds)
        case .setDontLinger(let fd, let on): return w(4, Int(fd), on ? 1 : 0)
        case .getOption(let fd, let option):
            let code = switch option {
            case .linger: 0
            case .dontLinger: 1
            case .sendBuffer: 2
            }
            return w(5, Int(fd), code)
        case .setNonblocking(let fd, let on): return w(6, Int(fd), on ? 1 : 0)
        case .send(let fd, let bytes): return w(7, Int(fd), bytes)
        case .receive(let fd, let bytes): return w(8, Int(fd), bytes)
        case .shutdown(let fd, let how): return w(9, Int(fd), how)
        case .close(let fd): return w(10, Int(fd))
        case .duplicate(let fd): return w(11, Int(fd))
        case .sendDescriptor(let fd, let mailbox): return w(12, Int(fd), Int(mailbox))
        case .takeDescriptor(let mailbox): return w(13, Int(mailbox))
        case .startSend(let fd, let bytes): return w(14, Int(fd), bytes)
        case .startReceive(let fd, let bytes): return w(15, Int(fd), bytes)
        case .finishSend(let fd, let bytes, let queued): return w(16, Int(fd), bytes, queued)
        case .finishReceive(let fd, let bytes): return w(17, Int(fd), bytes)
        }
    }

    init?(words w: ArraySlice<Int64>) {
        guard w.count == KernelJob.wordCount else { return nil }
        let v = Array(w)
        let fd = Int32(truncatingIfNeeded: v[1])
        let a = Int(v[2]), b = Int(v[3])
        switch v[0] {
        case 1: self = .socket(v[1] == 0 ? .stream : .dgram, nonblocking: v[2] == 1, sendBuffer: v[3] < 0 ? nil : b)
        case 2: self = .connect(fd, port: UInt16(truncatingIfNeeded: v[2]))
        case 3: self = .setLinger(fd, onoff: a, seconds: b)
        case 4: self = .setDontLinger(fd, v[2] == 1)
        case 5:
            switch v[2] {
            case 0: self = .getOption(fd, .linger)
            case 1: self = .getOption(fd, .dontLinger)
            case 2: self = .getOption(fd, .sendBuffer)
            default: return nil
            }
        case 6: self = .setNonblocking(fd, v[2] == 1)
        case 7: self = .send(fd, bytes: a)
        case 8: self = .receive(fd, bytes: a)
        case 9: self = .shutdown(fd, how: a)
        case 10: self = .close(fd)
        case 11: self = .duplicate(fd)
        case 12: self = .sendDescriptor(fd, mailbox: Int32(truncatingIfNeeded: v[2]))
        case 13: self = .takeDescriptor(mailbox: fd)
        case 14: self = .startSend(fd, bytes: a)
        case 15: self = .startReceive(fd, bytes: a)
        case 16: self = .finishSend(fd, bytes: a, queued: b)
        case 17: self = .finishReceive(fd, bytes: a)
        default: return nil
        }
    }
}
