@preconcurrency import Glibc
import LabSession

// closelab's entry point: parse the flags, then run the prompt or the scripts.
signal(SIGPIPE, SIG_IGN)

switch Options.parse(Array(CommandLine.arguments.dropFirst())) {
case .failure(let error):
    var err = Output(fd: 2)
    err.write("closelab: \(error.text)\n")
    err.flush()
    exit(2)
case .success(let options):
    var out = Output(fd: 1)
    if options.showsHelp {
        out.write(Options.usage + "\n")
        out.flush()
        exit(0)
    }
    if options.showsVersion {
        out.write(Options.version + "\n")
        out.flush()
        exit(0)
    }
    if options.listsLessons {
        for l in lessons { out.write(l.name + "\n") }
        out.flush()
        exit(0)
    }
    var runner = Runner(options: options)
    exit(runner.run())
}
