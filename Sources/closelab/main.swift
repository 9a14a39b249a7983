@preconcurrency import Glibc
import LabSession
import LabSystem
import LinuxBackend

// closelab's entry point: parse the flags, then run the prompt or the scripts.
Signals.ignoreBrokenPipe()

// `process new` under --backend linux runs closelab again as the helper holding that process's
// descriptors (LinuxBackend/Helper.swift); a helper never returns from here.
if LinuxHelper.isRequested(by: CommandLine.arguments) { LinuxHelper.run(CommandLine.arguments) }

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
