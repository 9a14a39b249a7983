import WinsockModel

/// One command of the language: its names, grammar, and help. The one catalog of them
/// (`commandCatalog`, one file per group) drives parsing, `help`, `help <command>`, usage errors,
/// TAB completion and what `whatif` accepts (STYLE.md habit 8).
/// A class: specs are immutable and shared, so a lookup hands out a reference, not a copy.
public final class CommandSpec: Sendable {
    public enum Group: String, Sendable {
        case provider = "Provider calls"
        case session = "Session commands"
        case teaching = "Teaching and time travel"
    }
    /// What a command does to the session: `whatif` tries only the commands that change it.
    public enum Effect: Sendable {
        /// Changes the model or a setting: provider calls, process, thread, use, on, peer, advance, set.
        case changesSession
        /// Steers the session itself: replays, rewinds or remembers its history, runs other
        /// commands, or writes files (reset, source, lesson, trace, undo, snapshot, restore, whatif,
        /// record, compare). Never inside `whatif`.
        case controlsSession
        /// Reads or presents only (show, format, expect, explain, help, quit): `whatif` would have
        /// nothing to show.
        case changesNothing
    }
    public let name: String
    /// Other names: the SPI name and the API name for provider calls.
    public let aliases: [String]
    public let group: Group
    public let effect: Effect
    public let forms: [Form]
    public let summary: String
    public let details: String

    init(name: String, aliases: [String], group: Group, effect: Effect, forms: [Form], summary: String, details: String) {
        self.name = name; self.aliases = aliases; self.group = group; self.effect = effect; self.forms = forms
        self.summary = summary; self.details = details
    }

    /// The usage lines, one per form: `setsockopt hN SO_LINGER <onoff> <seconds>`.
    public var usage: [String] {
        forms.map { form in ([name] + form.patterns.map(\.usage)).joined(separator: " ") }
    }
}

/// One way to write a command: its patterns after the command's name, and what makes the command
/// from the values they matched.
public struct Form: Sendable {
    public let patterns: [Pattern]
    let build: @Sendable (Arguments) throws(Diagnostic) -> Built

    init(_ patterns: [Pattern], _ build: @escaping @Sendable (Arguments) throws(Diagnostic) -> Built) {
        self.patterns = patterns
        self.build = build
    }
}

/// What a form's builder makes: a provider call (its issuing thread, if the form names one) or
/// another command.
enum Built {
    case call(ProviderCall, ThreadID?)
    case command(Command)
}

extension Command {
    /// The command a form built, a provider call with its inline expectation.
    init(_ built: Built, expected: InlineExpectation?) {
        switch built {
        case .call(let call, let thread): self = .call(call, thread: thread, expected: expected)
        case .command(let command): self = command
        }
    }
}

/// A form whose builder makes a provider call (issued by the current thread).
func call(_ patterns: [Pattern], _ make: @escaping @Sendable (Arguments) throws(Diagnostic) -> ProviderCall) -> Form {
    Form(patterns) { args throws(Diagnostic) in .call(try make(args), nil) }
}

/// A form whose builder makes a session command.
func command(_ patterns: [Pattern], _ make: @escaping @Sendable (Arguments) throws(Diagnostic) -> Command) -> Form {
    Form(patterns) { args throws(Diagnostic) in .command(try make(args)) }
}

/// The whole language, in the order `help` lists it.
public let commandCatalog: [CommandSpec] = providerCalls + sessionCommands + teachingCommands

/// Looks a command up by name or alias, ignoring case.
public func commandSpec(named word: String) -> CommandSpec? {
    Grammar.shared.command(named: word).map { commandCatalog[$0] }
}
