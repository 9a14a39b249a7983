import LabScript
import LabSession
import WinsockModel

/// The command line (`closelab --help`). Parsed by hand: the flags are few, and leaving out
/// swift-argument-parser keeps startup near a plain Swift binary's (it pulls in
/// FoundationEssentials, measured at +3 ms per start; the target is 10 ms).
struct Options {
    var commands: String? = nil
    var files: [String] = []
    var format: OutputFormat? = nil
    var echo = false
    var bail = false
    var profile: Profile? = nil
    var showsHelp = false
    var showsVersion = false
    var lesson: String? = nil
    var listsLessons = false
    var compare: String? = nil
    /// `--backend linux`: run the calls on the kernel's loopback instead of the model.
    var backend: String? = nil
    /// `--crosscheck FILE`: run FILE in the model (`--profile`, `linux` by default) and on the
    /// kernel, command by command.
    var crosscheck: String? = nil

    static let version = "closelab 0.1.0"

    static let usage = """
    usage: closelab [options] [FILE...]

    A lab for the Windows Sockets 2 SPI close semantics: provider calls against one live,
    deterministic model, with the per-handle tables printed after every command.

      closelab                 the interactive prompt (when stdin is a terminal)
      closelab FILE...         run scripts, each in a fresh session
      closelab < FILE          run a script from stdin
      closelab -c 'a; b'       run commands given inline (each ; piece counts as a line)

    options:
      -c, --command CMDS       run CMDS instead of reading files or stdin
      --format box|plain|json|off
                               output format (default: box on a terminal, plain otherwise)
      --profile docs|windows|reactos|linux
                               semantic profile (default: docs)
      --backend model|linux    run the calls on the model (default) or, with linux, as real
                               socket calls on the loopback interface, tables read back from the
                               kernel (what has no Linux counterpart answers one line saying so)
      --echo                   print each command before its output
      --lesson NAME            run one lesson (narration, commands, rules) without stopping
      --list-lessons           the lessons, one name per line
      --compare FILE           run FILE under every profile; print only where they differ
      --crosscheck FILE        run FILE in the model (--profile, default linux) and on the
                               kernel's loopback at once; print both sides of every command,
                               mark where they differ (exit 0 all agree, 1 they differ, 2 a line
                               was invalid); what has no kernel counterpart reads n/a
      --bail                   stop at the first invalid line or failed expectation
      -h, --help               this help
      --version                the version

    Exit status: 0 all well; 1 an expectation failed; 2 a line was invalid or a file unreadable;
    130 Ctrl-C stopped the script.
    Environment: CLOSELAB_HISTORY (history file, default ~/.closelab_history), NO_COLOR.
    Type `help` at the prompt for the command language.
    """

    /// Parses the arguments; a message on error.
    static func parse(_ args: [String]) -> Result<Options, TextError> {
        var o = Options()
        var i = 0
        var onlyFiles = false
        func value(_ flag: String) -> Result<String, TextError> {
            i += 1
            guard i < args.count else { return .failure(TextError("\(flag) needs a value")) }
            return .success(args[i])
        }
        while i < args.count {
            let a = args[i]
            if onlyFiles || a == "-" || !a.hasPrefix("-") {
                o.files.append(a)
                i += 1
                continue
            }
            var flag = a
            var inline: String? = nil
            if a.hasPrefix("--"), let eq = a.firstIndex(of: "=") {
                flag = String(a[..<eq]); inline = String(a[a.index(after: eq)...])
            }
            func take() -> Result<String, TextError> { inline.map { .success($0) } ?? value(flag) }
            switch flag {
            case "--": onlyFiles = true
            case "-h", "--help": o.showsHelp = true
            case "--version": o.showsVersion = true
            case "--echo": o.echo = true
            case "--bail": o.bail = true
            case "-c", "--command":
                switch take() {
                case .success(let v): o.commands = (o.commands.map { $0 + "\n" } ?? "") + v
                case .failure(let e): return .failure(e)
                }
            case "--format":
                switch take() {
                case .success(let v):
                    guard let f = OutputFormat(rawValue: v.lowercased()) else {
                        return .failure(TextError("--format: \(quoted(v)) is not one of box, plain, json, off"))
                    }
                    o.format = f
                case .failure(let e): return .failure(e)
                }
            case "--profile":
                switch take() {
                case .success(let v):
                    guard let p = Profile(rawValue: v.lowercased()) else {
                        return .failure(TextError("--profile: \(quoted(v)) is not one of \(Profile.allCases.map(\.rawValue).joined(separator: ", "))"))
                    }
                    o.profile = p
                case .failure(let e): return .failure(e)
                }
            case "--list-lessons": o.listsLessons = true
            case "--backend":
                switch take() {
                case .success(let v):
                    guard ["model", "linux"].contains(v.lowercased()) else {
                        return .failure(TextError("--backend: \(quoted(v)) is not one of model, linux"))
                    }
                    o.backend = v.lowercased() == "model" ? nil : v.lowercased()
                case .failure(let e): return .failure(e)
                }
            case "--crosscheck":
                switch take() {
                case .success(let v): o.crosscheck = v
                case .failure(let e): return .failure(e)
                }
            case "--lesson", "--compare":
                switch take() {
                case .success(let v): if flag == "--lesson" { o.lesson = v } else { o.compare = v }
                case .failure(let e): return .failure(e)
                }
            default:
                return .failure(TextError("unknown option \(quoted(a)); `closelab --help` lists the options"))
            }
            i += 1
        }
        return .success(o)
    }
}

