@preconcurrency import Glibc
// TEMPORARY stub until the libedit editor lands (helper-1 replaces this file).
final class LineEditor {
    enum ReadResult { case line(String), interrupted, endOfFile }
    let prompt: () -> String
    init(historyPath: String, prompt: @escaping () -> String, complete: @escaping (String) -> [String]) { self.prompt = prompt }
    func readLine() -> ReadResult {
        fputs(prompt(), stdout); fflush(stdout)
        guard let l = Swift.readLine() else { return .endOfFile }
        return .line(l)
    }
    func addToHistory(_ line: String) {}
    func close() {}
}
enum Terminal {
    static var isInteractive: Bool { isatty(0) == 1 && isatty(1) == 1 }
    static var width: Int? { nil }
}
